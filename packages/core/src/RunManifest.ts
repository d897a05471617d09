/**
 * The manifest of one pipeline run: what ran, with which code and where (DESIGN.md §3).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { MemoryRefusal } from "./Errors.ts"

/**
 * The tensor backend a run used.
 *
 * @since 0.1.0
 */
export const BackendRecord = Schema.Struct({
  backend: Schema.String,
  tfjsVersion: Schema.String,
  threads: Schema.Int,
  simd: Schema.Boolean,
  /** wasm: the convolution kernels, `native` (oneDNN) or `wasm` (XNNPACK); absent on other backends. */
  kernels: Schema.optionalKey(Schema.String),
  /** The oneDNN version when `kernels` is `native`. */
  onednn: Schema.optionalKey(Schema.String)
})

/**
 * Why a step failed: the message, and where it applies the candidate and the memory figures.
 *
 * @since 0.1.0
 */
export const StepFailure = Schema.Struct({
  message: Schema.String,
  candidate: Schema.optionalKey(Schema.Struct({ index: Schema.Int, architecture: Schema.String })),
  memory: Schema.optionalKey(MemoryRefusal)
})

/**
 * @since 0.1.0
 */
export type StepFailure = typeof StepFailure.Type

/**
 * @since 0.1.0
 */
export const StepStatus = Schema.Literals(["cached", "computed", "failed", "interrupted", "pending"])

/**
 * @since 0.1.0
 */
export const RunManifest = Schema.Struct({
  pipelineFile: Schema.String,
  /** sha256 of the pipeline file's bytes. */
  pipelineHash: Schema.String,
  seed: Schema.Int,
  plugins: Schema.Array(Schema.Struct({ kind: Schema.String, id: Schema.String, version: Schema.Int })),
  backend: BackendRecord,
  runtime: Schema.Struct({ name: Schema.Literals(["node", "deno"]), version: Schema.String }),
  store: Schema.String,
  startedAt: Schema.String,
  endedAt: Schema.optionalKey(Schema.String),
  steps: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      kind: Schema.String,
      key: Schema.String,
      status: StepStatus,
      seconds: Schema.optionalKey(Schema.Finite),
      /** Why a failed step failed, with the figures of a memory refusal when it was one. */
      error: Schema.optionalKey(StepFailure)
    })
  )
})

/**
 * @since 0.1.0
 */
export type RunManifest = typeof RunManifest.Type
