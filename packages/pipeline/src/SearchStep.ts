/**
 * A search step: the search loop (`SearchLoop.ts`) over the step's Evaluator stack, with every
 * observed candidate journaled as it is observed and the strategy's position checkpointed.
 *
 * The Evaluator is `withBudget(withDedup(withRetry(scoring)))` (`EvaluatorMiddleware.ts`), where
 * the scoring Evaluator computes each score as a job through the store-backed cache
 * (`ScoreEvaluator.ts`). With a memory budget, `withMemoryBudget` sits under dedup: each candidate's
 * `memory` measure is computed first (the same job, hence the same cache entry, the scoring
 * Evaluator uses), and one over the budget is recorded as rejected without the other scorers.
 *
 * Resume: the strategy state (Schema-encoded) is checkpointed every `checkpointEvery` observations
 * and when the run is interrupted, with the candidates then in flight. A resumed run restores it and
 * continues exactly; candidates whose scores were journaled before the interruption come back from
 * the store. If records before the checkpoint are missing (a corrupt journal line), the search
 * replays from the start: the strategy is deterministic and every score is cached, so replaying
 * costs only the missing work.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  CandidateRecord,
  Numbers,
  type Plugin,
  Scorer,
  SearchSpace,
  SearchStrategy
} from "@spikernel/core"
import { Clock, Context, Effect, Option, Schema, Scope } from "effect"
import type { PluginPart } from "./CacheKey.ts"
import { withBudget, withDedup, withMemoryBudget, withRetry } from "./EvaluatorMiddleware.ts"
import { memoryMeasureId, type PreparedStep, type SearchParams } from "./Prepare.ts"
import { Progress } from "./Progress.ts"
import * as ScoreEvaluator from "./ScoreEvaluator.ts"
import * as SearchLoop from "./SearchLoop.ts"
import { StepError } from "./StepError.ts"
import type { SearchResult } from "./StepOutput.ts"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"
import type { ResolvedPlugin } from "./Registry.ts"
import { buildContext, buildService, type Services } from "./StepServices.ts"

/**
 * A search's resumable state: the strategy state after `observed` in-order observations, and the
 * candidates then proposed but not yet observed.
 *
 * @since 0.1.0
 */
export const SearchCheckpoint = Schema.Struct({
  observed: Schema.Int,
  state: Schema.Json,
  pending: Schema.Array(Schema.Struct({ index: Schema.Int, architecture: Architecture.Architecture })),
  best: Schema.NullOr(Numbers.JsonNumber)
})

/**
 * @since 0.1.0
 */
export type SearchCheckpoint = typeof SearchCheckpoint.Type

/**
 * What a search step needs, its services built.
 *
 * @since 0.1.0
 */
export interface SearchStepInput {
  readonly step: string
  readonly key: string
  readonly seed: number
  readonly fingerprint: string | null
  readonly params: SearchParams
  readonly space: SearchSpace.SearchSpace["Service"]
  readonly strategy: SearchStrategy.SearchStrategy["Service"]
  /** The scorers with their identities, the primary first. */
  readonly scorers: ReadonlyArray<{
    readonly identity: Plugin.Identity
    readonly scorer: Scorer.Scorer["Service"]
  }>
  /** Identities of what the scorers are built with (space, encoder, neuron). */
  readonly context: ReadonlyArray<PluginPart>
  /** Where score jobs are computed (default: in this process, by the scorers above). */
  readonly jobs?: ScoreEvaluator.ScoreJobs["Service"]
}

/**
 * A step failure from an evaluation failure, with the candidate and a memory refusal's figures kept.
 *
 * @since 0.1.0
 */
export const stepFailure = (step: string, error: { readonly _tag: string; readonly message: string }) => {
  if (error._tag !== "EvaluationError") return new StepError({ step, reason: error.message })
  const evaluation = error as unknown as {
    readonly index: number
    readonly architecture: string
    readonly memory?: StepError["memory"]
  }
  return new StepError({
    step,
    reason: error.message,
    candidate: { index: evaluation.index, architecture: evaluation.architecture },
    ...(evaluation.memory === undefined ? {} : { memory: evaluation.memory })
  })
}

