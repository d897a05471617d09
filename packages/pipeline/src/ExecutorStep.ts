/**
 * A `train`, `evaluate` or `report` step: its executor run with the upstream values by role and the
 * services it requires — the step's durable `StepCheckpoint` under its key in the store, and, from
 * the runner, the data set of its `dataset` input, the run's compute services and platform.
 *
 * When the run has {@link RemoteSteps} (a cluster, `--cluster`), a `train` or `evaluate` step is
 * computed there instead: the step's key, executor, seed, upstream values (as stored) and data set
 * go to a worker, which runs the same executor and returns its output encoded; this process decodes
 * it with the executor's Schema and stores it as if it had computed it (the store stays this
 * process's). A `report` step writes files here, so it always runs here.
 *
 * @since 0.1.0
 */
import { DatasetLoader, Plugin, type Selector } from "@spikernel/core"
import { Clock, Context, Effect, Option, Schema, type Scope } from "effect"
import { type ExecutorInput, type ExecutorProgress, StepCheckpoint } from "./Executor.ts"
import type { PreparedStep } from "./Prepare.ts"
import { Progress } from "./Progress.ts"
import type { ResolvedPlugin } from "./Registry.ts"
import type { PluginSpec } from "./ScoreEvaluator.ts"
import type { Services } from "./StepServices.ts"
import { StepError } from "./StepError.ts"
import { type SearchResult as SearchResultType, SearchResult, SelectionOutput } from "./StepOutput.ts"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * An upstream step's value as its consumer's input: decoded for the runner's own step kinds, the
 * JSON form for every kind.
 *
 * @since 0.1.0
 */
export const inputFrom = (
  upstream: PreparedStep,
  value: { readonly value: unknown; readonly encoded: unknown }
): ExecutorInput => {
  const { encoded } = value
  switch (upstream.kind) {
    case "load":
      return { kind: "load", step: upstream.name, value: value.value as DatasetLoader.DatasetInfo, encoded }
    case "search":
      return { kind: "search", step: upstream.name, value: value.value as SearchResultType, encoded }
    case "select":
    case "tradeoff":
      return { kind: upstream.kind, step: upstream.name, value: value.value as Selector.Selection, encoded }
    default:
      return {
        kind: upstream.kind,
        step: upstream.name,
        executor: Plugin.label(upstream.executor!.executor),
        encoded
      }
  }
}

/**
 * An upstream value as a remote worker receives it: its step kind and name, the executor that
 * produced it (for executor steps) and its JSON form as stored.
 *
 * @since 0.1.0
 */
export const RemoteInput = Schema.Struct({
  kind: Schema.Literals(["load", "search", "select", "tradeoff", "train", "evaluate", "report"]),
  step: Schema.String,
  executor: Schema.optionalKey(Schema.String),
  encoded: Schema.Json
})

/**
 * @since 0.1.0
 */
export type RemoteInput = typeof RemoteInput.Type

/**
 * The remote form of an executor input (its JSON form; the decoded value is decoded again there).
 *
 * @since 0.1.0
 */
export const remoteInput = (input: ExecutorInput): RemoteInput => ({
  kind: input.kind,
  step: input.step,
  ...("executor" in input ? { executor: input.executor } : {}),
  encoded: input.encoded as Schema.Json
})

const strict = { onExcessProperty: "error" } as const

/**
 * An executor input from its remote form: the runner's own step kinds decoded with the Schemas
 * their outputs are stored with (unknown keys refused).
 *
 * @since 0.1.0
 */
export const fromRemoteInput = (
  step: string,
  input: RemoteInput
): Effect.Effect<ExecutorInput, StepError> => {
  const decode = <A, I>(schema: Schema.Codec<A, I>) =>
    Schema.decodeUnknownEffect(schema)(input.encoded, strict).pipe(
      Effect.mapError(
        (issue) =>
          new StepError({
            step,
            reason: `the value of upstream step "${input.step}" (${input.kind}) does not decode: ${issue.message}`
          })
      )
    )
  switch (input.kind) {
    case "load":
      return Effect.map(decode(DatasetLoader.DatasetInfo), (value) => ({
        kind: "load" as const,
        step: input.step,
        value,
        encoded: input.encoded
      }))
    case "search":
      return Effect.map(decode(SearchResult), (value) => ({
        kind: "search" as const,
        step: input.step,
        value,
        encoded: input.encoded
      }))
    case "select":
    case "tradeoff":
      return Effect.map(decode(SelectionOutput), (value) => ({
        kind: input.kind as "select" | "tradeoff",
        step: input.step,
        value,
        encoded: input.encoded
      }))
    default:
      return Effect.succeed({
        kind: input.kind as "train" | "evaluate" | "report",
        step: input.step,
        executor: input.executor ?? "",
        encoded: input.encoded
      })
  }
}

