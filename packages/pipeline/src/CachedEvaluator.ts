/**
 * The Evaluator of a search step: scores a candidate's canonical architecture with each scorer,
 * reusing any score already in the store under its key, and journals each new score before
 * returning (the unit of durability is one candidate).
 *
 * Two candidates of one search that meet the same canonical architecture while both are in flight
 * share one computation: the first to start (the lower index, as the runner starts candidates in
 * index order) computes, the other waits. Each score remembers which step and candidate computed it,
 * so a record's `cached` flag and `seconds` are the same whether the search ran straight through or
 * was interrupted and resumed.
 *
 * @since 0.1.0
 */
import { Architecture, CandidateRecord, Evaluator, type Scorer, type SearchSpace } from "@spikernel/core"
import { Clock, Deferred, Effect, Option, Schema } from "effect"
import { architectureStream, keyVersion, type PluginPart, scoreKey } from "./CacheKey.ts"
import * as Store from "./Store.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * A stored score and its provenance.
 *
 * @since 0.1.0
 */
export const ScoreEntry = Schema.Struct({
  score: CandidateRecord.ScoreResult,
  /** Wall seconds the computation took. */
  seconds: Schema.Finite,
  computedBy: Schema.Struct({ step: Schema.String, index: Schema.Int })
})

/**
 * @since 0.1.0
 */
export type ScoreEntry = typeof ScoreEntry.Type

/**
 * What the evaluator of one search step is built from.
 *
 * @since 0.1.0
 */
export interface EvaluatorInput {
  /** The search step's key, recorded as the provenance of the scores it computes. */
  readonly stepKey: string
  readonly seed: number
  readonly fingerprint: string | null
  readonly space: SearchSpace.SearchSpace["Service"]
  /** Scorers with their identities, the primary first. */
  readonly scorers: ReadonlyArray<{ readonly identity: string; readonly scorer: Scorer.Scorer["Service"] }>
  /** Identities of what the scorers are built with (space, encoder, neuron). */
  readonly context: ReadonlyArray<PluginPart>
}

const integerDetail = (scores: ReadonlyArray<CandidateRecord.ScoreResult>, name: string): number => {
  for (const score of scores) {
    const value = score.details[name]
    if (value !== undefined && Number.isSafeInteger(value)) return value
  }
  return 0
}

/**
 * An Evaluator over the store. `params` and `bytes` of a record come from the first score whose
 * details carry `params` / `bytes` (the `params` and `memory` scorers), 0 otherwise.
 *
 * @since 0.1.0
 */
export const make = (
  input: EvaluatorInput
): Effect.Effect<Evaluator.Evaluator["Service"], never, Store.Store> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const flights = new Map<string, Deferred.Deferred<ScoreEntry, Evaluator.EvaluationError>>()

    const evaluate = (candidate: Evaluator.Candidate) =>
      Effect.suspend(() => {
        // Synchronous prefix: keys and single-flight registration happen in the order candidates
        // are started, which the runner makes the index order.
        const canonicalArch = input.space.canonical(candidate.architecture)
        const label = Architecture.architectureLabel(canonicalArch)
        const stream = architectureStream(label)
        const failure = (reason: string) =>
          new Evaluator.EvaluationError({
            index: candidate.index,
            architecture: Architecture.architectureLabel(candidate.architecture),
            reason
          })
        const jobs = input.scorers.map(({ identity, scorer }) => {
          const key = scoreKey({
            v: keyVersion,
            kind: "score",
            scorer: identity,
            context: input.context,
            architecture: label,
            fingerprint: input.fingerprint,
            seed: input.seed,
            stream
          })
          const existing = flights.get(key)
          if (existing !== undefined) return Deferred.await(existing)
          const flight = Deferred.makeUnsafe<ScoreEntry, Evaluator.EvaluationError>()
          flights.set(key, flight)
          const compute = Effect.gen(function* () {
            const stored = yield* Store.getValue(ScoreEntry, StoreLayout.scoreEntry(key))
            if (Option.isSome(stored)) return stored.value
            const started = yield* Clock.currentTimeMillis
            const score = yield* scorer
              .score(canonicalArch, { seed: input.seed, index: stream })
              .pipe(Effect.mapError((error) => failure(error.message)))
            const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
            const entry: ScoreEntry = {
              score,
              seconds,
              computedBy: { step: input.stepKey, index: candidate.index }
            }
            yield* Store.putValue(ScoreEntry, StoreLayout.scoreEntry(key), "score", entry)
            return entry
          }).pipe(
            Effect.mapError((error) => (error._tag === "StoreError" ? failure(error.message) : error)),
            Effect.provideService(Store.Store, store)
          )
          return Effect.flatMap(Effect.exit(compute), (exit) =>
            Effect.andThen(Deferred.done(flight, exit), exit)
          )
        })
        return Effect.map(Effect.all(jobs), (entries): CandidateRecord.CandidateRecord => {
          const mine = entries.map(
            (entry) => entry.computedBy.step === input.stepKey && entry.computedBy.index === candidate.index
          )
          const scores = entries.map((entry) => entry.score)
          return {
            index: candidate.index,
            architecture: candidate.architecture,
            canonical: Architecture.formatArchitecture(canonicalArch),
            scores,
            params: integerDetail(scores, "params"),
            bytes: integerDetail(scores, "bytes"),
            seconds: entries.reduce((sum, entry, i) => sum + (mine[i] ? entry.seconds : 0), 0),
            cached: !mine.some((m) => m)
          }
        })
      })

    return Evaluator.Evaluator.of({ evaluate })
  })
