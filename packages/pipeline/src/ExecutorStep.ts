/**
 * A `train`, `evaluate` or `report` step: its executor run with the upstream values by role and the
 * services it requires — the step's durable `StepCheckpoint` under its key in the store, and, from
 * the runner, the data set of its `dataset` input, the run's compute services and platform.
 *
 * @since 0.1.0
 */
import { type DatasetLoader, Plugin, type Selector } from "@spikernel/core"
import { Clock, Context, Effect } from "effect"
import { type ExecutorInput, type ExecutorProgress, StepCheckpoint } from "./Executor.ts"
import type { PreparedStep } from "./Prepare.ts"
import { Progress } from "./Progress.ts"
import type { Services } from "./StepServices.ts"
import { StepError } from "./StepError.ts"
import type { SearchResult } from "./StepOutput.ts"
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
      return { kind: "search", step: upstream.name, value: value.value as SearchResult, encoded }
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
 * Runs a prepared executor step; `services` are the runner's (data set, compute, platform).
 *
 * @since 0.1.0
 */
export const run = (input: {
  readonly step: PreparedStep
  readonly key: string
  readonly seed: number
  readonly inputs: Readonly<Record<string, ExecutorInput>>
  readonly services: Services
}): Effect.Effect<unknown, StepError | StoreError, Store.Store | Progress> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const progress = yield* Progress
    const { step, key } = input
    const { executor, config } = step.executor!
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
        Effect.provideContext(Context.add(input.services, StepCheckpoint, checkpoint)),
        Effect.mapError((error) =>
          error._tag === "StoreError"
            ? (error as StoreError)
            : new StepError({ step: step.name, reason: (error as { readonly message: string }).message })
        )
      )
  })
