/**
 * Batch normalisation in training mode with a hand-written backward pass.
 *
 * `tf.batchNorm`'s gradient goes through `Tile` and leading-axis reductions, a third of a training step
 * on wasm. Here the statistics are per channel (and per group), reduced with the fast Sum/Mean of this
 * package, and the backward pass is the closed form
 *   dx = γ·σ⁻¹ · (dy − mean(dy) − x̂·mean(dy·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy.
 * `groups` splits the leading axis into contiguous blocks with their own statistics: SNASNet calls BN once
 * per timestep, so a time-major [T·B,H,W,C] activation uses `groups: T` (statistics over B·H·W, not T·B·H·W).
 */
import * as tf from "@tensorflow/tfjs-core"

export interface BatchNormOptions {
  /** Added to the variance (PyTorch's default 1e-5). */
  readonly epsilon?: number
  /** Statistics per contiguous block of the leading axis (default 1). */
  readonly groups?: number
}

export interface BatchNormResult {
  /** Normalised, scaled and shifted x; differentiable in x, γ and β. */
  readonly y: tf.Tensor4D
  /** Batch mean per group and channel, [groups, C]. */
  readonly mean: tf.Tensor2D
  /** Biased batch variance per group and channel, [groups, C] (PyTorch's running_var uses n/(n−1) of it). */
  readonly variance: tf.Tensor2D
}

/** Per-(group, channel) mean and biased variance of x [N,H,W,C] (N divisible by groups). */
export const channelMoments = (
  x: tf.Tensor4D,
  groups = 1
): { readonly mean: tf.Tensor2D; readonly variance: tf.Tensor2D } =>
  tf.tidy(() => {
    const [n, h, w, c] = x.shape
    if (n % groups !== 0) throw new Error(`channelMoments: batch ${n} is not divisible by ${groups} groups`)
    const xg = tf.reshape(x, [groups, (n / groups) * h, w, c])
    // Axes [1,2] of a rank-4 tensor: a global average pool on wasm. Two passes: no E[x²]−E[x]² cancellation.
    const mean = tf.mean(xg, [1, 2], true)
    const variance = tf.mean(tf.square(tf.sub(xg, mean)), [1, 2])
    return { mean: tf.reshape(mean, [groups, c]) as tf.Tensor2D, variance: variance as tf.Tensor2D }
  })

/** Training-mode batch norm of x [N,H,W,C] with per-channel γ, β [C]. */
export const batchNormTrain = (
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  options: BatchNormOptions = {}
): BatchNormResult => {
  const groups = options.groups ?? 1
  const epsilon = options.epsilon ?? 1e-5
  const [n, h, w, c] = x.shape
  const rows = (n / groups) * h
  const count = rows * w
  const { mean, variance } = channelMoments(x, groups)
  const forward = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gIn, bIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc]
    const invStd = tf.rsqrt(tf.add(variance, epsilon))
    const scale = tf.mul(invStd, gIn)
    const shift = tf.sub(bIn, tf.mul(mean, scale))
    const xg = tf.reshape(xIn, [groups, rows, w, c])
    const y = tf.add(tf.mul(xg, tf.reshape(scale, [groups, 1, 1, c])), tf.reshape(shift, [groups, 1, 1, c]))
    save([xIn, gIn, mean, invStd])
    return {
      value: tf.reshape(y, [n, h, w, c]) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: Array<tf.Tensor>) => {
        const [xS, gS, meanS, invStdS] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D]
        const bc = (t: tf.Tensor) => tf.reshape(t, [groups, 1, 1, c])
        const xs = tf.reshape(xS, [groups, rows, w, c])
        const dys = tf.reshape(dy, [groups, rows, w, c])
        const xhat = tf.mul(tf.sub(xs, bc(meanS)), bc(invStdS))
        const sumDy = tf.sum(dys, [1, 2])
        const sumDyXhat = tf.sum(tf.mul(dys, xhat), [1, 2])
        const s = tf.mul(invStdS, gS)
        const a = tf.mul(tf.neg(s), tf.div(sumDyXhat, count))
        const b = tf.mul(tf.neg(s), tf.div(sumDy, count))
        const dx = tf.add(tf.add(tf.mul(dys, bc(s)), tf.mul(xhat, bc(a))), bc(b))
        return [tf.reshape(dx, [n, h, w, c]), tf.sum(sumDyXhat, 0), tf.sum(sumDy, 0)]
      }
    }
  })
  const y = forward(x, gamma, beta) as tf.Tensor4D
  return { y, mean, variance }
}
