/**
 * Rate (Bernoulli) encoding: at every timestep each input fires with probability equal to its
 * intensity, clipped to [0, 1] after multiplying by `gain`. Draws come from the counter-based
 * stream (seed, "encoder/rate", index), so a batch's spikes do not depend on what ran before it.
 *
 * Inputs are intensities in [0, 1] (unnormalised images), not mean/std-normalised values.
 *
 * @since 0.1.0
 */
import { type Encoder, Rng } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export const RateConfig = Schema.Struct({
  /** Firing probability per unit of intensity (1: a pixel of value 1 fires at every step). */
  gain: Schema.Finite.check(Schema.isGreaterThan(0))
})

/**
 * @since 0.1.0
 */
export type RateConfig = typeof RateConfig.Type

/**
 * The stream name of the rate encoder's draws.
 *
 * @since 0.1.0
 */
export const rateStream = "encoder/rate"

const TWO_32 = 4294967296

/**
 * The rate encoder. All T steps are drawn when `encode` is called (step-major, element order
 * within a step), so `at(t)` is a lookup; `dispose` releases them.
 *
 * @since 0.1.0
 */
export const rate = (config: RateConfig = { gain: 1 }): Encoder.SpikeEncoder => ({
  id: "rate",
  encode: (images, timesteps, key) => {
    const values = images.dataSync()
    const thresholds = new Float64Array(values.length)
    for (let i = 0; i < values.length; i++) {
      // spike iff u < p·2³² for a uniform uint32 u: exactly Bernoulli(p) for p on the 2⁻³² grid
      thresholds[i] = Math.min(1, Math.max(0, values[i] * config.gain)) * TWO_32
    }
    const source = Rng.draws({ seed: key.seed, stream: rateStream, index: key.index })
    const steps: Array<tf.Tensor4D> = []
    for (let t = 0; t < timesteps; t++) {
      const spikes = new Float32Array(values.length)
      for (let i = 0; i < values.length; i++) spikes[i] = source.uint32() < thresholds[i] ? 1 : 0
      steps.push(tf.tensor4d(spikes, images.shape))
    }
    return {
      timesteps,
      static: false,
      at: (t) => steps[t],
      dispose: () => tf.dispose(steps)
    }
  }
})
