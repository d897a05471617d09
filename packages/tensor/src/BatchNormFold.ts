/**
 * BatchNorm folding for inference: a BatchNorm in evaluation mode (running statistics) is the
 * per-channel affine map y = s·x + b with
 *
 *   s = γ / √(running_var + ε),   b = β − running_mean · s
 *
 * (exactly what `batchNorm` computes when `training` is false), so a convolution followed by it is
 * one convolution with the weight scaled per output channel and a bias:
 *
 *   BN(conv(x, W) + c) = conv(x, W·s) + (c·s + b)
 *
 * Used by the NIR export (a deployed network has no BatchNorm layers); a BatchNorm with no
 * convolution before it keeps its affine form (`inferenceAffine`).
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { batchNormEpsilon } from "./BatchNorm.ts"

/**
 * The inference-mode tensors of one BatchNorm over C channels.
 *
 * @since 0.1.0
 */
export interface BatchNormStatistics {
  readonly gamma: tf.Tensor
  readonly beta: tf.Tensor
  readonly runningMean: tf.Tensor
  readonly runningVar: tf.Tensor
}

/**
 * A per-channel affine map y = scale·x + shift, both [C].
 *
 * @since 0.1.0
 */
export interface ChannelAffine {
  readonly scale: tf.Tensor1D
  readonly shift: tf.Tensor1D
}

/**
 * The BatchNorm of running statistics as a per-channel affine map (the caller disposes both).
 *
 * @since 0.1.0
 */
export const inferenceAffine = (bn: BatchNormStatistics, epsilon: number = batchNormEpsilon): ChannelAffine =>
  tf.tidy(() => {
    const scale = tf.mul(bn.gamma, tf.rsqrt(tf.add(bn.runningVar, epsilon))) as tf.Tensor1D
    const shift = tf.sub(bn.beta, tf.mul(bn.runningMean, scale)) as tf.Tensor1D
    return { scale, shift }
  })

/**
 * A convolution and its weight after folding the BatchNorm that follows it.
 *
 * @since 0.1.0
 */
export interface FoldedConv {
  /** HWIO `[kh, kw, in, out]`, scaled per output channel. */
  readonly weight: tf.Tensor4D
  /** `[out]`. */
  readonly bias: tf.Tensor1D
}

/**
 * Folds `bn` into the convolution before it: `weight` is HWIO `[kh, kw, in, out]` (tfjs layout),
 * `bias` the convolution's own bias (none in SNASNet). The caller disposes the result.
 *
 * @since 0.1.0
 */
export const foldBatchNorm = (
  weight: tf.Tensor4D,
  bn: BatchNormStatistics,
  options: { readonly bias?: tf.Tensor1D; readonly epsilon?: number } = {}
): FoldedConv =>
  tf.tidy(() => {
    const out = weight.shape[3]
    if (bn.gamma.size !== out) {
      throw new RangeError(`BatchNorm of ${bn.gamma.size} channels after a convolution of ${out} outputs`)
    }
    const { scale, shift } = inferenceAffine(bn, options.epsilon ?? batchNormEpsilon)
    // HWIO: the output channel is the last axis, so [out] broadcasts over it.
    const folded = tf.mul(weight, scale) as tf.Tensor4D
    const bias = (
      options.bias === undefined ? shift : tf.add(tf.mul(options.bias, scale), shift)
    ) as tf.Tensor1D
    return { weight: folded, bias }
  })
