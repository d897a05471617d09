/**
 * How well a training-free proxy orders architectures the way training does: Spearman's ρ with
 * ties, percentile-bootstrap confidence intervals of τ-b and ρ, top-k overlap, and how close the
 * proxy's pick comes to the best trained model (issue 18's proxy-quality study).
 *
 * Written here rather than taken from a statistics library: τ-b (`KendallTau.ts`) and ρ must treat
 * ties, NaN and ±Infinity the way the reports do (a singular SAHD kernel is the worst score, not a
 * missing one), and the bootstrap must draw from the project's counter-based generator so that the
 * same study gives the same interval, byte for byte.
 *
 * @since 0.1.0
 */
import { Rng } from "@spikernel/core"
import { finitePairs, kendallTauB } from "./KendallTau.ts"

/**
 * Ranks 1…n, ties given the mean of the ranks they span (the "fractional" ranking ρ needs).
 * ±Infinity ranks below or above every finite value.
 *
 * @since 0.1.0
 */
export const averageRanks = (values: ReadonlyArray<number>): Array<number> => {
  const order = values
    .map((_, i) => i)
    .sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0))
  const ranks = new Array<number>(values.length)
  let start = 0
  while (start < order.length) {
    let end = start + 1
    while (end < order.length && values[order[end]] === values[order[start]]) end++
    const rank = (start + 1 + end) / 2
    for (let k = start; k < end; k++) ranks[order[k]] = rank
    start = end
  }
  return ranks
}

const pearson = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): number => {
  const n = x.length
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += x[i]
    my += y[i]
  }
  mx /= n
  my /= n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my)
    sxx += (x[i] - mx) ** 2
    syy += (y[i] - my) ** 2
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN
}

/**
 * Spearman's ρ: Pearson's correlation of the average ranks, so ties are handled exactly (the
 * 1 − 6Σd²/(n(n²−1)) shortcut is wrong with ties). Pairs with a NaN are left out; NaN when either
 * variable is constant or fewer than two pairs remain.
 *
 * @since 0.1.0
 */
export const spearmanRho = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): number => {
  const { x, y } = finitePairs(xs, ys)
  if (x.length < 2) return Number.NaN
  return pearson(averageRanks(x), averageRanks(y))
}

/**
 * A statistic with its percentile-bootstrap confidence interval.
 *
 * @since 0.1.0
 */
export interface Interval {
  readonly value: number
  readonly low: number
  readonly high: number
  /** The confidence level, e.g. 0.95. */
  readonly level: number
  /** Resamples drawn, and those where the statistic was defined (a resample of tied values is not). */
  readonly resamples: number
  readonly defined: number
}

/** The q-quantile of sorted values, linearly interpolated (NumPy's default). */
const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const at = q * (sorted.length - 1)
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo)
}

/**
 * The statistic of paired samples with a percentile-bootstrap interval: `resamples` resamples of the
 * pairs with replacement, drawn from (seed, "stats/bootstrap", resample), so the interval is a pure
 * function of the data and the seed.
 *
 * @since 0.1.0
 */
export const bootstrap = (
  statistic: (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>) => number,
  xs: ReadonlyArray<number>,
  ys: ReadonlyArray<number>,
  options: { readonly seed: number; readonly resamples?: number; readonly level?: number }
): Interval => {
  const { x, y } = finitePairs(xs, ys)
  const resamples = options.resamples ?? 2000
  const level = options.level ?? 0.95
  const value = statistic(x, y)
  const values: Array<number> = []
  const rx = new Array<number>(x.length)
  const ry = new Array<number>(x.length)
  for (let b = 0; b < resamples && x.length > 0; b++) {
    const source = Rng.draws({ seed: options.seed, stream: "stats/bootstrap", index: b })
    for (let i = 0; i < x.length; i++) {
      const j = source.int(x.length)
      rx[i] = x[j]
      ry[i] = y[j]
    }
    const v = statistic(rx, ry)
    if (!Number.isNaN(v)) values.push(v)
  }
  values.sort((a, b) => a - b)
  const tail = (1 - level) / 2
  return {
    value,
    low: quantile(values, tail),
    high: quantile(values, 1 - tail),
    level,
    resamples,
    defined: values.length
  }
}