/**
 * Runs (or resumes) a search step and returns its result.
 *
 * @since 0.1.0
 */
export const run = (
  input: SearchStepInput
): Effect.Effect<SearchResult, StepError | StoreError, Store.Store | Progress> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const progress = yield* Progress
    const { strategy, space, key, params } = input
    const fail = (error: { readonly _tag: string; readonly message: string }) =>
      stepFailure(input.step, error)
    const encodeState = Schema.encodeUnknownSync(strategy.state)

    // When this process first paid for a score (a job the store did not have), and how many
    // candidates had been observed then: rates count from there, so the candidates a resume takes
    // from the store do not make the first rate absurd.
    let paidSince: { readonly at: number; readonly observed: number } | undefined
    let observedNow = 0
    const computing = input.jobs ?? ScoreEvaluator.localJobs(input.scorers.map(({ scorer }) => scorer))
    // The candidates observed before the first paid score came from the store: a resume says so.
    const reuse = (reused: number) =>
      reused > 0
        ? progress.reused({
            step: input.step,
            kind: "search",
            reused,
            total: params.budget,
            unit: "candidates"
          })
        : Effect.void
    const jobs = yield* ScoreEvaluator.storeCached({
      run: (job) =>
        Effect.gen(function* () {
          if (paidSince === undefined) {
            paidSince = { at: yield* Clock.currentTimeMillis, observed: observedNow }
            yield* reuse(observedNow)
          }
          return yield* computing.run(job)
        })
    })
    const scoring = ScoreEvaluator.make({
      stepKey: key,
      seed: input.seed,
      fingerprint: input.fingerprint,
      space,
      scorers: input.scorers.map(({ identity }) => identity),
      context: input.context,
      jobs
    })
    let admitted = withRetry(scoring, { times: params.retries })
    const limit = params.memoryBudget
    if (limit !== undefined) {
      const m = input.scorers.findIndex(({ identity }, i) => i > 0 && identity.id === memoryMeasureId)
      if (m < 0) {
        return yield* new StepError({
          step: input.step,
          reason: `a memory budget needs the "${memoryMeasureId}" scorer among the step's measures`
        })
      }
      // The memory measure alone, through the same jobs: the entry it journals is the one the
      // scoring Evaluator then reads for a candidate within the budget.
      const measure = ScoreEvaluator.make({
        stepKey: key,
        seed: input.seed,
        fingerprint: input.fingerprint,
        space,
        scorers: [input.scorers[m].identity],
        context: input.context,
        jobs: { run: (job) => jobs.run({ ...job, scorer: m }) }
      })
      admitted = withMemoryBudget(admitted, { limit, measure: measure.evaluate })
    }
    const evaluator = withBudget(
      withDedup(admitted, {
        key: (architecture) => Architecture.architectureLabel(space.canonical(architecture))
      }),
      { budget: params.budget }
    )

    const checkpoint = (position: SearchLoop.Position<unknown>) =>
      Store.putValue(SearchCheckpoint, StoreLayout.checkpointEntry(key), "checkpoint", {
        observed: position.observed,
        state: encodeState(position.state) as Schema.Json,
        pending: position.pending,
        best: position.best ?? null
      })

    const resumePoint: Effect.Effect<SearchLoop.Position<unknown>, StoreError, Store.Store> = Effect.gen(
      function* () {
        const saved = yield* Store.getValue(SearchCheckpoint, StoreLayout.checkpointEntry(key))
        if (Option.isNone(saved)) return SearchLoop.start(strategy, input.seed)
        for (let i = 0; i < saved.value.observed; i++) {
          if (Option.isNone(store.entry(StoreLayout.recordEntry(key, i)))) {
            yield* store.report(
              `step "${input.step}": candidate ${i} of the checkpoint at ${saved.value.observed} is missing; replaying the search from the start (scores come from the store)`
            )
            return SearchLoop.start(strategy, input.seed)
          }
        }
        const state = Schema.decodeUnknownExit(strategy.state)(saved.value.state)
        if (state._tag === "Failure") {
          yield* store.report(
            `step "${input.step}": the strategy checkpoint does not decode; replaying from the start`
          )
          return SearchLoop.start(strategy, input.seed)
        }
        return {
          state: state.value,
          observed: saved.value.observed,
          pending: saved.value.pending,
          best: saved.value.best ?? undefined
        }
      }
    )

    const records = new Map<number, CandidateRecord.CandidateRecord>()
    const search = (from: SearchLoop.Position<unknown>) =>
      Effect.gen(function* () {
        observedNow = from.observed
        const outcome = yield* SearchLoop.run({
          strategy,
          from,
          evaluator,
          concurrency: params.concurrency,
          validate: space.validate,
          // Remote jobs are stored in the cluster: a stopped run does not wait for them.
          inFlight: input.jobs === undefined ? "finish" : "abandon",
          onObserved: (record, position) =>
            Effect.gen(function* () {
              records.set(record.index, record)
              yield* Store.putValue(
                CandidateRecord.CandidateRecord,
                StoreLayout.recordEntry(key, record.index),
                "record",
                record
              )
              if (position.observed % params.checkpointEvery === 0) yield* checkpoint(position)
              observedNow = position.observed
              const now = yield* Clock.currentTimeMillis
              const since = paidSince
              const elapsed = since === undefined ? 0 : (now - since.at) / 1000
              const rate =
                since !== undefined && elapsed > 0 && position.observed > since.observed
                  ? (position.observed - since.observed) / elapsed
                  : undefined
              yield* progress.update({
                step: input.step,
                kind: "search",
                done: position.observed,
                total: params.budget,
                unit: "candidates",
                ratePerSecond: rate,
                etaSeconds:
                  rate !== undefined && rate > 0 ? (params.budget - position.observed) / rate : undefined,
                best: position.best
              })
            }),
          // The candidates in flight have finished (they are uninterruptible) and their scores are
          // journaled; save the strategy's position so the next run continues from here.
          onInterrupt: (position) =>
            checkpoint(position).pipe(Effect.ignore, Effect.provideService(Store.Store, store))
        }).pipe(
          Effect.catchTags({
            SearchLoopError: (error) => Effect.fail(fail(error)),
            EvaluationError: (error) => Effect.fail(fail(error)),
            ArchitectureError: (error) => Effect.fail(fail(error))
          })
        )
        // Every score came from the store (nothing paid): all of it was reused.
        if (paidSince === undefined) yield* reuse(outcome.position.observed)
        return outcome.position.observed
      })

    const collect = (count: number) =>
      Effect.gen(function* () {
        const out: Array<CandidateRecord.CandidateRecord> = []
        for (let i = 0; i < count; i++) {
          const known = records.get(i)
          if (known !== undefined) {
            out.push(known)
            continue
          }
          const stored = yield* Store.getValue(
            CandidateRecord.CandidateRecord,
            StoreLayout.recordEntry(key, i)
          )
          if (Option.isNone(stored)) return undefined
          out.push(stored.value)
        }
        return out
      })

    let count = yield* search(yield* resumePoint)
    let result = yield* collect(count)
    if (result === undefined) {
      yield* store.report(`step "${input.step}": some candidate records are unreadable; replaying the search`)
      count = yield* search(SearchLoop.start(strategy, input.seed))
      result = yield* collect(count)
      if (result === undefined) {
        return yield* new StepError({
          step: input.step,
          reason: "candidate records vanished while the search ran"
        })
      }
    }
    const primary = input.scorers[0].identity
    return { scorer: `${primary.id}@${primary.version}`, budget: params.budget, records: result }
  })

