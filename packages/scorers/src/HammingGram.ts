/**
 * The Gram matrix G = X·Xᵀ of binary codes by AND + popcount over bit-packed rows, and from it the
 * Hamming distances D = rowsum_i + rowsum_j − 2·G (METHOD.md §3 writes D = X(1−X)ᵀ + (1−X)Xᵀ,
 * which is the same for 0/1 codes).
 *
 * Why not a float matmul of the codes: X·Xᵀ at B = 256, N = 131,072 is 17 GFLOP, about the cost of
 * a forward conv, whereas the packed form is 32,896 row pairs × 4,096 words of AND + popcount.
 * The loop is tiled (rows in blocks, words in chunks) so both rows of a pair stay in L1.
 *
 * @since 0.1.0
 */
import type { PackedCodes } from "./BitCodes.ts"

const rowBlock = 8
const wordChunk = 512

/**
 * G[i, j] = Σₙ X[i, n]·X[j, n] for every pair, symmetric, B×B row-major.
 *
 * @since 0.1.0
 */
export const gram = (
  codes: PackedCodes,
  out: Int32Array = new Int32Array(codes.batch * codes.batch)
): Int32Array => {
  const { batch: B, words: W, bits } = codes
  out.fill(0)
  for (let i0 = 0; i0 < B; i0 += rowBlock) {
    const i1 = Math.min(B, i0 + rowBlock)
    for (let j0 = i0; j0 < B; j0 += rowBlock) {
      const j1 = Math.min(B, j0 + rowBlock)
      for (let w0 = 0; w0 < W; w0 += wordChunk) {
        const w1 = Math.min(W, w0 + wordChunk)
        for (let i = i0; i < i1; i++) {
          const ai = i * W
          for (let j = Math.max(j0, i); j < j1; j++) {
            const aj = j * W
            // Byte-wise counts (each ≤ 8) are summed for up to 31 words before the horizontal add.
            let total = 0
            let w = w0
            while (w < w1) {
              const stop = Math.min(w1, w + 31)
              let acc = 0
              for (; w < stop; w++) {
                let x = bits[ai + w] & bits[aj + w]
                x = x - ((x >>> 1) & 0x55555555)
                x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
                acc = (acc + ((x + (x >>> 4)) & 0x0f0f0f0f)) | 0
              }
              total += (acc & 0xff) + ((acc >>> 8) & 0xff) + ((acc >>> 16) & 0xff) + (acc >>> 24)
            }
            out[i * B + j] += total
          }
        }
      }
    }
  }
  for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++) out[j * B + i] = out[i * B + j]
  return out
}

/**
 * Hamming distances from the Gram matrix: D[i, j] = c_i + c_j − 2·G[i, j].
 *
 * @since 0.1.0
 */
export const hammingFromGram = (codes: PackedCodes, g: Int32Array): Int32Array => {
  const B = codes.batch
  const d = new Int32Array(B * B)
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < B; j++) d[i * B + j] = codes.counts[i] + codes.counts[j] - 2 * g[i * B + j]
  }
  return d
}
