/**
 * What each search cost, and how much faster each kernel set searched than the SNASNet baseline.
 *
 * Only work paid for in the run counts as search time: a candidate reused from the store
 * (`cached: true`) is counted apart, so a warm store does not make a search look faster than it is.
 *
 * @since 0.1.0
 */
import type { ReportInput, SearchRun } from "./ReportInput.ts"

/**
 * The SNASNet search the paper's speed-ups are measured against: kernels {1,3} with 5000 candidates.
 *
 * @since 0.1.0
 */
export const snasnetBaseline = { kernels: [1, 3], budget: 5000 } as const

/**
 * Decides which runs are the baseline: the runs the input marks, or, when none is marked, the
 * SNASNet setting.
 *
 * @since 0.1.0
 */
export const baselineRule = (inputs: ReadonlyArray<ReportInput>): ((run: SearchRun) => boolean) => {
  const anyMarked = inputs.some((input) => input.searches.some((run) => run.baseline === true))
  return anyMarked
    ? (run) => run.baseline === true
    : (run) =>
        run.budget === snasnetBaseline.budget &&
        run.kernels.length === snasnetBaseline.kernels.length &&
        run.kernels.every((k, i) => k === snasnetBaseline.kernels[i])
}

/**
 * The cost of one search run.
 *
 * @since 0.1.0
 */
export interface RunCost {
  readonly pipeline: string
  readonly run: SearchRun
  readonly baseline: boolean
  /** Candidates evaluated in this run. */
  readonly paid: number
  /** Candidates reused from the store. */
  readonly cached: number
  /** Wall seconds of the candidates evaluated in this run. */
  readonly paidSeconds: number
}

/**
 * @since 0.1.0
 */
export const runCost = (pipeline: string, run: SearchRun, baseline: boolean): RunCost => {
  let paid = 0
  let cached = 0
  let paidSeconds = 0
  for (const candidate of run.candidates) {
    if (candidate.cached) {
      cached++
    } else {
      paid++
      paidSeconds += candidate.seconds
    }
  }
  return { pipeline, run, baseline, paid, cached, paidSeconds }
}

/**
 * The runs of one (pipeline, strategy, cell type, kernel set, budget) over their seeds.
 *
 * @since 0.1.0
 */
export interface CostGroup {
  readonly pipeline: string
  readonly strategy: string
  readonly cellType: SearchRun["cellType"]
  readonly kernels: ReadonlyArray<number>
  readonly budget: number
  readonly baseline: boolean
  readonly seeds: ReadonlyArray<number>
  readonly paid: number
  readonly cached: number
  /** Paid seconds per run: mean, min and max over the seeds. */
  readonly meanSeconds: number
  readonly minSeconds: number
  readonly maxSeconds: number
  /** Mean baseline seconds over this group's mean seconds; NaN without a baseline. */
  readonly speedup: number
}

/**
 * Every run's cost, the groups over seeds, and the baseline the speed-ups refer to.
 *
 * @since 0.1.0
 */
export interface SearchCost {
  readonly runs: ReadonlyArray<RunCost>
  readonly groups: ReadonlyArray<CostGroup>
  /** Mean paid seconds of a baseline run, undefined when the input has no baseline. */
  readonly baselineSeconds: number | undefined
}

/**
 * The key that groups runs over seeds.
 *
 * @since 0.1.0
 */
export const groupKey = (pipeline: string, run: SearchRun, baseline: boolean): string =>
  JSON.stringify([pipeline, run.strategy, run.cellType, run.kernels, run.budget, baseline])

/**
 * Costs of every search of the inputs. Groups keep the order in which they first appear, with the
 * baseline first.
 *
 * @since 0.1.0
 */
export const searchCost = (inputs: ReadonlyArray<ReportInput>): SearchCost => {
  const isBaseline = baselineRule(inputs)
  const runs = inputs.flatMap((input) =>
    input.searches.map((run) => runCost(input.name, run, isBaseline(run)))
  )
  const byKey = new Map<string, Array<RunCost>>()
  for (const cost of runs) {
    const key = groupKey(cost.pipeline, cost.run, cost.baseline)
    const members = byKey.get(key)
    if (members === undefined) byKey.set(key, [cost])
    else members.push(cost)
  }
  const baselineRuns = runs.filter((cost) => cost.baseline)
  const baselineSeconds =
    baselineRuns.length === 0
      ? undefined
      : baselineRuns.reduce((sum, cost) => sum + cost.paidSeconds, 0) / baselineRuns.length
  const groups = [...byKey.values()].map((members): CostGroup => {
    const first = members[0]
    const seconds = members.map((cost) => cost.paidSeconds)
    const meanSeconds = seconds.reduce((a, b) => a + b, 0) / seconds.length
    return {
      pipeline: first.pipeline,
      strategy: first.run.strategy,
      cellType: first.run.cellType,
      kernels: first.run.kernels,
      budget: first.run.budget,
      baseline: first.baseline,
      seeds: members.map((cost) => cost.run.seed).sort((a, b) => a - b),
      paid: members.reduce((sum, cost) => sum + cost.paid, 0),
      cached: members.reduce((sum, cost) => sum + cost.cached, 0),
      meanSeconds,
      minSeconds: Math.min(...seconds),
      maxSeconds: Math.max(...seconds),
      speedup: baselineSeconds === undefined || meanSeconds <= 0 ? Number.NaN : baselineSeconds / meanSeconds
    }
  })
  groups.sort((a, b) => Number(b.baseline) - Number(a.baseline))
  return { runs, groups, baselineSeconds }
}