/**
 * A search step's scoring services built from its plugins: encoder and neuron (when named), space,
 * strategy (when named) and scorers, each layer given what was built before it on top of
 * `dependencies` (the data set and the compute services). A cluster worker builds the same services
 * from a job's plugin list, without the strategy.
 *
 * @since 0.1.0
 */
export const buildScoring = (input: {
  readonly step: string
  readonly plugins: ReadonlyArray<{ readonly role: string; readonly resolved: ResolvedPlugin }>
  readonly dependencies: Services
  readonly scope: Scope.Scope
}) =>
  Effect.gen(function* () {
    const { step, scope } = input
    const plugin = (role: string) => input.plugins.find((p) => p.role === role)?.resolved
    let dependencies = input.dependencies
    const context: Array<PluginPart> = []
    for (const [role, tag] of [
      ["encoder", "@spikernel/core/Encoder"],
      ["neuron", "@spikernel/core/NeuronModel"]
    ] as const) {
      const resolved = plugin(role)
      if (resolved === undefined) continue
      dependencies = Context.merge(
        dependencies,
        yield* buildContext(step, role, resolved, dependencies, scope)
      )
      context.push({ role: `${role}:${tag}`, ...resolved.identity })
    }
    const spaceRef = plugin("space")
    if (spaceRef === undefined) return yield* new StepError({ step, reason: "no space plugin" })
    const space = yield* buildService(SearchSpace.SearchSpace, step, "space", spaceRef, dependencies, scope)
    dependencies = Context.merge(dependencies, space.context)
    const strategyRef = plugin("strategy")
    const strategy =
      strategyRef === undefined
        ? undefined
        : (yield* buildService(
            SearchStrategy.SearchStrategy,
            step,
            "strategy",
            strategyRef,
            dependencies,
            scope
          )).service
    const scorers: Array<{ identity: Plugin.Identity; scorer: Scorer.Scorer["Service"] }> = []
    for (const { role, resolved } of input.plugins) {
      if (!isScorerRole(role)) continue
      const built = yield* buildService(Scorer.Scorer, step, role, resolved, dependencies, scope)
      scorers.push({ identity: resolved.identity, scorer: built.service })
    }
    return {
      space: space.service,
      strategy,
      scorers,
      context: [{ role: "space", ...spaceRef.identity }, ...context] as ReadonlyArray<PluginPart>
    }
  })

