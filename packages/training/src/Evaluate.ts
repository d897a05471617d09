/**
 * Evaluation in eval mode (METHOD.md §5): BatchNorm uses its running statistics, dropout is off, the
 * test split is read in order without augmentation. Besides top-1 and loss it counts every LIF layer's
 * spikes, for the firing rates and spikes per sample of the epoch record.
 *
 * Results do not depend on the chunk size: in eval mode every sample is computed independently.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"
import { Clock, Effect, Stream } from "effect"
import type { LayerFiringRate } from "./EpochRecord.ts"
import { correctCount, crossEntropy } from "./Loss.ts"
import { sliceBatch } from "./TrainStep.ts"
import type { TrainableModel } from "./TrainableModel.ts"
import { DataFailed, TrainingError, tensorFailed } from "./TrainingError.ts"

/**
 * @since 0.1.0
 */
export interface Evaluation {
  readonly samples: number
  readonly top1: number
  readonly loss: number
  readonly firingRates: ReadonlyArray<LayerFiringRate>
  readonly spikesPerSample: number
  readonly seconds: number
}

interface LayerCount {
  neurons: number
  spikes: number
}

/**
 * Top-1, mean loss and firing rates of `model` on a split (the test split by default).
 *
 * @since 0.1.0
 */
export const evaluate = Effect.fnUntraced(function* (options: {
  readonly model: TrainableModel
  readonly timesteps: number
  /** Images per forward pass. */
  readonly batchSize: number
  readonly split?: DatasetLoader.Split
  /** Only the first `limit` batches (quick checks). */
  readonly limit?: number
}): Effect.fn.Return<Evaluation, TrainingError, DatasetLoader.DatasetLoader> {
  const loader = yield* DatasetLoader.DatasetLoader
  const started = yield* Clock.currentTimeMillis
  const layers = new Map<string, LayerCount>()
  let samples = 0
  let correct = 0
  let lossSum = 0
  const batches = loader.batches({
    split: options.split ?? "test",
    batchSize: options.batchSize,
    seed: 0,
    epoch: 0,
    shuffle: false,
    augment: false,
    ...(options.limit === undefined ? {} : { take: options.limit })
  })
  yield* Stream.runForEach(batches, (batch) =>
    Effect.try({
      try: () => {
        // Per layer, the spike count of this batch summed over timesteps, as one kept scalar.
        const counts = new Map<string, { neurons: number; sum: tf.Scalar }>()
        const [images, labels] = sliceBatch(batch, 0, batch.size)
        try {
          const [hits, loss] = tf.tidy(() => {
            const logits = options.model.forward(images, {
              timesteps: options.timesteps,
              training: false,
              onSpikes: (layer, _t, spikes) => {
                const previous = counts.get(layer)
                const total: tf.Scalar = tf.sum(spikes)
                const sum = tf.keep(
                  previous === undefined ? total : (tf.add(previous.sum, total) as tf.Scalar)
                )
                previous?.sum.dispose()
                counts.set(layer, { neurons: spikes.size / batch.size, sum })
              }
            })
            return [correctCount(logits, labels), crossEntropy(logits, labels)] as const
          })
          correct += hits.dataSync()[0]
          lossSum += loss.dataSync()[0] * batch.size
          hits.dispose()
          loss.dispose()
          for (const [layer, { neurons, sum }] of counts) {
            const entry = layers.get(layer) ?? { neurons, spikes: 0 }
            entry.spikes += sum.dataSync()[0]
            layers.set(layer, entry)
          }
          samples += batch.size
        } finally {
          images.dispose()
          labels.dispose()
          for (const { sum } of counts.values()) sum.dispose()
        }
      },
      catch: (cause) => tensorFailed("evaluation", cause)
    }).pipe(Effect.andThen(Effect.yieldNow))
  ).pipe(
    Effect.mapError((e) =>
      e._tag === "DatasetError" ? new TrainingError({ reason: new DataFailed({ message: e.message }) }) : e
    )
  )
  const ended = yield* Clock.currentTimeMillis
  let totalSpikes = 0
  const firingRates: Array<LayerFiringRate> = []
  for (const [layer, { neurons, spikes }] of layers) {
    totalSpikes += spikes
    const rate = samples === 0 ? 0 : spikes / (neurons * options.timesteps * samples)
    firingRates.push({ layer, neurons, rate: Math.min(1, Math.max(0, rate)) })
  }
  return {
    samples,
    top1: samples === 0 ? 0 : correct / samples,
    loss: samples === 0 ? 0 : lossSum / samples,
    firingRates,
    spikesPerSample: samples === 0 ? 0 : totalSpikes / samples,
    seconds: (ended - started) / 1000
  }
})
