/**
 * Everything a report shows, computed once from its inputs: the numbers of `results.json` and the
 * curves the plots draw.
 *
 * @since 0.1.0
 */
import { Architecture, Pareto } from "@spikernel/core"
import { type BestSoFarSeries, bestSoFar } from "./BestSoFar.ts"
import { fairness } from "./Fairness.ts"
import { architectureLabel, kernelsLabel } from "./Format.ts"
import { kendallTauB } from "./KendallTau.ts"
import type { ReportInput } from "./ReportInput.ts"
import {
  type ModelRow,
  memoryOf,
  onDevice,
  type PipelineSummary,
  type ReportResults
} from "./ReportResults.ts"
import { type SearchCost, searchCost } from "./SearchCost.ts"

/**
 * The results and the plot data behind them.
 *
 * @since 0.1.0
 */
export interface Analysis {
  readonly inputs: ReadonlyArray<ReportInput>
  /** Every kernel set of the report (`{1,3}`), in the one order all tables and plots use. */
  readonly kernelOrder: ReadonlyArray<string>
  readonly results: ReportResults
  readonly series: ReadonlyArray<BestSoFarSeries>
  readonly cost: SearchCost
}

const distinct = <A>(values: ReadonlyArray<A>, key: (value: A) => string = String): Array<A> => {
  const seen = new Map<string, A>()
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value)
  return [...seen.values()]
}

/**
 * The order every table and plot lists things in: pipeline as given, then kernel set (the paper's
 * order), cell type and strategy by name, the baseline before the rest of its set.
 *
 * @since 0.1.0
 */
export interface Ordering {
  readonly kernelOrder: ReadonlyArray<string>
  readonly compare: (a: OrderKey, b: OrderKey) => number
}

/**
 * @since 0.1.0
 */
export interface OrderKey {
  readonly pipeline: string
  readonly kernels: ReadonlyArray<number>
  readonly cellType: string
  readonly strategy?: string
  readonly baseline?: boolean
}

/**
 * @since 0.1.0
 */
export const ordering = (inputs: ReadonlyArray<ReportInput>): Ordering => {
  const pipelines = inputs.map((input) => input.name)
  // Kernel sets in the paper's order: {1,3} {1,5} {1,7} {3,5} {3,7} {5,7} (by size, then lexically).
  const kernelOrder = distinct(
    [
      ...inputs.flatMap((input) => input.searches.map((run) => run.kernels)),
      ...inputs.flatMap((input) => input.trained.map((model) => model.architecture.kernels))
    ].map((kernels) => [...kernels])
  )
    .sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
      return a.length - b.length
    })
    .map(kernelsLabel)
    .filter((label, i, all) => all.indexOf(label) === i)
  // Cell types and strategies by name: the order a report's input lists them in is the order of its
  // steps' names, which says nothing.
  const cells = distinct([
    ...inputs.flatMap((input) => input.searches.map((run) => run.cellType as string)),
    ...inputs.flatMap((input) => input.trained.map((model) => model.architecture.cellType as string))
  ]).sort()
  const strategies = distinct(inputs.flatMap((input) => input.searches.map((run) => run.strategy))).sort()
  const rank = (list: ReadonlyArray<string>, value: string | undefined): number =>
    value === undefined ? -1 : list.indexOf(value)
  return {
    kernelOrder,
    compare: (a, b) =>
      rank(pipelines, a.pipeline) - rank(pipelines, b.pipeline) ||
      rank(kernelOrder, kernelsLabel(a.kernels)) - rank(kernelOrder, kernelsLabel(b.kernels)) ||
      rank(cells, a.cellType) - rank(cells, b.cellType) ||
      Number(b.baseline ?? false) - Number(a.baseline ?? false) ||
      rank(strategies, a.strategy) - rank(strategies, b.strategy)
  }
}

const mean = (values: ReadonlyArray<number>): number | undefined =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length

