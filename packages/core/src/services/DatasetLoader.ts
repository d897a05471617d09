/**
 * The DatasetLoader service: typed batches of (image, label) from an on-disk format.
 *
 * Batches are plain typed arrays, never tensors, so no live tensor crosses a stream or a cached step.
 * Images are NHWC float32, normalised with the data set's mean and std.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema, type Stream } from "effect"

/**
 * @since 0.1.0
 */
export const Split = Schema.Literals(["train", "test"])

/**
 * @since 0.1.0
 */
export type Split = typeof Split.Type

/**
 * What a loader knows about its data set before any batch is read.
 *
 * @since 0.1.0
 */
export const DatasetInfo = Schema.Struct({
  name: Schema.String,
  /** [height, width, channels] of one image. */
  imageShape: Schema.Tuple([Schema.Int, Schema.Int, Schema.Int]),
  classes: Schema.Int,
  trainSize: Schema.Int,
  testSize: Schema.Int,
  /** Per-channel normalisation applied to every image. */
  mean: Schema.Array(Schema.Finite),
  std: Schema.Array(Schema.Finite),
  /** Content hash of the decoded data, for cache keys. */
  fingerprint: Schema.String
})

/**
 * @since 0.1.0
 */
export type DatasetInfo = typeof DatasetInfo.Type

/**
 * One batch: `size` images of `imageShape`, NHWC, normalised.
 *
 * @since 0.1.0
 */
export interface ImageBatch {
  readonly size: number
  readonly imageShape: readonly [number, number, number]
  readonly images: Float32Array
  readonly labels: Int32Array
  /** Positions of the images in their split, after shuffling. */
  readonly indices: Int32Array
}

/**
 * How to walk a split. Shuffling and augmentation draw from counter-based streams, so epoch e (and
 * every batch in it) is the same whatever ran before it:
 * - the order of epoch e is a permutation drawn from (seed, `data/shuffle/<split>`, index e);
 * - the crop and flip of image i in epoch e come from (seed, `data/augment/epoch-<e>`, index i),
 *   i being the image's position in its split, so they do not depend on the batch size either.
 *
 * @since 0.1.0
 */
export interface BatchOptions {
  readonly split: Split
  readonly batchSize: number
  readonly seed: number
  readonly epoch: number
  readonly shuffle: boolean
  /** Random crop with padding and horizontal flip; never applied to the test split. */
  readonly augment: boolean
  /** Skip the first `skip` batches (resuming mid-epoch). */
  readonly skip?: number
  /** Stop after this many batches. */
  readonly take?: number
  readonly dropLast?: boolean
  /** How many batches to build ahead of the consumer (a bounded buffer); 0 builds on demand. */
  readonly prefetch?: number
}

/**
 * A loader failure that names the file and the offset, line or field.
 *
 * @since 0.1.0
 */
export class DatasetError extends Schema.TaggedError<DatasetError>()("DatasetError", {
  dataset: Schema.String,
  file: Schema.String,
  /** Where in the file: `offset 16`, `line 42`, `field label`. */
  at: Schema.optionalKey(Schema.String),
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.dataset}: ${this.file}${this.at === undefined ? "" : ` (${this.at})`}: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 */
export class DatasetLoader extends Context.Service<
  DatasetLoader,
  {
    readonly info: Effect.Effect<DatasetInfo, DatasetError>
    readonly batches: (options: BatchOptions) => Stream.Stream<ImageBatch, DatasetError>
    /**
     * The files the data set is read from (absent for generated data). The runner re-checks them on
     * every run — sizes and modification times, a content hash when those change — so a data set
     * changed on disk is never served from the cache.
     */
    readonly sources?: Effect.Effect<ReadonlyArray<string>, DatasetError>
  }
>()("@spikernel/core/DatasetLoader") {}
