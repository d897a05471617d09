/**
 * BatchNorm2d as PyTorch computes it (eps 1e-5, momentum 0.1, affine, running statistics), on NHWC
 * tensors, with a hand-written gradient.
 *
 * In training mode the statistics are those of this call's batch over (N, H, W): the biased
 * variance normalises, the unbiased one enters the running estimate. SNASNet calls every BN once
 * per timestep, so the statistics are per timestep. The variance is taken from the centred values.
 *
 * Why not `tf.moments`/`tf.batchNorm`: on the wasm backend a mean over leading axes is an order of
 * magnitude slower than an average pool, a matMul against a fresh [n, C] operand repacks it on
 * every call, and the built-in BN gradient goes through `Tile` (notes/CPU-COMPUTE.md). Channel
 * means here are a full-window average pool over (H, W) followed by a small mean over N, and the
 * backward pass is the closed form
 * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * PyTorch's BatchNorm defaults.
 *
 * @since 0.1.0
 */
export const batchNormEpsilon = 1e-5

/**
 * @since 0.1.0
 */
export const batchNormMomentum = 0.1

/**
 * A BatchNorm's tensors.
 *
 * @since 0.1.0
 */
export interface BatchNormWeights {
  readonly gamma: tf.Tensor
  readonly beta: tf.Tensor
  readonly runningMean: tf.Variable
  readonly runningVar: tf.Variable
}

/**
 * How a BN call behaves: batch statistics (training) or running statistics (evaluation), and
 * whether a training call updates the running statistics.
 *
 * @since 0.1.0
 */
export interface BatchNormMode {
  readonly training: boolean
  readonly updateRunningStats: boolean
}

/**
 * The mean over (N, H, W) of an NHWC tensor, per channel: [C].
 *
 * @since 0.1.0
 */
export const channelMean = (x: tf.Tensor4D): tf.Tensor1D =>
  tf.tidy(() => {
    const [n, h, w, c] = x.shape
    const pooled = tf.avgPool(x, [h, w], 1, "valid")
    return tf.mean(tf.reshape(pooled, [n, c]), 0) as tf.Tensor1D
  })

/**
 * Normalises `x` [N, H, W, C].
 *
 * @since 0.1.0
 */
export const batchNorm = (x: tf.Tensor4D, weights: BatchNormWeights, mode: BatchNormMode): tf.Tensor4D => {
  if (!mode.training) {
    const scale = tf.mul(weights.gamma, tf.rsqrt(tf.add(weights.runningVar, batchNormEpsilon)))
    const shift = tf.sub(weights.beta, tf.mul(weights.runningMean, scale))
    return tf.add(tf.mul(x, scale), shift)
  }
  const count = x.shape[0] * x.shape[1] * x.shape[2]
  const normalise = tf.customGrad((input, gamma, beta, save) => {
    const xs = input as tf.Tensor4D
    const mean = channelMean(xs)
    const centred = tf.sub(xs, mean) as tf.Tensor4D
    const variance = channelMean(tf.square(centred) as tf.Tensor4D)
    const invStd = tf.rsqrt(tf.add(variance, batchNormEpsilon))
    const scale = tf.mul(gamma as tf.Tensor, invStd)
    if (mode.updateRunningStats) {
      const m = batchNormMomentum
      const unbiased = count > 1 ? count / (count - 1) : 1
      weights.runningMean.assign(tf.add(tf.mul(weights.runningMean, 1 - m), tf.mul(mean, m)))
      weights.runningVar.assign(tf.add(tf.mul(weights.runningVar, 1 - m), tf.mul(variance, m * unbiased)))
    }
    ;(save as tf.GradSaveFunc)([centred, invStd, scale])
    return {
      value: tf.add(tf.mul(centred, scale), beta as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
        const [d, inv, a] = saved
        const dy4 = dy as tf.Tensor4D
        const normalised = tf.mul(d, inv) as tf.Tensor4D
        const meanDy = channelMean(dy4)
        const meanDyXhat = channelMean(tf.mul(dy4, normalised) as tf.Tensor4D)
        const dx = tf.mul(tf.sub(tf.sub(dy4, meanDy), tf.mul(normalised, meanDyXhat)), a)
        return [dx, tf.mul(meanDyXhat, count), tf.mul(meanDy, count)]
      }
    }
  })
  return normalise(x, weights.gamma, weights.beta) as tf.Tensor4D
}
