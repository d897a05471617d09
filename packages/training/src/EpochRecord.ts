/**
 * What one epoch of training leaves behind: a Schema'd record, stored in every checkpoint and returned
 * by `train`.
 *
 * Firing rates and spikes per sample are measured on the test split in eval mode (the same pass that
 * gives the test accuracy), so they describe the trained network without dropout and do not slow the
 * training steps down.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Rate = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * Firing rate of one LIF layer: spikes / (neurons × timesteps × samples).
 *
 * @since 0.1.0
 */
export const LayerFiringRate = Schema.Struct({
  layer: Schema.String,
  /** Neurons of the layer per sample (C·H·W). */
  neurons: Schema.Int,
  rate: Rate
})

/**
 * @since 0.1.0
 */
export type LayerFiringRate = typeof LayerFiringRate.Type

/**
 * @since 0.1.0
 */
export const EpochRecord = Schema.Struct({
  /** 1-based: the record of the first epoch has `epoch: 1`. */
  epoch: Schema.Int.check(Schema.isGreaterThan(0)),
  learningRate: NonNegative,
  /** Mean training cross-entropy over the epoch's samples (train mode). */
  loss: NonNegative,
  /** Top-1 on the training batches as they were trained (train mode, augmented). */
  trainTop1: Rate,
  /** Top-1 on the test split in eval mode (BatchNorm running statistics, no dropout). */
  testTop1: Rate,
  testLoss: NonNegative,
  /** Every LIF layer, in the order the network calls them. */
  firingRates: Schema.Array(LayerFiringRate),
  /** Spikes of all LIF layers over all timesteps, per test sample. */
  spikesPerSample: NonNegative,
  /** Wall-clock seconds of the training steps of this epoch (without evaluation). */
  seconds: NonNegative,
  /** Training images per second (forward + backward + update). */
  imagesPerSecond: NonNegative,
  evalSeconds: NonNegative
})

/**
 * @since 0.1.0
 */
export type EpochRecord = typeof EpochRecord.Type