const modelRows = (input: ReportInput, cost: SearchCost): Array<Omit<ModelRow, "pareto">> =>
  input.trained.map((model) => {
    const label = Architecture.architectureLabel(model.architecture)
    // The search that found it: the first of the pipeline's searches that evaluated this cell.
    const found = cost.runs.find(
      (run) =>
        run.pipeline === input.name &&
        run.run.candidates.some(
          (candidate) => Architecture.architectureLabel(candidate.architecture) === label
        )
    )
    const firingRate = mean(model.firingRates.map((rate) => rate.rate))
    return {
      pipeline: input.name,
      label: architectureLabel(model.architecture),
      architecture: model.architecture,
      accuracy: model.accuracy,
      score: model.score,
      params: model.params,
      bytes: model.bytes,
      ...(model.memory === undefined ? {} : { memory: model.memory }),
      ...(input.weightBits === undefined ? {} : { weightBits: input.weightBits }),
      selected: model.selected,
      ...(firingRate === undefined ? {} : { firingRate }),
      ...(model.quantized === undefined ? {} : { quantized: model.quantized }),
      ...(model.operations === undefined
        ? {}
        : { synOps: model.operations.synOps, energyMicrojoules: model.operations.energyMicrojoules.fp32 }),
      ...(found === undefined ? {} : { searchSeconds: found.paidSeconds })
    }
  })

/**
 * Analyses one pipeline run (`report`) or several (`comparison`).
 *
 * @since 0.1.0
 */
export const analyze = (inputs: ReadonlyArray<ReportInput>): Analysis => {
  const order = ordering(inputs)
  const byOrder = <A extends OrderKey>(items: ReadonlyArray<A>): Array<A> => [...items].sort(order.compare)
  const unordered = searchCost(inputs)
  const cost: SearchCost = { ...unordered, groups: byOrder(unordered.groups) }
  const series = byOrder(bestSoFar(inputs))
  const modelKey = (model: { readonly pipeline: string; readonly architecture: Architecture.Architecture }) =>
    `${model.pipeline}\u0000${Architecture.architectureLabel(model.architecture)}`
  const rows = inputs.flatMap((input) => modelRows(input, unordered))
  // Memory on a device at the budget's bit-width when every model has it, else the FP32 weights.
  const device = onDevice(rows)
  const onFront = new Set(
    Pareto.paretoFront(
      rows,
      (model) => memoryOf(model, device),
      (model) => model.accuracy
    ).map(modelKey)
  )
  // Within a kernel set, the more accurate first.
  const trained: Array<ModelRow> = rows
    .map((model) => ({ ...model, pareto: onFront.has(modelKey(model)) }))
    .map((model, i) => ({ model, i }))
    .sort(
      (a, b) =>
        order.compare(
          {
            pipeline: a.model.pipeline,
            kernels: a.model.architecture.kernels,
            cellType: a.model.architecture.cellType
          },
          {
            pipeline: b.model.pipeline,
            kernels: b.model.architecture.kernels,
            cellType: b.model.architecture.cellType
          }
        ) ||
        b.model.accuracy - a.model.accuracy ||
        a.i - b.i
    )
    .map(({ model }) => model)

  const pipelines = inputs.map((input): PipelineSummary => {
    const runs = cost.runs.filter((run) => run.pipeline === input.name)
    return {
      name: input.name,
      dataset: input.dataset,
      ...(input.datasetFingerprint === undefined ? {} : { datasetFingerprint: input.datasetFingerprint }),
      ...(input.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: input.memoryBudgetBytes }),
      ...(input.weightBits === undefined ? {} : { weightBits: input.weightBits }),
      ...(input.failures === undefined || input.failures.length === 0 ? {} : { failures: input.failures }),
      strategies: distinct(input.searches.map((run) => run.strategy)).sort(),
      kernelSets: distinct(
        input.searches.map((run) => run.kernels),
        (kernels) => kernels.join(",")
      ).sort(
        (a, b) => order.kernelOrder.indexOf(kernelsLabel(a)) - order.kernelOrder.indexOf(kernelsLabel(b))
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
  const kernelGroups = order.kernelOrder.filter((group) =>
    trained.some((model) => kernelsLabel(model.architecture.kernels) === group)
  )
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
      (model) => memoryOf(model, device),
      (model) => model.accuracy
    ),
    trained
  }
  return { inputs, kernelOrder: order.kernelOrder, results, series, cost }
}
