/**
 * The search loop: propose through the strategy, evaluate through the Evaluator, observe, repeat,
 * until the strategy is done, the candidate limit is reached or the budget middleware says stop.
 *
 * The state after every observed candidate is handed to `onRecord`, so a caller can journal the
 * record and checkpoint the state (`Schema.encode(strategy.state)`) per candidate. A proposal round
 * cut short by BudgetExhausted is dropped whole and the state from before it is returned, so a
 * resumed search re-proposes exactly those candidates.
 *
 * @since 0.1.0
 */
import { type CandidateRecord, Evaluator, type SearchStrategy } from "@spikernel/core"
import { Effect } from "effect"

/**
 * The score a strategy observes: the named scorer's value, or the first score when none is named;
 * NaN when the record has no such score.
 *
 * @since 0.1.0
 */
export const primaryScore = (record: CandidateRecord.CandidateRecord, primary?: string): number => {
  const score = primary === undefined ? record.scores[0] : record.scores.find((s) => s.scorer === primary)
  return score === undefined ? Number.NaN : score.value
}

/**
 * @since 0.1.0
 */
export interface SearchOptions<S, E, R> {
  readonly strategy: SearchStrategy.Strategy<S, unknown>
  /** `strategy.init(seed)` for a new search, or a decoded checkpoint to resume. */
  readonly state: S
  /** The most candidates to evaluate in this call. */
  readonly maxCandidates: number
  /** The scorer id whose value the strategy maximises (default: each record's first score). */
  readonly primary?: string
  /** Candidates evaluated at once (default 1). Proposals do not depend on it. */
  readonly concurrency?: number
  /** Called with each record, in index order, and the state right after observing it. */
  readonly onRecord?: (record: CandidateRecord.CandidateRecord, state: S) => Effect.Effect<void, E, R>
}

/**
 * Why a search stopped: the strategy is done, the limit was reached, the budget ran out, or the
 * strategy proposed nothing while nothing was pending (it cannot continue).
 *
 * @since 0.1.0
 */
export type StopReason = "done" | "limit" | "budget" | "stalled"

/**
 * @since 0.1.0
 */
export interface SearchOutcome<S> {
  readonly state: S
  readonly records: ReadonlyArray<CandidateRecord.CandidateRecord>
  readonly stopped: StopReason
}

/**
 * Runs a strategy against the Evaluator in context.
 *
 * @since 0.1.0
 */
export const runSearch = <S, E = never, R = never>(
  options: SearchOptions<S, E, R>
): Effect.Effect<SearchOutcome<S>, Evaluator.EvaluationError | E, Evaluator.Evaluator | R> =>
  Effect.gen(function* () {
    const evaluator = yield* Evaluator.Evaluator
    const { strategy } = options
    const concurrency = Math.max(1, options.concurrency ?? 1)
    let state = options.state
    const records: Array<CandidateRecord.CandidateRecord> = []
    while (records.length < options.maxCandidates) {
      if (strategy.done(state)) return { state, records, stopped: "done" as const }
      const round = strategy.propose(state, Math.min(concurrency, options.maxCandidates - records.length))
      if (round.candidates.length === 0) {
        return {
          state: round.state,
          records,
          stopped: strategy.done(round.state) ? "done" : "stalled"
        } as const
      }
      const results = yield* Effect.forEach(
        round.candidates,
        (candidate) =>
          evaluator.evaluate(candidate).pipe(
            Effect.map((record) => ({ record }) as const),
            Effect.catchTag("BudgetExhausted", () => Effect.succeed({ record: undefined }))
          ),
        { concurrency }
      )
      if (results.some((r) => r.record === undefined)) return { state, records, stopped: "budget" as const }
      state = round.state
      for (const { record } of results) {
        if (record === undefined) continue
        state = strategy.observe(state, record, primaryScore(record, options.primary))
        records.push(record)
        if (options.onRecord !== undefined) yield* options.onRecord(record, state)
      }
    }
    return { state, records, stopped: "limit" as const }
  })
