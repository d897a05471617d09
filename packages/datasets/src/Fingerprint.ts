/**
 * The dataset fingerprint: sha256 of the decoded content, for cache keys (DESIGN.md §3).
 *
 * It hashes what the loaders hand on — a small header (shape, classes, split sizes), then each
 * split's pixels and labels — so the same data gives the same fingerprint whether it came from raw
 * or gzipped IDX files, and a changed pixel or label changes it. Names and normalisation are not
 * content: they enter cache keys through the loader's `id@version` and config.
 *
 * @since 0.1.0
 */
import { Digest } from "@spikernel/core"
import type { DecodedDataset } from "./Dataset.ts"

/**
 * The format tag at the start of the hashed header; change it if the hashed layout changes.
 *
 * @since 0.1.0
 */
export const format = "spikernel-dataset/1"

/**
 * Lower-case hex sha256 of the decoded content.
 *
 * @since 0.1.0
 */
export const fingerprint = (dataset: DecodedDataset): string => {
  const hash = Digest.sha256()
  const header = {
    format,
    imageShape: dataset.imageShape,
    classes: dataset.classes,
    train: dataset.train.size,
    test: dataset.test.size
  }
  hash.update(`${JSON.stringify(header)}\n`)
  for (const split of [dataset.train, dataset.test]) {
    hash.update(split.images)
    hash.update(split.labels)
  }
  return hash.hex()
}
