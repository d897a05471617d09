/**
 * The schema of `results.json`: every figure a report shows, as numbers rather than pictures, so a
 * review or a script can compare runs without parsing HTML.
 *
 * @since 0.1.0
 */
import { Architecture, KernelSet, Numbers } from "@spikernel/core"
import { Schema } from "effect"
import { FailedStep } from "./ReportInput.ts"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * A trained model as a report lists it.
 *
 * @since 0.1.0
 */
export const ModelRow = Schema.Struct({
  pipeline: Schema.String,
  /** `{3,5} 0302 0030 3003 0000`. */
  label: Schema.String,
  architecture: Architecture.Architecture,
  accuracy: Schema.Finite,
  score: Numbers.JsonNumber,
  params: Count,
  bytes: Count,
  selected: Schema.Boolean,
  /** On the accuracy–memory Pareto front of the report's trained models. */
  pareto: Schema.Boolean,
  /** Mean firing rate over the model's spiking layers (a fraction); absent when not measured. */
  firingRate: Schema.optionalKey(Schema.Finite),
  /** Paid seconds of the search that found the architecture; absent when no search of the report did. */
  searchSeconds: Schema.optionalKey(Schema.Finite)
})

/**
 * @since 0.1.0
 */
export type ModelRow = typeof ModelRow.Type

/**
 * One pipeline at a glance.
 *
 * @since 0.1.0
 */
export const PipelineSummary = Schema.Struct({
  name: Schema.String,
  dataset: Schema.String,
  datasetFingerprint: Schema.optionalKey(Schema.String),
  memoryBudgetBytes: Schema.optionalKey(Count),
  strategies: Schema.Array(Schema.String),
  kernelSets: Schema.Array(KernelSet.KernelSet),
  seeds: Schema.Array(Schema.Int),
  searches: Count,
  /** Candidates evaluated in the run, and candidates reused from the store. */
  paid: Count,
  cached: Count,
  /** Seconds of the candidates evaluated in the run, over all its searches. */
  searchSeconds: Schema.Finite,
  selected: Schema.Array(ModelRow),
  /** Steps of the run that failed, with a memory refusal's figures (absent when none failed). */
  failures: Schema.optionalKey(Schema.Array(FailedStep))
})

/**
 * @since 0.1.0
 */
export type PipelineSummary = typeof PipelineSummary.Type

/**
 * @since 0.1.0
 */
export const FairnessRow = Schema.Struct({
  /** `repeats` is information (never unfair); the others are checks. */
  check: Schema.Literals(["data", "scorer", "budget", "seeds", "cache", "repeats"]),
  fair: Schema.Boolean,
  detail: Schema.String
})

/**
 * The cost of one strategy on one kernel set over its seeds, and its speed-up over the baseline.
 *
 * @since 0.1.0
 */
export const CostRow = Schema.Struct({
  pipeline: Schema.String,
  strategy: Schema.String,
  cellType: Architecture.CellType,
  kernels: KernelSet.KernelSet,
  budget: Count,
  baseline: Schema.Boolean,
  seeds: Schema.Array(Schema.Int),
  paid: Count,
  cached: Count,
  meanSeconds: Schema.Finite,
  minSeconds: Schema.Finite,
  maxSeconds: Schema.Finite,
  speedup: Numbers.JsonNumber
})

/**
 * Where a strategy ended: the best score of each seed, summarised as median and band.
 *
 * @since 0.1.0
 */
export const BestRow = Schema.Struct({
  pipeline: Schema.String,
  strategy: Schema.String,
  cellType: Architecture.CellType,
  kernels: KernelSet.KernelSet,
  budget: Count,
  baseline: Schema.Boolean,
  seeds: Schema.Array(Schema.Int),
  band: Schema.Literals(["min-max", "quartiles"]),
  median: Numbers.JsonNumber,
  lo: Numbers.JsonNumber,
  hi: Numbers.JsonNumber
})

/**
 * Kendall's τ-b between score and trained accuracy over one group of trained models.
 *
 * @since 0.1.0
 */
export const TauRow = Schema.Struct({
  /** `all`, or a kernel set such as `{3,5}`. */
  group: Schema.String,
  tau: Numbers.JsonNumber,
  n: Count,
  concordant: Count,
  discordant: Count,
  tiedX: Count,
  tiedY: Count,
  tiedBoth: Count
})

/**
 * The whole of `results.json`.
 *
 * @since 0.1.0
 */
export const ReportResults = Schema.Struct({
  kind: Schema.Literals(["report", "comparison"]),
  pipelines: Schema.Array(PipelineSummary),
  fairness: Schema.Array(FairnessRow),
  /** Mean seconds of a baseline run; absent when the input has none. */
  baselineSeconds: Schema.optionalKey(Schema.Finite),
  searchCost: Schema.Array(CostRow),
  bestSoFar: Schema.Array(BestRow),
  kendall: Schema.Array(TauRow),
  /** The accuracy–memory front over every trained model, smallest memory first. */
  pareto: Schema.Array(ModelRow),
  trained: Schema.Array(ModelRow)
})

/**
 * @since 0.1.0
 */
export type ReportResults = typeof ReportResults.Type
