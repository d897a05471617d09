/**
 * Best score so far, against candidates evaluated and against seconds paid, per strategy with a band
 * over seeds: how fast each strategy finds good candidates.
 *
 * Each run's curve is a step function (the running maximum of its scores in proposal order), so the
 * curves are kept only at the points where some seed's best changes, and plotted as steps. The
 * median and band of running maxima over a fixed set of seeds never fall: a series is non-decreasing
 * by construction (a seed that stops early holds its final best; none drops out).
 *
 * @since 0.1.0
 */
import { Numbers } from "@spikernel/core"
import type { ReportInput, SearchRun } from "./ReportInput.ts"
import { baselineRule, groupKey } from "./SearchCost.ts"

/**
 * The band drawn around the median: min–max over seeds, or the interquartile range.
 *
 * @since 0.1.0
 */
export type Band = "min-max" | "quartiles"

/**
 * One point of a series: the median over the seeds that have reached `x`, and the band.
 *
 * @since 0.1.0
 */
export interface CurvePoint {
  readonly x: number
  readonly median: number
  readonly lo: number
  readonly hi: number
  /** How many seeds the point summarises. */
  readonly seeds: number
}

/**
 * One strategy on one kernel set of one pipeline, over its seeds.
 *
 * @since 0.1.0
 */
export interface BestSoFarSeries {
  readonly pipeline: string
  readonly strategy: string
  readonly cellType: SearchRun["cellType"]
  readonly kernels: ReadonlyArray<number>
  readonly budget: number
  readonly baseline: boolean
  readonly seeds: ReadonlyArray<number>
  readonly band: Band
  readonly byCandidates: ReadonlyArray<CurvePoint>
  readonly bySeconds: ReadonlyArray<CurvePoint>
  /** The best score each seed ended with, summarised like the points. */
  readonly final: CurvePoint
}

const scorerId = (scorer: string): string => {
  const at = scorer.indexOf("@")
  return at < 0 ? scorer : scorer.slice(0, at)
}

/**
 * The score of a candidate under the run's scorer; NaN when the record lacks it. A run may name its
 * scorer with its version (`sahd@1`, as the pipeline records it) where the scores carry the bare id.
 *
 * @since 0.1.0
 */
export const candidateScore = (run: SearchRun, candidate: SearchRun["candidates"][number]): number =>
  (
    candidate.scores.find((score) => score.scorer === run.scorer) ??
    candidate.scores.find((score) => scorerId(score.scorer) === scorerId(run.scorer))
  )?.value ?? Number.NaN

/**
 * One run's running maximum in proposal order, with the paid seconds elapsed after each candidate.
 *
 * @since 0.1.0
 */
export interface RunCurve {
  readonly best: ReadonlyArray<number>
  readonly elapsed: ReadonlyArray<number>
}

/**
 * @since 0.1.0
 */
export const runCurve = (run: SearchRun): RunCurve => {
  const ordered = [...run.candidates].sort((a, b) => a.index - b.index)
  const best: Array<number> = []
  const elapsed: Array<number> = []
  let top = Number.NEGATIVE_INFINITY
  let seconds = 0
  for (const candidate of ordered) {
    const score = candidateScore(run, candidate)
    if (score > top) top = score
    if (!candidate.cached) seconds += candidate.seconds
    best.push(top)
    elapsed.push(seconds)
  }
  return { best, elapsed }
}

/**
 * The median and band of some seeds' values; undefined when none of them is finite yet (a seed whose
 * best is still −∞ has found no usable score, and has no place on a plot).
 *
 * @since 0.1.0
 */
export const summarize = (x: number, values: ReadonlyArray<number>, band: Band): CurvePoint | undefined => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (finite.length === 0) return undefined
  return {
    x,
    median: Numbers.quantile(finite, 0.5),
    lo: band === "min-max" ? finite[0] : Numbers.quantile(finite, 0.25),
    hi: band === "min-max" ? finite[finite.length - 1] : Numbers.quantile(finite, 0.75),
    seeds: finite.length
  }
}

// A seed's best after `i + 1` candidates: its running maximum, held at its final value once the
// seed has no more candidates (a search that stopped early keeps what it found).
const bestAfter = (curve: RunCurve, i: number): number =>
  curve.best.length === 0 ? Number.NaN : curve.best[Math.min(i, curve.best.length - 1)]

/*
 * Monotone by construction: every seed is in every point, and each seed's value is its running
 * maximum (held once it stops), so each order statistic, and the type-7 interpolation between two
 * of them, can only rise. A point is drawn from the first x at which every seed has a finite best.
 */
