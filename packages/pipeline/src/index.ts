/**
 * `@spikernel/pipeline`: typed pipeline declarations, cache keys, the content-addressed store with
 * its journal and lock, and the runner that executes, resumes and plans pipelines.
 *
 * A pipeline file uses the builders exported at the top level:
 *
 * ```ts
 * import { load, pipeline, report, search, select } from "@spikernel/pipeline"
 * ```
 *
 * @since 0.1.0
 */

/** The Evaluator of search steps: scores through the store. */
export * as CachedEvaluator from "./CachedEvaluator.ts"
/** Cache keys (DESIGN.md §3). */
export * as CacheKey from "./CacheKey.ts"
/** SHA-256 helpers. */
export * as Digest from "./Digest.ts"
/** Step executors (train, evaluate, report). */
export * as Executor from "./Executor.ts"
/** The journal's line format. */
export * as Journal from "./Journal.ts"
/** The built-in `json` reporter. */
export * as JsonReporter from "./JsonReporter.ts"
/** The writer lock. */
export * as Lock from "./Lock.ts"
/** Pipeline declarations. */
export * as Pipeline from "./Pipeline.ts"
/** Loading pipeline files. */
export * as PipelineFile from "./PipelineFile.ts"
/** What a run would do. */
export * as Plan from "./Plan.ts"
/** Config decoding before anything runs. */
export * as Prepare from "./Prepare.ts"
/** Progress lines. */
export * as Progress from "./Progress.ts"
/** Plugins and executors by kind and id. */
export * as Registry from "./Registry.ts"
/** The runner. */
export * as Runner from "./Runner.ts"
/** Run manifests in a store. */
export * as Runs from "./Runs.ts"
/** The search loop. */
export * as SearchRun from "./SearchRun.ts"
/** Step declarations. */
export * as Step from "./Step.ts"
/** Step errors. */
export * from "./StepError.ts"
/** Step output values. */
export * as StepOutput from "./StepOutput.ts"
/** The result store. */
export * as Store from "./Store.ts"
/** Store errors. */
export * from "./StoreError.ts"
/** Key namespaces inside a store. */
export * as StoreLayout from "./StoreLayout.ts"

/** The builders of a pipeline file. */
export { pipeline } from "./Pipeline.ts"
export { evaluate, load, report, search, select, tradeoff, train, use } from "./Step.ts"