/**
 * An executor step to compute elsewhere: everything a worker needs to run the same executor on the
 * same inputs. `key` is the step's cache key (the job's idempotency key).
 *
 * @since 0.1.0
 */
export interface RemoteStep {
  readonly step: string
  readonly kind: "train" | "evaluate"
  readonly key: string
  readonly seed: number
  readonly executor: Plugin.Identity
  readonly inputs: Readonly<Record<string, RemoteInput>>
  /** The data set of the step's `dataset` input: its loader and the fingerprint the run computed. */
  readonly dataset: { readonly loader: Omit<PluginSpec, "role">; readonly fingerprint: string } | null
}

/**
 * Where a run's `train` and `evaluate` steps are computed when not in this process (a cluster):
 * `run` returns the executor's output in its encoded (JSON) form.
 *
 * @since 0.1.0
 */
export class RemoteSteps extends Context.Service<
  RemoteSteps,
  { readonly run: (step: RemoteStep) => Effect.Effect<unknown, StepError, Scope.Scope> }
>()("@spikernel/pipeline/RemoteSteps") {}

/**
 * Runs a prepared executor step; `services` are the runner's (data set, compute, platform).
 * `dataset` is the loader and fingerprint of its `dataset` input, for a remote worker.
 *
 * @since 0.1.0
 */
export const run = (input: {
  readonly step: PreparedStep
  readonly key: string
  readonly seed: number
  readonly inputs: Readonly<Record<string, ExecutorInput>>
  readonly services: Effect.Effect<Services, StepError>
  readonly dataset?: { readonly loader: ResolvedPlugin; readonly fingerprint: string } | undefined
}): Effect.Effect<unknown, StepError | StoreError, Store.Store | Progress> =>
  Effect.gen(function* () {
    const remote = yield* Effect.serviceOption(RemoteSteps)
    const { step, key } = input
    const { executor, config } = step.executor!
    if (Option.isSome(remote) && (step.kind === "train" || step.kind === "evaluate")) {
      const inputs: Record<string, RemoteInput> = {}
      for (const [role, value] of Object.entries(input.inputs)) inputs[role] = remoteInput(value)
      const encoded = yield* Effect.scoped(
        remote.value.run({
          step: step.name,
          kind: step.kind,
          key,
          seed: input.seed,
          executor: step.executor!.identity,
          inputs,
          dataset:
            input.dataset === undefined
              ? null
              : {
                  loader: { kind: input.dataset.loader.plugin.kind, ...input.dataset.loader.identity },
                  fingerprint: input.dataset.fingerprint
                }
        })
      )
      return yield* Schema.decodeUnknownEffect(executor.output)(encoded, strict).pipe(
        Effect.mapError(
          (issue) =>
            new StepError({
              step: step.name,
              reason: `the worker's output of ${Plugin.label(executor)} does not decode: ${issue.message}`
            })
        )
      )
    }
    const services = yield* input.services
    const store = yield* Store.Store
    const progress = yield* Progress
    const checkpoint = StepCheckpoint.of({
      load: (schema) =>
        Store.getValue(schema, StoreLayout.checkpointEntry(key)).pipe(
          Effect.provideService(Store.Store, store)
        ),
      save: (schema, value) =>
        Store.putValue(schema, StoreLayout.checkpointEntry(key), "checkpoint", value).pipe(
          Effect.provideService(Store.Store, store)
        )
    })
    // The rate counts from the first update of this process (or the resume point): the units before
    // it were paid for by an earlier run, or are the one unit whose start time no update gives.
    let baseline: { readonly done: number; readonly at: number } | undefined
    const report = (update: ExecutorProgress) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (update.fromStore === true) {
          baseline = { done: update.done, at: now }
          if (update.done > 0)
            yield* progress.reused({
              step: step.name,
              kind: step.kind,
              reused: update.done,
              total: update.total,
              unit: update.unit
            })
        } else if (baseline === undefined) baseline = { done: update.done, at: now }
        const seconds = (now - baseline.at) / 1000
        const rate =
          seconds > 0 && update.done > baseline.done ? (update.done - baseline.done) / seconds : undefined
        yield* progress.update({
          step: step.name,
          kind: step.kind,
          done: update.done,
          total: update.total,
          unit: update.unit,
          ratePerSecond: rate,
          etaSeconds: rate === undefined ? undefined : Math.max(0, update.total - update.done) / rate,
          best: update.best,
          ...(update.detail === undefined ? {} : { detail: update.detail })
        })
      })
    return yield* executor
      .execute({ step: step.name, key, config, seed: input.seed, inputs: input.inputs, progress: report })
      .pipe(
        Effect.provideContext(Context.add(services, StepCheckpoint, checkpoint)),
        Effect.mapError((error) =>
          error._tag === "StoreError"
            ? (error as StoreError)
            : new StepError({ step: step.name, reason: (error as { readonly message: string }).message })
        )
      )
  })
