/**
 * Latency (time-to-first-spike) encoding, linear: an input of intensity x ∈ (0, 1] fires exactly
 * once, at step t = round((1 − x)·(T − 1)) (0-based), so brighter inputs fire earlier: x = 1 at the
 * first step, faint inputs near the last (snnTorch's `latency(linear=True, normalize=True)`).
 * Inputs at or below `threshold` never fire; inputs above 1 are clipped to 1.
 *
 * @since 0.1.0
 */
import type { Encoder } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export const LatencyConfig = Schema.Struct({
  /** Inputs at or below this intensity stay silent. */
  threshold: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export type LatencyConfig = typeof LatencyConfig.Type

/**
 * The spike step of an intensity, or −1 for none.
 *
 * @since 0.1.0
 */
export const spikeStep = (x: number, timesteps: number, threshold: number): number =>
  x > threshold ? Math.round((1 - Math.min(1, x)) * (timesteps - 1)) : -1

/**
 * The latency encoder; deterministic, so the stream key is unused.
 *
 * @since 0.1.0
 */
export const latency = (config: LatencyConfig = { threshold: 0 }): Encoder.SpikeEncoder => ({
  id: "latency",
  encode: (images, timesteps) => {
    const values = images.dataSync()
    const buffers = Array.from({ length: timesteps }, () => new Float32Array(values.length))
    for (let i = 0; i < values.length; i++) {
      const t = spikeStep(values[i], timesteps, config.threshold)
      if (t >= 0) buffers[t][i] = 1
    }
    const steps = buffers.map((buffer) => tf.tensor4d(buffer, images.shape))
    return {
      timesteps,
      static: false,
      at: (t) => steps[t],
      dispose: () => tf.dispose(steps)
    }
  }
})