const byCandidates = (curves: ReadonlyArray<RunCurve>, band: Band): Array<CurvePoint> => {
  const length = Math.max(...curves.map((curve) => curve.best.length))
  const points: Array<CurvePoint> = []
  for (let i = 0; i < length; i++) {
    const values = curves.map((curve) => bestAfter(curve, i))
    const changed =
      points.length === 0 ||
      i === length - 1 ||
      curves.some((curve) => i < curve.best.length && curve.best[i] !== curve.best[i - 1])
    if (!changed || !values.every(Number.isFinite)) continue
    const point = summarize(i + 1, values, band)
    if (point !== undefined) points.push(point)
  }
  return points
}

// The best of a run at time t: the running maximum of the last candidate finished by t.
const bestAt = (curve: RunCurve, t: number): number => {
  let lo = 0
  let hi = curve.elapsed.length - 1
  if (hi < 0 || curve.elapsed[0] > t) return Number.NaN
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (curve.elapsed[mid] <= t) lo = mid
    else hi = mid - 1
  }
  return curve.best[lo]
}

// Monotone like `byCandidates`: a seed that has finished by t keeps its final best (what it found
// within t seconds), and points start once every seed has finished its first candidate.
const bySeconds = (curves: ReadonlyArray<RunCurve>, band: Band): Array<CurvePoint> => {
  const times = new Set<number>()
  for (const curve of curves) {
    const n = curve.best.length
    for (let i = 0; i < n; i++) {
      if (i === 0 || i === n - 1 || curve.best[i] !== curve.best[i - 1]) times.add(curve.elapsed[i])
    }
  }
  const points: Array<CurvePoint> = []
  for (const t of [...times].sort((a, b) => a - b)) {
    const values = curves.map((curve) => bestAt(curve, t))
    if (!values.every(Number.isFinite)) continue
    const point = summarize(t, values, band)
    if (point !== undefined) points.push(point)
  }
  return points
}

/**
 * The best-so-far series of every (pipeline, strategy, cell type, kernel set, budget) group.
 * `band` defaults to min–max for up to four seeds and to quartiles above that.
 *
 * @since 0.1.0
 */
export const bestSoFar = (
  inputs: ReadonlyArray<ReportInput>,
  band?: Band
): ReadonlyArray<BestSoFarSeries> => {
  const isBaseline = baselineRule(inputs)
  const groups = new Map<string, { pipeline: string; baseline: boolean; runs: Array<SearchRun> }>()
  for (const input of inputs) {
    for (const run of input.searches) {
      const baseline = isBaseline(run)
      const key = groupKey(input.name, run, baseline)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, { pipeline: input.name, baseline, runs: [run] })
      else group.runs.push(run)
    }
  }
  return [...groups.values()].map(({ pipeline, baseline, runs }) =>
    searchSeries(pipeline, runs, baseline, band)
  )
}

/**
 * The best-so-far series of one group of searches (one strategy, kernel set and budget over seeds),
 * e.g. a single search still running, as the live dashboard draws it. `band` defaults to min–max for
 * up to four seeds and to quartiles above that.
 *
 * @since 0.1.0
 */
export const searchSeries = (
  pipeline: string,
  runs: ReadonlyArray<SearchRun>,
  baseline: boolean,
  band?: Band
): BestSoFarSeries => {
  const chosen: Band = band ?? (runs.length <= 4 ? "min-max" : "quartiles")
  // A seed that never found a finite score has no place on the plot (its final still counts below).
  const all = runs.map(runCurve)
  const reached = all.filter((curve) => curve.best.some(Number.isFinite))
  const curves = reached.length > 0 ? reached : all
  const finals = all.map((curve) =>
    curve.best.length === 0 ? Number.NaN : curve.best[curve.best.length - 1]
  )
  const final = summarize(Number.NaN, finals, chosen) ?? {
    x: Number.NaN,
    median: Number.NaN,
    lo: Number.NaN,
    hi: Number.NaN,
    seeds: 0
  }
  const first = runs[0]
  return {
    pipeline,
    strategy: first.strategy,
    cellType: first.cellType,
    kernels: first.kernels,
    budget: first.budget,
    baseline,
    seeds: runs.map((run) => run.seed).sort((a, b) => a - b),
    band: chosen,
    byCandidates: curves.some((curve) => curve.best.length > 0) ? byCandidates(curves, chosen) : [],
    bySeconds: bySeconds(curves, chosen),
    final
  }
}
