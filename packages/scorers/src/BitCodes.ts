/**
 * Binary spike codes, bit-packed: one row per image, 32 neurons per Int32 word (bit k of word w is
 * neuron 32·w + k), with each row's spike count. This is the form the Hamming kernel works on
 * (METHOD.md §3: X = 1[spikes > 0], reshaped to B×N): a B×N float code becomes B×⌈N/32⌉ words,
 * and X·Xᵀ becomes AND + popcount over words.
 *
 * @since 0.1.0
 */

/**
 * Packed codes of one LIF call.
 *
 * @since 0.1.0
 */
export interface PackedCodes {
  /** B, the images in the batch. */
  readonly batch: number
  /** N, the neurons of the layer (C·H·W). */
  readonly neurons: number
  /** ⌈N/32⌉ words per row. */
  readonly words: number
  /** Row-major B × words; the unused high bits of a row's last word are 0. */
  readonly bits: Int32Array
  /** Spikes per row, Σₙ X[b, n]. */
  readonly counts: Int32Array
}

/**
 * The number of set bits of a 32-bit word (SWAR popcount).
 *
 * @since 0.1.0
 */
export const popcount32 = (word: number): number => {
  let x = word - ((word >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/**
 * Packs a B×N row-major code; a neuron fires when its value is > 0 (the official `spikes > 0`).
 *
 * @since 0.1.0
 */
export const packCodes = (values: ArrayLike<number>, batch: number, neurons: number): PackedCodes => {
  if (values.length !== batch * neurons) {
    throw new RangeError(`packCodes: ${values.length} values do not make ${batch} rows of ${neurons}`)
  }
  const words = Math.ceil(neurons / 32)
  const bits = new Int32Array(batch * words)
  const counts = new Int32Array(batch)
  for (let b = 0; b < batch; b++) {
    const base = b * neurons
    let count = 0
    for (let w = 0; w < words; w++) {
      const start = base + w * 32
      const end = Math.min(start + 32, base + neurons)
      let word = 0
      for (let i = start; i < end; i++) if (values[i] > 0) word |= 1 << (i - start)
      bits[b * words + w] = word
      count += popcount32(word)
    }
    counts[b] = count
  }
  return { batch, neurons, words, bits, counts }
}

/**
 * The codes with their rows reordered (`order[k]` is the old row of new row k): a batch permutation.
 *
 * @since 0.1.0
 */
export const permuteRows = (codes: PackedCodes, order: ArrayLike<number>): PackedCodes => {
  const bits = new Int32Array(codes.bits.length)
  const counts = new Int32Array(codes.batch)
  for (let k = 0; k < codes.batch; k++) {
    bits.set(codes.bits.subarray(order[k] * codes.words, (order[k] + 1) * codes.words), k * codes.words)
    counts[k] = codes.counts[order[k]]
  }
  return { ...codes, bits, counts }
}
