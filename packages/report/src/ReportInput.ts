/**
 * What a report is made of: the results of one pipeline run, as plain Schema'd records.
 *
 * The report generator is a pure function of these records, so it can be fed from the pipeline store,
 * from a JSON file or from a test fixture alike. One `ReportInput` is one pipeline run; a comparison
 * takes several.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  CandidateRecord,
  DeploymentMemory,
  KernelSet,
  MemoryRefusal,
  Numbers
} from "@spikernel/core"
import { Schema } from "effect"

const Fraction = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * One search: one strategy over one kernel set with one seed, and every candidate it evaluated.
 *
 * @since 0.1.0
 */
export const SearchRun = Schema.Struct({
  /** The strategy's plugin id, e.g. `random` or `regularized-evolution`. */
  strategy: Schema.String,
  cellType: Architecture.CellType,
  kernels: KernelSet.KernelSet,
  seed: Count,
  /** The scorer whose value the strategy maximised; its `ScoreResult.scorer` in each record. */
  scorer: Schema.String,
  /**
   * The scorer's config as the pipeline declared it (batch, repeats, timesteps, network): two
   * searches whose settings differ score on different scales, and a comparison says so.
   */
  scorerConfig: Schema.optionalKey(Schema.Json),
  /** How many candidates the search was allowed. */
  budget: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  /**
   * True for the reference search that speed-ups are measured against. When no run is marked, the
   * SNASNet setting (kernels {1,3} with a budget of 5000 candidates) is the baseline.
   */
  baseline: Schema.optionalKey(Schema.Boolean),
  candidates: Schema.Array(CandidateRecord.CandidateRecord)
})

/**
 * @since 0.1.0
 */
export type SearchRun = typeof SearchRun.Type

/**
 * The mean firing rate of one spiking layer: spikes per neuron per timestep, in [0, 1].
 *
 * @since 0.1.0
 */
export const FiringRate = Schema.Struct({
  layer: Schema.String,
  rate: Fraction
})

/**
 * @since 0.1.0
 */
export type FiringRate = typeof FiringRate.Type

/**
 * A trained candidate: its training-free score next to the accuracy training reached.
 *
 * @since 0.1.0
 */
export const TrainedModel = Schema.Struct({
  architecture: Architecture.Architecture,
  /** Top-1 test accuracy after training, as a fraction. */
  accuracy: Fraction,
  /** The search's primary (SAHD) score of this architecture; −Infinity for a singular kernel. */
  score: Numbers.JsonNumber,
  params: Count,
  /** Weight memory in bytes. */
  bytes: Count,
  /** Its memory on a device at every weight bit-width; absent when not measured. */
  memory: Schema.optionalKey(DeploymentMemory.DeploymentMemory),
  /** True when the pipeline's selector picked it. */
  selected: Schema.Boolean,
  /** Per spiking layer, in network order; empty when not measured. */
  firingRates: Schema.Array(FiringRate),
  /** Top-1 (a fraction) with the weights quantized after training, per bit-width; absent when not measured. */
  quantized: Schema.optionalKey(Schema.Array(Schema.Struct({ bits: Schema.Int, accuracy: Fraction }))),
  /** Operations of one inference from the measured spikes, and their energy; absent when not measured. */
  operations: Schema.optionalKey(
    Schema.Struct({
      synOps: Schema.Finite,
      macs: Schema.Finite,
      energyMicrojoules: Schema.Struct({ fp32: Schema.Finite, int8: Schema.Finite })
    })
  )
})

/**
 * @since 0.1.0
 */
export type TrainedModel = typeof TrainedModel.Type

/**
 * A step of the run that failed: its message, and where it applies the candidate and a memory
 * refusal's figures (what the candidate needed, what was free, the backend's limit).
 *
 * @since 0.1.0
 */
export const FailedStep = Schema.Struct({
  step: Schema.String,
  message: Schema.String,
  candidate: Schema.optionalKey(Schema.Struct({ index: Schema.Int, architecture: Schema.String })),
  memory: Schema.optionalKey(MemoryRefusal)
})

/**
 * @since 0.1.0
 */
export type FailedStep = typeof FailedStep.Type

/**
 * The results of one pipeline run.
 *
 * @since 0.1.0
 */
export const ReportInput = Schema.Struct({
  /** The pipeline's name (its file name without extension, unless the pipeline names itself). */
  name: Schema.String,
  /** The dataset spec as written (`cifar10:/data/cifar10`, `fashion-mnist-mini`). */
  dataset: Schema.String,
  /** The dataset's content fingerprint, when known: "same data" is checked on it rather than the spec. */
  datasetFingerprint: Schema.optionalKey(Schema.String),
  /** The memory budget of the selection step, drawn as a line on the accuracy–memory plot. */
  memoryBudgetBytes: Schema.optionalKey(Count),
  /**
   * The weight bit-width the models ship at (the budget's `weightBits`): memory figures are then the
   * memory on a device at that width (`DeploymentMemory` total) instead of the FP32 weights.
   */
  weightBits: Schema.optionalKey(DeploymentMemory.WeightBits),
  searches: Schema.Array(SearchRun),
  trained: Schema.Array(TrainedModel),
  /** Steps of the run that failed (a report of a failed run shows why). */
  failures: Schema.optionalKey(Schema.Array(FailedStep))
})

/**
 * @since 0.1.0
 */
export type ReportInput = typeof ReportInput.Type