/**
 * What `buildScoring` builds.
 *
 * @since 0.1.0
 */
export type BuiltScoring = Effect.Success<ReturnType<typeof buildScoring>>

/**
 * Whether a plugin role of a search step is one of its scorers (the primary `scorer`, `measure.*`).
 *
 * @since 0.1.0
 */
export const isScorerRole = (role: string): boolean => role === "scorer" || role.startsWith("measure.")

/**
 * Builds a prepared search step's services (`buildScoring`) and runs the step. When the run has
 * {@link ScoreEvaluator.RemoteJobs}, its score jobs are computed there (a cluster); otherwise in
 * this process.
 *
 * @since 0.1.0
 */
export const fromPlugins = (input: {
  readonly step: PreparedStep
  readonly key: string
  readonly fingerprint: string | null
  readonly dependencies: Services
  readonly scope: Scope.Scope
  /** The `load` step's loader, for a remote worker to open the same data set. */
  readonly loader: ResolvedPlugin
}): Effect.Effect<SearchResult, StepError | StoreError, Store.Store | Progress> =>
  Effect.gen(function* () {
    const { step } = input
    const built = yield* buildScoring({
      step: step.name,
      plugins: step.plugins,
      dependencies: input.dependencies,
      scope: input.scope
    })
    const remote = yield* Effect.serviceOption(ScoreEvaluator.RemoteJobs)
    const jobs = Option.isNone(remote)
      ? undefined
      : yield* remote.value
          .forStep({
            step: step.name,
            stepKey: input.key,
            fingerprint: input.fingerprint,
            loader: { kind: input.loader.plugin.kind, ...input.loader.identity },
            plugins: step.plugins
              .filter(({ role }) => role !== "strategy")
              .map(({ role, resolved }) => ({ role, kind: resolved.plugin.kind, ...resolved.identity })),
            context: built.context,
            scorers: built.scorers.map(({ identity }) => identity)
          })
          .pipe(Scope.provide(input.scope))
    return yield* run({
      step: step.name,
      key: input.key,
      seed: step.seed!,
      fingerprint: input.fingerprint,
      params: step.search!,
      space: built.space,
      strategy: built.strategy!,
      scorers: built.scorers,
      context: built.context,
      ...(jobs === undefined ? {} : { jobs })
    })
  })
