/**
 * Reading spikes back from a tensor as bit-packed codes, with as little readback as possible.
 *
 * A LIF emits exactly 0/1, so 16 spikes weighted by 2⁰…2¹⁵ sum to an integer below 2¹⁶, exact in
 * float32. One rank-2 matMul of the spikes viewed as [B·N/32, 32] with a fixed [32, 2] weight
 * matrix (a fast op on every backend) therefore yields the two 16-bit halves of every 32-bit word:
 * the readback shrinks 16× and the JS side only joins halves. When N is not a multiple of 32, or a
 * value is not 0/1 (a half is not an integer in [0, 2¹⁶)), the full tensor is read back and
 * binarised with `> 0` in JS instead.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { type PackedCodes, packCodes, popcount32 } from "./BitCodes.ts"

const halfWeights = (): tf.Tensor2D => {
  const w = new Float32Array(64)
  for (let k = 0; k < 32; k++) w[k * 2 + (k < 16 ? 0 : 1)] = 2 ** (k % 16)
  return tf.tensor2d(w, [32, 2])
}

/**
 * How many bytes of a spike tensor a pack reads back: the fast path reads N/16 floats per image.
 *
 * @since 0.1.0
 */
export const readbackBytes = (batch: number, neurons: number): number =>
  neurons % 32 === 0 ? (batch * neurons * 4) / 16 : batch * neurons * 4

/**
 * The bit-packed codes of a spike tensor whose first axis is the batch (any layout after it: the
 * score is invariant to the order of neurons). The tensor is not disposed.
 *
 * @since 0.1.0
 */
export const packSpikes = (spikes: tf.Tensor): PackedCodes => {
  const batch = spikes.shape[0] ?? 1
  const neurons = spikes.size / batch
  if (neurons % 32 === 0) {
    const halves = tf.tidy(() => tf.matMul(spikes.reshape([(batch * neurons) / 32, 32]), halfWeights()))
    const values = halves.dataSync()
    halves.dispose()
    const packed = joinHalves(values, batch, neurons)
    if (packed !== undefined) return packed
  }
  return packCodes(spikes.dataSync(), batch, neurons)
}

/** Joins [lo, hi] pairs into words; undefined when a half shows a value other than 0/1 went in. */
const joinHalves = (values: ArrayLike<number>, batch: number, neurons: number): PackedCodes | undefined => {
  const words = neurons / 32
  const bits = new Int32Array(batch * words)
  const counts = new Int32Array(batch)
  for (let b = 0; b < batch; b++) {
    let count = 0
    for (let w = 0; w < words; w++) {
      const at = (b * words + w) * 2
      const lo = values[at]
      const hi = values[at + 1]
      if (
        !(lo >= 0 && lo < 65536 && hi >= 0 && hi < 65536 && lo === Math.floor(lo) && hi === Math.floor(hi))
      ) {
        return undefined
      }
      const word = lo | (hi << 16)
      bits[b * words + w] = word
      count += popcount32(word)
    }
    counts[b] = count
  }
  return { batch, neurons, words, bits, counts }
}
