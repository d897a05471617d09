/**
 * Runs a search step: the strategy proposes, the Evaluator scores with bounded concurrency, and each
 * observed candidate is journaled as it is observed.
 *
 * Determinism under concurrency: candidates are observed strictly in index order, and the strategy
 * is asked for proposals only at fixed points (after each in-order observation, to refill up to
 * `concurrency` candidates in flight). Completion order never reaches the strategy, so the calls it
 * sees — and everything it proposes — are the same on every run, interrupted or not.
 *
 * Resume: the strategy state (Schema-encoded) is checkpointed every `checkpointEvery` observations
 * and when the run is interrupted, with the candidates then in flight. A resumed run restores it and
 * continues exactly; candidates whose score was journaled before the interruption come back from
 * the store. If records before the checkpoint are missing (a corrupt journal line), the search
 * replays from the start: the strategy is deterministic and every score is cached, so replaying
 * costs only the missing work.
 *
 * Interruption (Ctrl-C): candidates in flight are uninterruptible, so the run stops after they are
 * scored and journaled, then saves the checkpoint.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  CandidateRecord,
  type Evaluator,
  Numbers,
  type SearchSpace,
  type SearchStrategy
} from "@spikernel/core"
import { Clock, Effect, Fiber, Option, Schema } from "effect"
import type { SearchParams } from "./Prepare.ts"
import { Progress } from "./Progress.ts"
import { StepError } from "./StepError.ts"
import type { SearchResult } from "./StepOutput.ts"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"

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
 * What a search run needs, its services built.
 *
 * @since 0.1.0
 */
export interface SearchRunInput {
  readonly step: string
  readonly key: string
  readonly seed: number
  readonly params: SearchParams
  /** The primary scorer's identity, recorded in the result. */
  readonly scorer: string
  readonly space: SearchSpace.SearchSpace["Service"]
  readonly strategy: SearchStrategy.SearchStrategy["Service"]
  readonly evaluator: Evaluator.Evaluator["Service"]
}

interface Position {
  readonly state: unknown
  readonly observed: number
  readonly pending: ReadonlyArray<Evaluator.Candidate>
  readonly best: number | undefined
}

const primaryScore = (record: CandidateRecord.CandidateRecord): number =>
  record.scores[0]?.value ?? Number.NaN

const better = (best: number | undefined, value: number): number | undefined =>
  Number.isNaN(value) ? best : best === undefined || value > best ? value : best

/**
 * Runs (or resumes) a search step and returns its result.
 *
 * @since 0.1.0
 */
