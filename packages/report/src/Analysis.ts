/**
 * Everything a report shows, computed once from its inputs: the numbers of `results.json` and the
 * curves the plots draw.
 *
 * @since 0.1.0
 */
import { Pareto } from "@spikernel/core"
import { type BestSoFarSeries, bestSoFar } from "./BestSoFar.ts"
import { fairness } from "./Fairness.ts"
import { architectureLabel, kernelsLabel } from "./Format.ts"
import { kendallTauB } from "./KendallTau.ts"
import type { ReportInput } from "./ReportInput.ts"
import type { ModelRow, PipelineSummary, ReportResults } from "./ReportResults.ts"
import { type SearchCost, searchCost } from "./SearchCost.ts"

/**
 * The results and the plot data behind them.
 *
 * @since 0.1.0
 */
export interface Analysis {
  readonly inputs: ReadonlyArray<ReportInput>
  readonly results: ReportResults
  readonly series: ReadonlyArray<BestSoFarSeries>
  readonly cost: SearchCost
}

const distinct = <A>(values: ReadonlyArray<A>, key: (value: A) => string = String): Array<A> => {
  const seen = new Map<string, A>()
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value)
  return [...seen.values()]
}

const modelRows = (input: ReportInput): Array<ModelRow> =>
  input.trained.map((model) => ({
    pipeline: input.name,
    label: architectureLabel(model.architecture),
    architecture: model.architecture,
    accuracy: model.accuracy,
    score: model.score,
    params: model.params,
    bytes: model.bytes,
    selected: model.selected
  }))

/**
 * Analyses one pipeline run (`report`) or several (`comparison`).
 *
 * @since 0.1.0
 */
export const analyze = (inputs: ReadonlyArray<ReportInput>): Analysis => {
  const cost = searchCost(inputs)
  const series = bestSoFar(inputs)
  const trained = inputs.flatMap(modelRows)

  const pipelines = inputs.map((input): PipelineSummary => {
    const runs = cost.runs.filter((run) => run.pipeline === input.name)
    return {
      name: input.name,
      dataset: input.dataset,
      ...(input.datasetFingerprint === undefined ? {} : { datasetFingerprint: input.datasetFingerprint }),
      ...(input.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: input.memoryBudgetBytes }),
      ...(input.failures === undefined || input.failures.length === 0 ? {} : { failures: input.failures }),
      strategies: distinct(input.searches.map((run) => run.strategy)),
      kernelSets: distinct(
        input.searches.map((run) => run.kernels),
        (kernels) => kernels.join(",")
      ),
      seeds: distinct(input.searches.map((run) => run.seed)).sort((a, b) => a - b),
      searches: input.searches.length,
      paid: runs.reduce((sum, run) => sum + run.paid, 0),
      cached: runs.reduce((sum, run) => sum + run.cached, 0),
      searchSeconds: runs.reduce((sum, run) => sum + run.paidSeconds, 0),
      selected: trained.filter((model) => model.pipeline === input.name && model.selected)
    }
  })

  const tauOf = (group: string, models: ReadonlyArray<ModelRow>) => ({
    group,
    ...kendallTauB(
      models.map((model) => model.score),
      models.map((model) => model.accuracy)
    )
  })
  const kernelGroups = distinct(trained.map((model) => kernelsLabel(model.architecture.kernels)))
  const kendall = [
    tauOf("all", trained),
    ...(kernelGroups.length > 1
      ? kernelGroups.map((group) =>
          tauOf(
            group,
            trained.filter((model) => kernelsLabel(model.architecture.kernels) === group)
          )
        )
      : [])
  ]

  const results: ReportResults = {
    kind: inputs.length > 1 ? "comparison" : "report",
    pipelines,
    fairness: fairness(inputs),
    ...(cost.baselineSeconds === undefined ? {} : { baselineSeconds: cost.baselineSeconds }),
    searchCost: cost.groups.map((group) => ({
      pipeline: group.pipeline,
      strategy: group.strategy,
      cellType: group.cellType,
      kernels: group.kernels,
      budget: group.budget,
      baseline: group.baseline,
      seeds: group.seeds,
      paid: group.paid,
      cached: group.cached,
      meanSeconds: group.meanSeconds,
      minSeconds: group.minSeconds,
      maxSeconds: group.maxSeconds,
      speedup: group.speedup
    })),
    bestSoFar: series.map((s) => ({
      pipeline: s.pipeline,
      strategy: s.strategy,
      cellType: s.cellType,
      kernels: s.kernels,
      budget: s.budget,
      baseline: s.baseline,
      seeds: s.seeds,
      band: s.band,
      median: s.final.median,
      lo: s.final.lo,
      hi: s.final.hi
    })),
    kendall,
    pareto: Pareto.paretoFront(
      trained,
      (model) => model.bytes,
      (model) => model.accuracy
    ),
    trained
  }
  return { inputs, results, series, cost }
}
