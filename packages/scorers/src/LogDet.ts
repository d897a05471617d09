/**
 * log|det A| of a dense square float64 matrix by LU factorisation with partial pivoting — the
 * algorithm of LAPACK's getrf, which `numpy.linalg.slogdet` calls in the official score.
 *
 * Hand-written because no maintained npm package offers a float64 LU that runs unchanged under
 * Node and Deno without native code, and the SAHD kernel is at most B×B = 256×256 (5.6 Mflop): a
 * plain triple loop takes milliseconds. The logarithm is ours too (`portableLog`, basic IEEE
 * arithmetic only): `Math.log` differs by one ulp between the V8 of Node 20 and Deno's for some
 * inputs, and a score must be the same double under both. A zero pivot means det A = 0 exactly (numpy: sign 0,
 * log|det| = −inf), which we report as −Infinity with the column where it happened — never NaN.
 *
 * @since 0.1.0
 */

/**
 * The outcome: log|det A|, the sign of det A, and when it is 0 (singular), why.
 *
 * @since 0.1.0
 */
export interface LogDet {
  readonly logAbsDet: number
  /** −1, 0 or 1 (the official score ignores it: K is symmetric but not always PSD). */
  readonly sign: number
  /** Set when the determinant is 0 or cannot be computed. */
  readonly singular?: string
}

/**
 * log|det A| of the n×n row-major matrix `a` (not modified).
 *
 * @since 0.1.0
 */
export const logAbsDet = (a: Float64Array, n: number): LogDet => {
  if (a.length !== n * n)
    throw new RangeError(`logAbsDet: ${a.length} entries do not make a ${n}×${n} matrix`)
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      return {
        logAbsDet: Number.NEGATIVE_INFINITY,
        sign: 0,
        singular: `entry (${Math.floor(i / n)}, ${i % n}) is ${a[i]}, not finite`
      }
    }
  }
  const lu = Float64Array.from(a)
  let logAbs = 0
  let sign = 1
  for (let k = 0; k < n; k++) {
    // Partial pivoting: the largest |entry| of column k at or below the diagonal.
    let p = k
    let max = Math.abs(lu[k * n + k])
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k])
      if (v > max) {
        max = v
        p = i
      }
    }
    if (max === 0) {
      return {
        logAbsDet: Number.NEGATIVE_INFINITY,
        sign: 0,
        singular: `zero pivot in column ${k} of ${n}: the matrix is singular`
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j]
        lu[k * n + j] = lu[p * n + j]
        lu[p * n + j] = t
      }
      sign = -sign
    }
    const pivot = lu[k * n + k]
    if (pivot < 0) sign = -sign
    logAbs += portableLog(Math.abs(pivot))
    for (let i = k + 1; i < n; i++) {
      const f = lu[i * n + k] / pivot
      if (f === 0) continue
      const ri = i * n
      const rk = k * n
      for (let j = k + 1; j < n; j++) lu[ri + j] -= f * lu[rk + j]
    }
  }
  return { logAbsDet: logAbs, sign }
}

const LN2_HI = 0.6931471803691238 // ln 2, upper bits (fdlibm's split: e·LN2_HI is exact)
const LN2_LO = 1.9082149292705877e-10
const SQRT2 = Math.SQRT2
const TWO_54 = 18014398509481984

/**
 * The natural logarithm of a positive finite double with +, −, ×, ÷ only, so every IEEE-754
 * platform gives the same bits (within ~2 ulp of the true value): x = m·2^e with m in [1/√2, √2),
 * log m = 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + …), s = (m − 1)/(m + 1), |s| ≤ 0.172.
 *
 * @since 0.1.0
 */
export const portableLog = (x: number): number => {
  if (!(x > 0)) return x === 0 ? Number.NEGATIVE_INFINITY : Number.NaN
  if (x === Number.POSITIVE_INFINITY) return x
  const view = new DataView(new ArrayBuffer(8))
  let e = 0
  let value = x
  if (value < 2.2250738585072014e-308) {
    value *= TWO_54 // subnormal: scale into the normal range first (exact)
    e = -54
  }
  view.setFloat64(0, value)
  const hi = view.getUint32(0)
  e += ((hi >>> 20) & 0x7ff) - 1023
  view.setUint32(0, (hi & 0x000fffff) | 0x3ff00000) // m in [1, 2), exact
  let m = view.getFloat64(0)
  if (m > SQRT2) {
    m /= 2
    e += 1
  }
  const s = (m - 1) / (m + 1)
  const z = s * s
  // Horner over 1/(2k+1), k = 0..12: the last term is below 1e-19 of the first.
  let series = 1 / 25
  for (let k = 11; k >= 0; k--) series = 1 / (2 * k + 1) + z * series
  const logM = 2 * s * series
  return e * LN2_HI + (logM + e * LN2_LO)
}