export const runSearch = (
  input: SearchRunInput
): Effect.Effect<SearchResult, StepError | StoreError, Store.Store | Progress> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const progress = yield* Progress
    const { strategy, space, evaluator, key, params } = input
    const stepError = (reason: string) => new StepError({ step: input.step, reason })
    const encodeState = Schema.encodeUnknownSync(strategy.state)
    const records = new Map<number, CandidateRecord.CandidateRecord>()

    const fresh = (): Position => ({
      state: strategy.init(input.seed),
      observed: 0,
      pending: [],
      best: undefined
    })

    const checkpoint = (position: Position) =>
      Store.putValue(SearchCheckpoint, StoreLayout.checkpointEntry(key), "checkpoint", {
        observed: position.observed,
        state: encodeState(position.state) as Schema.Json,
        pending: position.pending,
        best: position.best ?? null
      })

    const resumePoint: Effect.Effect<Position, StoreError, Store.Store> = Effect.gen(function* () {
      const saved = yield* Store.getValue(SearchCheckpoint, StoreLayout.checkpointEntry(key))
      if (Option.isNone(saved)) return fresh()
      for (let i = 0; i < saved.value.observed; i++) {
        if (Option.isNone(store.entry(StoreLayout.recordEntry(key, i)))) {
          yield* store.report(
            `step "${input.step}": candidate ${i} of the checkpoint at ${saved.value.observed} is missing; replaying the search from the start (scores come from the store)`
          )
          return fresh()
        }
      }
      const state = Schema.decodeUnknownExit(strategy.state)(saved.value.state)
      if (state._tag === "Failure") {
        yield* store.report(
          `step "${input.step}": the strategy checkpoint does not decode; replaying from the start`
        )
        return fresh()
      }
      return {
        state: state.value,
        observed: saved.value.observed,
        pending: saved.value.pending,
        best: saved.value.best ?? undefined
      }
    })

    const search = (start: Position) =>
      Effect.gen(function* () {
        let { state, observed, best } = start
        const pending: Array<Evaluator.Candidate> = [...start.pending]
        let proposed = observed + pending.length
        const fibers = new Map<number, Fiber.Fiber<CandidateRecord.CandidateRecord, unknown>>()
        let position: Position = start
        const startedAt = yield* Clock.currentTimeMillis
        const launch = (candidate: Evaluator.Candidate) =>
          Effect.map(
            Effect.forkChild(evaluator.evaluate(candidate), {
              startImmediately: true,
              uninterruptible: true
            }),
            (fiber) => void fibers.set(candidate.index, fiber)
          )
        const loop = Effect.gen(function* () {
          for (const candidate of pending) yield* launch(candidate)
          for (;;) {
            while (pending.length < params.concurrency && proposed < params.budget && !strategy.done(state)) {
              const want = Math.min(params.concurrency - pending.length, params.budget - proposed)
              const proposal = strategy.propose(state, want)
              state = proposal.state
              if (proposal.candidates.length === 0) break
              if (proposal.candidates.length > want) {
                return yield* stepError(
                  `strategy ${strategy.id} proposed ${proposal.candidates.length} candidates when asked for ${want}`
                )
              }
              for (const candidate of proposal.candidates) {
                if (candidate.index !== proposed) {
                  return yield* stepError(
                    `strategy ${strategy.id} proposed candidate index ${candidate.index}, expected ${proposed}`
                  )
                }
                const architecture = yield* space
                  .validate(candidate.architecture)
                  .pipe(
                    Effect.mapError((error) => stepError(`candidate ${candidate.index}: ${error.message}`))
                  )
                const valid = { index: candidate.index, architecture }
                pending.push(valid)
                proposed++
                yield* launch(valid)
              }
            }
            const next = pending[0]
            if (next === undefined) return
            const record = yield* Fiber.join(fibers.get(next.index)!).pipe(
              Effect.mapError((error) => stepError((error as Error).message))
            )
            fibers.delete(next.index)
            pending.shift()
            const score = primaryScore(record)
            state = strategy.observe(state, record, score)
            observed++
            best = better(best, score)
            records.set(record.index, record)
            yield* Store.putValue(
              CandidateRecord.CandidateRecord,
              StoreLayout.recordEntry(key, record.index),
              "record",
              record
            )
            position = { state, observed, pending: [...pending], best }
            if (observed % params.checkpointEvery === 0) yield* checkpoint(position)
            const elapsed = ((yield* Clock.currentTimeMillis) - startedAt) / 1000
            const rate = elapsed > 0 ? (observed - start.observed) / elapsed : undefined
            yield* progress.update({
              step: input.step,
              kind: "search",
              done: observed,
              total: params.budget,
              ratePerSecond: rate,
              etaSeconds: rate !== undefined && rate > 0 ? (params.budget - observed) / rate : undefined,
              best
            })
          }
        })
        yield* loop.pipe(
          Effect.onInterrupt(() =>
            // The candidates in flight finish (they are uninterruptible) and are journaled; then the
            // strategy's position is saved so the next run continues from here.
            Effect.andThen(Fiber.awaitAll([...fibers.values()]), checkpoint(position).pipe(Effect.ignore))
          )
        )
        return observed
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
      count = yield* search(fresh())
      result = yield* collect(count)
      if (result === undefined) return yield* stepError("candidate records vanished while the search ran")
    }
    return { scorer: input.scorer, budget: params.budget, records: result }
  })
