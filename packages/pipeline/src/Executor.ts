/**
 * Step executors: how `train`, `evaluate` and `report` steps run. An executor is a descriptor like a
 * plugin's — `{ step, id, version, config, output }` — and an `execute` whose Effect states what it
 * needs in its requirements. The runner provides, for the life of the step:
 *
 * - `DatasetLoader` (core) — the data set of the step's `dataset` input, when it has one;
 * - {@link StepCheckpoint} — durable state under the step's key, in the result store's journal (a
 *   training's progress after every epoch), so a killed step resumes and `spikernel gc` sees it;
 * - the run's compute services (the tensor backend the run was started with, `--backend`) and its
 *   platform (`FileSystem`, `Path`).
 *
 * An executor's identity (`{ id, version, config }`) enters its step's key exactly as a plugin's does.
 *
 * @since 0.1.0
 */
import type { DatasetLoader, Selector } from "@spikernel/core"
import { Context, Effect, type Option, Schema } from "effect"
import type { StepKind } from "./Step.ts"
import type { SearchResult } from "./StepOutput.ts"
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
 * One upstream value as an executor sees it: its JSON form (`encoded`, as stored) and, for the
 * runner's own step kinds, the decoded value; an executor's output is decoded by the consuming
 * executor with the producer's Schema.
 *
 * @since 0.1.0
 */
export type ExecutorInput =
  | {
      readonly kind: "load"
      readonly step: string
      readonly value: DatasetLoader.DatasetInfo
      readonly encoded: unknown
    }
  | {
      readonly kind: "search"
      readonly step: string
      readonly value: SearchResult
      readonly encoded: unknown
    }
  | {
      readonly kind: "select" | "tradeoff"
      readonly step: string
      readonly value: Selector.Selection
      readonly encoded: unknown
    }
  | {
      readonly kind: "train" | "evaluate" | "report"
      readonly step: string
      /** The executor that produced it (`bptt@1`). */
      readonly executor: string
      readonly encoded: unknown
    }

/**
 * Durable state of a long step, stored under its key (the latest value saved).
 *
 * @since 0.1.0
 */
export class StepCheckpoint extends Context.Service<
  StepCheckpoint,
  {
    readonly load: <A, I>(schema: Schema.Codec<A, I>) => Effect.Effect<Option.Option<A>, StoreError>
    readonly save: <A, I>(schema: Schema.Codec<A, I>, value: A) => Effect.Effect<void, StoreError>
  }
>()("@spikernel/pipeline/StepCheckpoint") {}

/**
 * What an executor is told.
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
  /** How far the step has come; the runner adds the rate and ETA. */
  readonly progress: (update: ExecutorProgress) => Effect.Effect<void>
}

/**
 * An executor's progress: `done` of `total` in its own unit (`images`, `epochs`, `models`).
 * `fromStore` marks an update made on resuming, whose `done` units came from the step's checkpoint:
 * it is printed as what the run reused, and the rate counts only what follows it.
 *
 * @since 0.1.0
 */
export interface ExecutorProgress {
  readonly done: number
  readonly total: number
  readonly unit: string
  readonly best?: number
  /** Where inside the step (`model 1/2, epoch 3/10`). */
  readonly detail?: string
  readonly fromStore?: boolean
}

/**
 * An executor for one step kind; `R` is what its Effect needs (see the module comment).
 *
 * @since 0.1.0
 */
export interface StepExecutor<C, CE, O, OE, R = never> {
  readonly step: Extract<StepKind, "train" | "evaluate" | "report">
  readonly id: string
  readonly version: number
  readonly description: string
  readonly config: Schema.Codec<C, CE>
  readonly output: Schema.Codec<O, OE>
  readonly execute: (context: ExecutorContext<C>) => Effect.Effect<O, ExecutorError | StoreError, R>
  /**
   * The files an output says the executor wrote outside the store, with their SHA-256: a cached
   * step whose files are missing or changed is computed again.
   */
  readonly files?: (output: O) => ReadonlyArray<{ readonly path: string; readonly sha256: string }>
}

/**
 * Any executor, for registries.
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds executors of every config, output and requirement
export type AnyExecutor = StepExecutor<any, any, any, any, any>

/**
 * The input of `role`, of one of `kinds`, or an ExecutorError naming what was expected.
 *
 * @since 0.1.0
 */
export const inputOf = <K extends ExecutorInput["kind"]>(
  executor: string,
  inputs: Readonly<Record<string, ExecutorInput>>,
  role: string,
  kinds: ReadonlyArray<K>
): Effect.Effect<ExecutorInput & { readonly kind: K }, ExecutorError> => {
  const input = inputs[role]
  if (input !== undefined && (kinds as ReadonlyArray<string>).includes(input.kind)) {
    return Effect.succeed(input as ExecutorInput & { readonly kind: K })
  }
  return Effect.fail(
    new ExecutorError({
      executor,
      reason:
        input === undefined
          ? `no "${role}" input`
          : `its "${role}" input is the ${input.kind} step "${input.step}"; expected a ${kinds.join(" or ")} step`
    })
  )
}
