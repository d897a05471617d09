/**
 * The Encoder service: turns a batch of images into the T-step input of the network.
 *
 * Owned by `@spikernel/encoders`, which may refine this interface.
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { Context } from "effect"

/**
 * An encoded batch: the input at each timestep. `static` is true when every step sees the same
 * tensor (direct encoding), which lets the network compute its stem once as SNASNet does.
 *
 * @since 0.1.0
 */
export interface EncodedInput {
  readonly timesteps: number
  readonly static: boolean
  /** The input at step t (0-based, t < timesteps); owned by this value, released by `dispose`. */
  readonly at: (t: number) => tf.Tensor4D
  readonly dispose: () => void
}

/**
 * @since 0.1.0
 */
export interface SpikeEncoder {
  readonly id: string
  /** Encodes NHWC images; draws (if any) come from the stream (seed, encoder id, index). */
  readonly encode: (
    images: tf.Tensor4D,
    timesteps: number,
    key: { readonly seed: number; readonly index: number }
  ) => EncodedInput
}

/**
 * @since 0.1.0
 */
export class Encoder extends Context.Service<Encoder, SpikeEncoder>()("@spikernel/core/Encoder") {}
