/**
 * Batches of a decoded data set as an Effect Stream: epoch order from the counter-based RNG,
 * `skip`/`take` for resuming mid-epoch, per-image augmentation, float32 normalisation one batch at a
 * time, and a bounded prefetch buffer.
 *
 * Every batch is a pure function of (data, options, batch number): batch 17 of epoch 3 is the same
 * whether the stream started at batch 0 or resumed at batch 17.
 *
 * @since 0.1.0
 */
import { DatasetLoader, Rng } from "@spikernel/core"
import { Effect, Stream } from "effect"
import * as Augment from "./Augmentation.ts"
import { type DecodedDataset, imageBytes } from "./Dataset.ts"
import * as Normalisation from "./Normalisation.ts"

const { DatasetError } = DatasetLoader

/**
 * Prefetch depth when the options do not say.
 *
 * @since 0.1.0
 */
export const defaultPrefetch = 2

/**
 * The order of a split's images in one epoch: a permutation drawn from
 * (seed, `data/shuffle/<split>`, epoch), or the identity without shuffling.
 *
 * @since 0.1.0
 */
export const epochOrder = (
  size: number,
  options: Pick<DatasetLoader.BatchOptions, "split" | "seed" | "epoch" | "shuffle">
): Int32Array => {
  if (!options.shuffle) return Int32Array.from({ length: size }, (_, i) => i)
  return Rng.permutation(
    size,
    Rng.draws({ seed: options.seed, stream: `data/shuffle/${options.split}`, index: options.epoch })
  )
}

const checkOptions = (
  dataset: string,
  options: DatasetLoader.BatchOptions
): Effect.Effect<void, DatasetLoader.DatasetError> => {
  const fields: ReadonlyArray<readonly [string, number | undefined, number]> = [
    ["batchSize", options.batchSize, 1],
    ["seed", options.seed, 0],
    ["epoch", options.epoch, 0],
    ["skip", options.skip, 0],
    ["take", options.take, 0],
    ["prefetch", options.prefetch, 0]
  ]
  for (const [field, value, minimum] of fields) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < minimum)) {
      return Effect.fail(
        new DatasetError({
          dataset,
          file: "(batch options)",
          at: `field ${field}`,
          reason: `expected an integer ≥ ${minimum}, got ${value}`
        })
      )
    }
  }
  if (options.split !== "train" && options.split !== "test") {
    return Effect.fail(
      new DatasetError({
        dataset,
        file: "(batch options)",
        at: "field split",
        reason: `expected "train" or "test", got ${String(options.split)}`
      })
    )
  }
  return Effect.void
}

/**
 * How many batches one epoch of `size` images has.
 *
 * @since 0.1.0
 */
export const batchCount = (size: number, batchSize: number, dropLast: boolean): number =>
  dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize)

/**
 * Builds batch number `batch` of an epoch whose order is `order`. Augmentation applies to the train
 * split only, whatever `options.augment` says.
 *
 * @since 0.1.0
 */
export const build = (
  dataset: DecodedDataset,
  augmentation: Augment.Augmentation,
  options: DatasetLoader.BatchOptions,
  order: Int32Array,
  lut: Float32Array,
  batch: number
): DatasetLoader.ImageBatch => {
  const split = dataset[options.split]
  const start = batch * options.batchSize
  const size = Math.min(options.batchSize, order.length - start)
  const bytes = imageBytes(dataset.imageShape)
  const channels = dataset.imageShape[2]
  const images = new Float32Array(size * bytes)
  const labels = new Int32Array(size)
  const indices = order.slice(start, start + size)
  const augment =
    options.augment && options.split === "train" && (augmentation.padding > 0 || augmentation.flip)
  for (let k = 0; k < size; k++) {
    const index = indices[k]
    labels[k] = split.labels[index]
    if (augment) {
      const chosen = Augment.draw(augmentation, options.seed, options.epoch, index)
      Augment.writeAugmented(
        images,
        k * bytes,
        split.images,
        index * bytes,
        dataset.imageShape,
        lut,
        augmentation.padding,
        chosen
      )
    } else {
      Augment.writePlain(images, k * bytes, split.images, index * bytes, bytes, channels, lut)
    }
  }
  return { size, imageShape: dataset.imageShape, images, labels, indices }
}

/**
 * The batches of one epoch of a split, as a stream.
 *
 * @since 0.1.0
 */
export const stream = (
  dataset: DecodedDataset,
  augmentation: Augment.Augmentation,
  options: DatasetLoader.BatchOptions
): Stream.Stream<DatasetLoader.ImageBatch, DatasetLoader.DatasetError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      yield* checkOptions(dataset.name, options)
      const size = dataset[options.split].size
      const total = batchCount(size, options.batchSize, options.dropLast ?? false)
      const first = Math.min(options.skip ?? 0, total)
      const end = options.take === undefined ? total : Math.min(total, first + options.take)
      const order = epochOrder(size, options)
      const lut = Normalisation.table(dataset.normalisation)
      // unfold emits one batch per pull, so at most `prefetch` batches exist ahead of the consumer.
      const batches = Stream.unfold(first, (batch) =>
        Effect.sync(() =>
          batch < end
            ? ([build(dataset, augmentation, options, order, lut, batch), batch + 1] as const)
            : undefined
        )
      )
      const prefetch = options.prefetch ?? defaultPrefetch
      return prefetch > 0 ? Stream.buffer(batches, { capacity: prefetch }) : batches
    })
  )
