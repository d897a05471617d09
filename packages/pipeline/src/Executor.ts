/**
 * Step executors: how `train`, `evaluate` and `report` steps run. The packages that own those
 * (training, report) provide executors; the runner gives each the decoded inputs, the data set,
 * durable checkpoints scoped to the step's key, and a progress callback.
 *
 * An executor's `id@version` and config enter its step's key exactly as a plugin's do.
 *
 * @since 0.1.0
 */
import type { DatasetLoader } from "@spikernel/core"
import { type Effect, type Layer, type Option, Schema } from "effect"
import type { StepKind } from "./Step.ts"
import type { StoreError } from "./StoreError.ts"

/**
 * A failure inside an executor, with a message a user can act on.
 *
 * @since 0.1.0
 */
export class ExecutorError extends Schema.TaggedError<ExecutorError>()("ExecutorError", {
  executor: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.executor}: ${this.reason}`
  }
}

/**
 * One upstream value as an executor sees it.
 *
 * @since 0.1.0
 */
export interface ExecutorInput {
  /** The upstream step's name and kind. */
  readonly step: string
  readonly kind: StepKind
  /** The decoded value and its encoded (JSON) form. */
  readonly value: unknown
  readonly encoded: unknown
}

/**
 * Durable state of a long step (a training's weights after each epoch), stored under the step's key.
 *
 * @since 0.1.0
 */
export interface Checkpoints {
  readonly load: <A, I>(schema: Schema.Codec<A, I>) => Effect.Effect<Option.Option<A>, StoreError>
  readonly save: <A, I>(schema: Schema.Codec<A, I>, value: A) => Effect.Effect<void, StoreError>
}

/**
 * What an executor is given.
 *
 * @since 0.1.0
 */
export interface ExecutorContext<C> {
  readonly step: string
  readonly key: string
  readonly config: C
  readonly seed: number
  /** Upstream values by role (`from`, `models`, `dataset`, `from.<name>` for reports). */
  readonly inputs: Readonly<Record<string, ExecutorInput>>
  /** The data set of the step's `dataset` input, built on first use. */
  readonly dataset: Layer.Layer<DatasetLoader.DatasetLoader> | undefined
  readonly checkpoints: Checkpoints
  readonly progress: (done: number, total: number, best?: number) => Effect.Effect<void>
}

/**
 * An executor for one step kind.
 *
 * @since 0.1.0
 */
export interface StepExecutor<C, CE, O, OE> {
  readonly step: Extract<StepKind, "train" | "evaluate" | "report">
  readonly id: string
  readonly version: number
  readonly description: string
  readonly config: Schema.Codec<C, CE>
  readonly output: Schema.Codec<O, OE>
  readonly execute: (context: ExecutorContext<C>) => Effect.Effect<O, ExecutorError | StoreError>
}

/**
 * Any executor, for registries.
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds executors of every config and output type
export type AnyExecutor = StepExecutor<any, any, any, any>