/**
 * Kendall's τ-b with its bootstrap interval.
 *
 * @since 0.1.0
 */
export const kendallInterval = (
  xs: ReadonlyArray<number>,
  ys: ReadonlyArray<number>,
  options: { readonly seed: number; readonly resamples?: number; readonly level?: number }
): Interval => bootstrap((x, y) => kendallTauB(x, y).tau, xs, ys, options)

/**
 * Spearman's ρ with its bootstrap interval.
 *
 * @since 0.1.0
 */
export const spearmanInterval = (
  xs: ReadonlyArray<number>,
  ys: ReadonlyArray<number>,
  options: { readonly seed: number; readonly resamples?: number; readonly level?: number }
): Interval => bootstrap(spearmanRho, xs, ys, options)

/** Indices of the k largest values (ties broken by index, so the result is deterministic). */
const topIndices = (values: ReadonlyArray<number>, k: number): Array<number> =>
  values
    .map((value, i) => ({ value, i }))
    .filter(({ value }) => !Number.isNaN(value))
    .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : a.i - b.i))
    .slice(0, k)
    .map(({ i }) => i)

/**
 * The share of the k architectures the proxy ranks highest that are among the k most accurate
 * (1: the same set; k/n: what a random proxy gets on average).
 *
 * @since 0.1.0
 */
export const topKOverlap = (
  proxy: ReadonlyArray<number>,
  accuracy: ReadonlyArray<number>,
  k: number
): number => {
  const { x, y } = finitePairs(proxy, accuracy)
  const size = Math.min(k, x.length)
  if (size <= 0) return Number.NaN
  const best = new Set(topIndices(y, size))
  return topIndices(x, size).filter((i) => best.has(i)).length / size
}

/**
 * How far (in accuracy) the proxy's best architecture is from the best trained one: 0 when the
 * proxy picks the best model. Ties in the proxy's best go to the first.
 *
 * @since 0.1.0
 */
export const regretOfPick = (proxy: ReadonlyArray<number>, accuracy: ReadonlyArray<number>): number => {
  const { x, y } = finitePairs(proxy, accuracy)
  const [pick] = topIndices(x, 1)
  if (pick === undefined) return Number.NaN
  return Math.max(...y) - y[pick]
}

/**
 * How often a search that scores `subset` random architectures of these and keeps the proxy's best
 * lands within `points` (accuracy, e.g. 0.01 for one point) of the best trained model among those
 * same `subset`: `trials` subsets drawn without replacement from (seed, "stats/pick-within", trial).
 *
 * @since 0.1.0
 */
export const pickWithinRate = (
  proxy: ReadonlyArray<number>,
  accuracy: ReadonlyArray<number>,
  options: {
    readonly subset: number
    readonly points: number
    readonly seed: number
    readonly trials?: number
  }
): number => {
  const { x, y } = finitePairs(proxy, accuracy)
  const size = Math.min(options.subset, x.length)
  const trials = options.trials ?? 1000
  if (size <= 0) return Number.NaN
  let hits = 0
  for (let t = 0; t < trials; t++) {
    const order = Rng.permutation(
      x.length,
      Rng.draws({ seed: options.seed, stream: "stats/pick-within", index: t })
    )
    const chosen = Array.from(order.subarray(0, size))
    const regret = regretOfPick(
      chosen.map((i) => x[i]),
      chosen.map((i) => y[i])
    )
    // A hair of tolerance: accuracies are k/n fractions, and 0.01 − (0.72 − 0.71) is not 0 in floats.
    if (regret <= options.points + 1e-12) hits++
  }
  return hits / trials
}
