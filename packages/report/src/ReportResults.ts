/**
 * The schema of `results.json`: every figure a report shows, as numbers rather than pictures, so a
 * review or a script can compare runs without parsing HTML.
 *
 * @since 0.1.0
 */
import { Architecture, DeploymentMemory, KernelSet, Numbers } from "@spikernel/core"
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
  /** Its memory on a device at every weight bit-width; absent when not measured. */
  memory: Schema.optionalKey(DeploymentMemory.DeploymentMemory),
  /** The bit-width its pipeline ships at (the budget's `weightBits`), when it states one. */
  weightBits: Schema.optionalKey(DeploymentMemory.WeightBits),
  selected: Schema.Boolean,
  /** On the accuracy–memory Pareto front of the report's trained models. */
  pareto: Schema.Boolean,
  /** Mean firing rate over the model's spiking layers (a fraction); absent when not measured. */
  firingRate: Schema.optionalKey(Schema.Finite),
  /** Top-1 with the weights quantized after training, per bit-width; absent when not measured. */
  quantized: Schema.optionalKey(Schema.Array(Schema.Struct({ bits: Schema.Int, accuracy: Schema.Finite }))),
  /** Accumulates driven by spikes in one inference; absent when not measured. */
  synOps: Schema.optionalKey(Schema.Finite),
  /** Energy of one inference's operations at FP32, 45 nm (Horowitz), in µJ; absent when not measured. */
  energyMicrojoules: Schema.optionalKey(Schema.Finite),
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
  /** The bit-width the budget is at (absent: the FP32 weights). */
  weightBits: Schema.optionalKey(DeploymentMemory.WeightBits),
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

/**
 * The memory figures of a model row.
 *
 * @since 0.1.0
 */
export type MemoryFigures = Pick<ModelRow, "bytes" | "memory" | "weightBits">

/**
 * Whether a report's memory figures are memory on a device: every trained model has its memory
 * record and a bit-width to read it at. Otherwise they are the FP32 weights (mixing the two on one
 * axis would compare different things).
 *
 * @since 0.1.0
 */
export const onDevice = (rows: ReadonlyArray<MemoryFigures>): boolean =>
  rows.length > 0 && rows.every((row) => row.memory !== undefined && row.weightBits !== undefined)

/**
 * A model's memory figure: on a device at its pipeline's bit-width when `device`, else its FP32
 * weight bytes.
 *
 * @since 0.1.0
 */
export const memoryOf = (row: MemoryFigures, device: boolean): number =>
  device && row.memory !== undefined && row.weightBits !== undefined
    ? DeploymentMemory.at(row.memory, row.weightBits).total
    : row.bytes

/**
 * The memory figure in words: "memory on a device at 8 bits" or "FP32 weight memory".
 *
 * @since 0.1.0
 */
export const memoryFigure = (rows: ReadonlyArray<MemoryFigures>): string => {
  if (!onDevice(rows)) return "FP32 weight memory"
  const widths = [...new Set(rows.map((row) => row.weightBits))]
  return widths.length === 1
    ? `memory on a device at ${widths[0]}-bit weights`
    : "memory on a device at each pipeline's weight bit-width"
}
