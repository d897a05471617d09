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

/** Evaluator middleware: budget, dedup, retry. */
export * as EvaluatorMiddleware from "./EvaluatorMiddleware.ts"
/** Cache keys (DESIGN.md §3). */
export * as CacheKey from "./CacheKey.ts"
/** Step executors (train, evaluate, report). */
export * as Executor from "./Executor.ts"
/** Running an executor step. */
export * as ExecutorStep from "./ExecutorStep.ts"
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
/** The scoring Evaluator of search steps: score jobs through the store-backed cache. */
export * as ScoreEvaluator from "./ScoreEvaluator.ts"
/** The search loop: the one engine every search runs on. */
export * as SearchLoop from "./SearchLoop.ts"
/** A search step: the loop over the Evaluator stack, journaled and checkpointed. */
export * as SearchStep from "./SearchStep.ts"
/** Step declarations. */
export * as Step from "./Step.ts"
/** Building a step's plugin services. */
export * as StepServices from "./StepServices.ts"
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
