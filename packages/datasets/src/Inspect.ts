/**
 * What `spikernel data inspect` reports about a data set: split sizes, classes, per-class counts per
 * split and a checksum (the dataset fingerprint: sha256 of the decoded pixels and labels).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { type DecodedDataset, labelCounts } from "./Dataset.ts"
import { fingerprint } from "./Fingerprint.ts"

/**
 * @since 0.1.0
 */
export const Summary = Schema.Struct({
  name: Schema.String,
  imageShape: Schema.Tuple([Schema.Int, Schema.Int, Schema.Int]),
  train: Schema.Int,
  test: Schema.Int,
  classes: Schema.Int,
  classNames: Schema.Array(Schema.String),
  labelCounts: Schema.Struct({ train: Schema.Array(Schema.Int), test: Schema.Array(Schema.Int) }),
  /** The dataset fingerprint (lower-case hex sha256 of the decoded content). */
  checksum: Schema.String
})

/**
 * @since 0.1.0
 */
export type Summary = typeof Summary.Type

/**
 * Summarises decoded data (hashes it once).
 *
 * @since 0.1.0
 */
export const summarise = (dataset: DecodedDataset): Summary => ({
  name: dataset.name,
  imageShape: [...dataset.imageShape],
  train: dataset.train.size,
  test: dataset.test.size,
  classes: dataset.classes,
  classNames: [...dataset.classNames],
  labelCounts: {
    train: labelCounts(dataset.train, dataset.classes),
    test: labelCounts(dataset.test, dataset.classes)
  },
  checksum: fingerprint(dataset)
})
