/**
 * Post-training quantization of trained weights (issue 19): symmetric, per output channel, to
 * `bits`-bit integers, then back to float ("fake quantization"), so the network evaluates exactly
 * what an integer accelerator with those weights computes (activations and membranes stay float).
 *
 * Every convolution and linear weight (`….weight` of rank ≥ 2, PyTorch layout: output channel
 * first) is quantized; BatchNorm parameters, running statistics and biases stay FP32, as they ship
 * (`DeploymentMemory`: BN folded into an fp32 bias). Folding BatchNorm first changes nothing here:
 * folding scales each output channel by one factor, and a per-channel symmetric scale absorbs it —
 * round(w·a / (a·m/q))·(a·m/q) = a·round(w / (m/q))·(m/q) for m = max|w| of the channel.
 *
 * For channel c with m = max |w|, q = 2^(bits−1) − 1 and scale m / q, each weight becomes
 * round(w / scale) · scale, an integer in [−q, q] times the scale: the error is at most scale / 2.
 *
 * @since 0.1.0
 */
import type { Scorer } from "@spikernel/core"

/**
 * The bit-widths post-training quantization supports.
 *
 * @since 0.1.0
 */
export type QuantizedBits = 8 | 4

/**
 * One tensor quantized per output channel: its new values and each channel's scale.
 *
 * @since 0.1.0
 */
export const quantizePerChannel = (
  values: Float32Array,
  shape: ReadonlyArray<number>,
  bits: number
): { readonly values: Float32Array; readonly scales: Float32Array } => {
  const channels = shape[0]
  const per = values.length / channels
  const q = 2 ** (bits - 1) - 1
  const out = new Float32Array(values.length)
  const scales = new Float32Array(channels)
  for (let c = 0; c < channels; c++) {
    let max = 0
    for (let i = c * per; i < (c + 1) * per; i++) max = Math.max(max, Math.abs(values[i]))
    // A channel of zeros stays zeros (scale 0).
    const scale = max / q
    scales[c] = scale
    for (let i = c * per; i < (c + 1) * per; i++) {
      out[i] = scale === 0 ? 0 : Math.max(-q, Math.min(q, Math.round(values[i] / scale))) * scale
    }
  }
  return { values: out, scales }
}

/**
 * Whether a tensor of the official state_dict is a weight quantization touches: a convolution's or
 * a linear layer's.
 *
 * @since 0.1.0
 */
export const isQuantized = (name: string, shape: ReadonlyArray<number>): boolean =>
  name.endsWith(".weight") && shape.length >= 2

/**
 * Trained weights (PyTorch layout) with every convolution and linear weight quantized to `bits`.
 *
 * @since 0.1.0
 */
export const quantizeTorchWeights = (
  weights: Scorer.TorchWeights,
  bits: QuantizedBits
): Scorer.TorchWeights => {
  const out = new Map<string, { shape: ReadonlyArray<number>; values: Float32Array }>()
  for (const [name, tensor] of weights) {
    out.set(
      name,
      isQuantized(name, tensor.shape)
        ? { shape: tensor.shape, values: quantizePerChannel(tensor.values, tensor.shape, bits).values }
        : tensor
    )
  }
  return out
}
