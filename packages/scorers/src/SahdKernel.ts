/**
 * The SAHD kernel (METHOD.md §3), exactly as the official `find_best_neuroncell` computes it:
 *
 *   per LIF call:  r_b = Σₙ X[b,n] / N
 *                  D   = X(1−X)ᵀ + (1−X)Xᵀ                      (integer Hamming counts)
 *                  E   = N·(r_i(1−r_j) + (1−r_i)r_j)           ('official'; 'no-N' drops the ×N)
 *                  K_call = N·𝟙𝟙ᵀ − 0.5·D ⊘ (E + 1e−3)
 *   K = Σ_calls float64(K_call)   (in call order);   score = log|det(K / n)|, n = number of calls
 *
 * Every step of one call is rounded to float32 as the GPU computes it — `r = f32(count/N)`,
 * `E = f32(f32(f32(r_i·f32(1−r_j)) + f32(f32(1−r_i)·r_j))·N)`, `resc = f32(0.5/f32(E + f32(1e−3)))`,
 * `K_call = f32(N − f32(resc·D))` — with `Math.fround`. Each f32(a ∘ b) of two float32 values
 * computed in float64 and rounded once is the correctly rounded float32 result (53 ≥ 2·24 + 2), so
 * this matches float32 hardware bit for bit. Computing a call in float64 instead moves the score by
 * up to ~0.04 at CIFAR100 widths, the size of seed noise.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type { PackedCodes } from "./BitCodes.ts"
import { gram } from "./HammingGram.ts"
import { type LogDet, logAbsDet } from "./LogDet.ts"
import type { GramFunction } from "./WasmGram.ts"

/**
 * `official`: HEAD's E with the ×N factor (entries ≈ N − 0.5·D/E). `no-N`: the January-2022 form
 * without it (entries ≈ N·(1 − 0.5·D/E), which favours wide networks). METHOD.md §3(b).
 *
 * @since 0.1.0
 */
export const Normaliser = Schema.Literals(["official", "no-N"])

/**
 * @since 0.1.0
 */
export type Normaliser = typeof Normaliser.Type

const f32 = Math.fround
const epsilon = f32(1e-3)

/**
 * Adds one call's K_call to the float64 accumulator `k` (B×B row-major), using `g` as scratch for
 * the Gram matrix computed by `gramOf` (the JS reference by default; `makeWasmGram()` is faster).
 *
 * @since 0.1.0
 */
export const accumulateCall = (
  k: Float64Array,
  codes: PackedCodes,
  normaliser: Normaliser,
  g: Int32Array = new Int32Array(codes.batch * codes.batch),
  gramOf: GramFunction = gram
): void => {
  const B = codes.batch
  const N = codes.neurons
  const nf = f32(N)
  gramOf(codes, g)
  const r = new Float64Array(B)
  const q = new Float64Array(B)
  for (let b = 0; b < B; b++) {
    r[b] = f32(codes.counts[b] / N)
    q[b] = f32(1 - r[b])
  }
  for (let i = 0; i < B; i++) {
    const ci = codes.counts[i]
    // D_ii = 0, so K_call[i, i] = N exactly.
    k[i * B + i] += nf
    for (let j = i + 1; j < B; j++) {
      const d = ci + codes.counts[j] - 2 * g[i * B + j]
      const mixed = f32(f32(r[i] * q[j]) + f32(q[i] * r[j]))
      const e = normaliser === "official" ? f32(mixed * nf) : mixed
      const resc = f32(0.5 / f32(e + epsilon))
      const kc = f32(nf - f32(resc * d))
      k[i * B + j] += kc
      k[j * B + i] += kc
    }
  }
}

/**
 * The accumulated kernel of one repeat: K (float64) and the number of calls n.
 *
 * @since 0.1.0
 */
export interface SahdKernel {
  readonly batch: number
  readonly normaliser: Normaliser
  /** Adds a call; every call of a repeat must have the same batch. */
  readonly add: (codes: PackedCodes) => void
  readonly calls: () => number
  /** K itself (not divided by n), B×B row-major. */
  readonly kernel: () => Float64Array
  /** log|det(K/n)|, −Infinity with a reason when K is singular or no call was added. */
  readonly logDet: () => LogDet
}

/**
 * A fresh accumulator for one repeat.
 *
 * @since 0.1.0
 */
export const makeSahdKernel = (
  batch: number,
  normaliser: Normaliser,
  gramOf: GramFunction = gram
): SahdKernel => {
  const k = new Float64Array(batch * batch)
  const g = new Int32Array(batch * batch)
  let n = 0
  return {
    batch,
    normaliser,
    add: (codes) => {
      if (codes.batch !== batch) {
        throw new RangeError(`SAHD kernel: a call has batch ${codes.batch}, the kernel ${batch}`)
      }
      accumulateCall(k, codes, normaliser, g, gramOf)
      n++
    },
    calls: () => n,
    kernel: () => k,
    logDet: () => {
      if (n === 0) {
        return { logAbsDet: Number.NEGATIVE_INFINITY, sign: 0, singular: "no LIF call was recorded" }
      }
      const scaled = new Float64Array(k.length)
      for (let i = 0; i < k.length; i++) scaled[i] = k[i] / n
      return logAbsDet(scaled, batch)
    }
  }
}
