/**
 * Kendall's rank correlation τ-b, with ties: how well the training-free score orders architectures
 * the way training does.
 *
 * τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)), where n₀ = n(n−1)/2 pairs, n_c / n_d the concordant and
 * discordant pairs (tied in neither variable), n₁ the pairs tied in x and n₂ the pairs tied in y (a
 * pair tied in both counts in n₁ and n₂). It equals τ-a without ties, and is undefined (NaN) when
 * either variable is constant or there are fewer than two pairs. Quadratic in n: meant for the tens to
 * hundreds of trained models a report holds.
 *
 * @since 0.1.0
 */

/**
 * τ-b and the counts behind it.
 *
 * @since 0.1.0
 */
export interface KendallTau {
  readonly tau: number
  /** Pairs of values used (pairs with a NaN are dropped first). */
  readonly n: number
  readonly concordant: number
  readonly discordant: number
  /** Pairs tied in x only, in y only, and in both. */
  readonly tiedX: number
  readonly tiedY: number
  readonly tiedBoth: number
}

/**
 * The pairs where neither value is NaN (±Infinity stays: it ranks below or above every finite value).
 *
 * @since 0.1.0
 */
export const finitePairs = (
  xs: ReadonlyArray<number>,
  ys: ReadonlyArray<number>
): { readonly x: Array<number>; readonly y: Array<number> } => {
  const x: Array<number> = []
  const y: Array<number> = []
  const length = Math.min(xs.length, ys.length)
  for (let i = 0; i < length; i++) {
    if (Number.isNaN(xs[i]) || Number.isNaN(ys[i])) continue
    x.push(xs[i])
    y.push(ys[i])
  }
  return { x, y }
}

// Infinities compare as numbers but −∞ − −∞ is NaN, so signs come from comparisons, not differences.
const sign = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Kendall's τ-b of paired samples. Pairs where either value is NaN are left out; ±Infinity ranks
 * below or above every finite value (a singular SAHD kernel is the worst score, not a missing one).
 *
 * @since 0.1.0
 */
export const kendallTauB = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): KendallTau => {
  const { x, y } = finitePairs(xs, ys)
  let concordant = 0
  let discordant = 0
  let tiedX = 0
  let tiedY = 0
  let tiedBoth = 0
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const sx = sign(x[i], x[j])
      const sy = sign(y[i], y[j])
      if (sx === 0 && sy === 0) tiedBoth++
      else if (sx === 0) tiedX++
      else if (sy === 0) tiedY++
      else if (sx === sy) concordant++
      else discordant++
    }
  }
  const n = x.length
  const n0 = (n * (n - 1)) / 2
  const n1 = tiedX + tiedBoth
  const n2 = tiedY + tiedBoth
  const denominator = Math.sqrt((n0 - n1) * (n0 - n2))
  const tau = denominator > 0 ? (concordant - discordant) / denominator : Number.NaN
  return { tau, n, concordant, discordant, tiedX, tiedY, tiedBoth }
}
