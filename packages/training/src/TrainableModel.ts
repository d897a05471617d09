/**
 * What training needs of a network: named trainable weights, named non-trainable state (BatchNorm
 * running statistics) and a forward pass over T timesteps that returns the group- and time-averaged
 * logits.
 *
 * Training depends on core and tensor only (a plugin package never imports another), so it states the
 * shape it needs here; the SNASNet network of `@spikernel/spaces` is adapted to it where both meet
 * (the pipeline, the CLI).
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"

/**
 * A dropout stream key: the network draws the mask from (seed, its dropout stream, index).
 *
 * @since 0.1.0
 */
export interface DropoutKey {
  readonly seed: number
  readonly index: number
}

/**
 * @since 0.1.0
 */
export interface ForwardOptions {
  readonly timesteps: number
  /** Train mode: batch statistics (and running-stat updates) in BatchNorm, dropout on. */
  readonly training: boolean
  /**
   * Where this call's dropout mask comes from (train mode; omitted: no dropout). Training numbers its
   * micro-batches from the start of the run, `(epoch · batchesPerEpoch + batch) · chunks + micro`, so a
   * resumed run draws the same masks as an uninterrupted one.
   */
  readonly dropoutKey?: DropoutKey
  /** Called once per LIF layer and timestep with that layer's spikes ([B, …], values 0/1). */
  readonly onSpikes?: (layer: string, timestep: number, spikes: tf.Tensor) => void
}

/**
 * @since 0.1.0
 */
export interface TrainableModel {
  /** Trainable parameters by name (official PyTorch names for SNASNet), in a fixed order. */
  readonly weights: ReadonlyMap<string, tf.Variable>
  /** Non-trainable state by name: BatchNorm running mean and variance. Saved in checkpoints. */
  readonly state: ReadonlyMap<string, tf.Variable>
  /** Logits [B, classes] from NHWC images [B, H, W, C]. Runs inside the caller's tidy/gradient scope. */
  readonly forward: (images: tf.Tensor4D, options: ForwardOptions) => tf.Tensor2D
}

/**
 * Number of scalar parameters.
 *
 * @since 0.1.0
 */
export const parameterCount = (model: TrainableModel): number => {
  let n = 0
  for (const v of model.weights.values()) n += v.size
  return n
}
