/**
 * The search loop — the one engine every search runs on: the strategy proposes, the Evaluator (with
 * its middleware: the store-backed score cache, dedup, budget, retry) evaluates with bounded
 * concurrency, and every record is observed in index order.
 *
 * Determinism under concurrency: candidates are observed strictly in index order, and the strategy
 * is asked for proposals only at fixed points (at the start, and after each in-order observation, to
 * refill up to `concurrency` candidates in flight). Completion order never reaches the strategy, so
 * the calls it sees — and everything it proposes — are the same on every run, interrupted or not,
 * whichever worker computed a candidate.
 *
 * The loop ends when the strategy is done, when the Evaluator refuses the candidate at the head with
 * BudgetExhausted (the budget middleware refuses every index from the budget on), or when the
 * strategy proposes nothing while nothing is in flight.
 *
 * Resume: the caller hands back a {@link Position} (the strategy state after `observed` in-order
 * observations, and the candidates then in flight); the loop relaunches those first. Interruption:
 * candidates in flight are uninterruptible, so the loop stops after they finish (their scores are
 * journaled by the cache), then `onInterrupt` gets the last position.
 *
 * @since 0.1.0
 */
import type {
  Architecture,
  ArchitectureError,
  CandidateRecord,
  Evaluator,
  SearchStrategy
} from "@spikernel/core"
import { Effect, Fiber, Schema } from "effect"

/**
 * Where a search stands: the strategy state after `observed` in-order observations, the candidates
 * proposed but not yet observed, and the best primary score so far.
 *
 * @since 0.1.0
 */
export interface Position<S> {
  readonly state: S
  readonly observed: number
  readonly pending: ReadonlyArray<Evaluator.Candidate>
  readonly best: number | undefined
}

/**
 * A fresh search's position.
 *
 * @since 0.1.0
 */
export const start = <S>(strategy: SearchStrategy.Strategy<S, unknown>, seed: number): Position<S> => ({
  state: strategy.init(seed),
  observed: 0,
  pending: [],
  best: undefined
})

/**
 * A strategy that broke its contract (more candidates than asked for, indices out of order) or
 * proposed a cell outside its space.
 *
 * @since 0.1.0
 */
export class SearchLoopError extends Schema.TaggedError<SearchLoopError>()("SearchLoopError", {
  strategy: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `strategy ${this.strategy}: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 */
export type StopReason = "done" | "budget" | "stalled"

/**
 * @since 0.1.0
 */
export interface SearchLoopOptions<S, E, R> {
  readonly strategy: SearchStrategy.Strategy<S, unknown>
  readonly from: Position<S>
  readonly evaluator: Evaluator.Evaluator["Service"]
  /** Candidates evaluated at once (≥ 1). Proposals do not depend on it for a non-adaptive strategy. */
  readonly concurrency: number
  /** Checks (and may normalise) each proposed architecture before it is evaluated. */
  readonly validate?: (
    architecture: Architecture.Architecture
  ) => Effect.Effect<Architecture.Architecture, ArchitectureError>
  /** Called with each record, in index order, and the position right after observing it. */
  readonly onObserved?: (
    record: CandidateRecord.CandidateRecord,
    position: Position<S>
  ) => Effect.Effect<void, E, R>
  /** Called once the candidates in flight have finished after an interruption. */
  readonly onInterrupt?: (position: Position<S>) => Effect.Effect<void>
  /**
   * What an interruption does to the candidates in flight: `finish` them (the default: their scores
   * are computed here and journaled), or `abandon` them — for an evaluator whose jobs are durable
   * elsewhere (a cluster's message storage), where a resumed run gets their results and waiting
   * would hang a stopped run on workers that may not be there.
   */
  readonly inFlight?: "finish" | "abandon"
}

/**
 * The value a strategy observes and the best-so-far tracks: the record's first (primary) score,
 * NaN when it has none, −Infinity for a candidate rejected before scoring (over a memory budget:
 * the worst a strategy can see, so it moves away from it).
 *
 * @since 0.1.0
 */
export const primaryScore = (record: CandidateRecord.CandidateRecord): number =>
  record.rejected !== undefined ? Number.NEGATIVE_INFINITY : (record.scores[0]?.value ?? Number.NaN)

const better = (best: number | undefined, value: number): number | undefined =>
  Number.isNaN(value) ? best : best === undefined || value > best ? value : best

/**
 * Runs (or resumes) a search; the outcome is the last position and why it stopped.
 *
 * @since 0.1.0
 */
export const run = <S, E = never, R = never>(
  options: SearchLoopOptions<S, E, R>
): Effect.Effect<
  { readonly position: Position<S>; readonly stopped: StopReason },
  SearchLoopError | Evaluator.EvaluationError | ArchitectureError | E,
  R
> =>
  Effect.gen(function* () {
    const { strategy, evaluator } = options
    const concurrency = Math.max(1, options.concurrency)
    const contract = (reason: string) => new SearchLoopError({ strategy: strategy.id, reason })
    let { state, observed, best } = options.from
    const pending: Array<Evaluator.Candidate> = [...options.from.pending]
    let proposed = observed + pending.length
    let position: Position<S> = options.from
    const fibers = new Map<
      number,
      Fiber.Fiber<CandidateRecord.CandidateRecord, Evaluator.EvaluationError | Evaluator.BudgetExhausted>
    >()
    const launch = (candidate: Evaluator.Candidate) =>
      Effect.map(
        Effect.forkChild(evaluator.evaluate(candidate), {
          startImmediately: true,
          uninterruptible: options.inFlight !== "abandon"
        }),
        (fiber) => void fibers.set(candidate.index, fiber)
      )

    const loop = Effect.gen(function* () {
      for (const candidate of pending) yield* launch(candidate)
      for (;;) {
        while (pending.length < concurrency && !strategy.done(state)) {
          const want = concurrency - pending.length
          const proposal = strategy.propose(state, want)
          state = proposal.state
          if (proposal.candidates.length === 0) break
          if (proposal.candidates.length > want) {
            return yield* contract(`proposed ${proposal.candidates.length} candidates when asked for ${want}`)
          }
          for (const candidate of proposal.candidates) {
            if (candidate.index !== proposed) {
              return yield* contract(`proposed candidate index ${candidate.index}, expected ${proposed}`)
            }
            const architecture =
              options.validate === undefined
                ? candidate.architecture
                : yield* options.validate(candidate.architecture)
            const valid = { index: candidate.index, architecture }
            pending.push(valid)
            proposed++
            yield* launch(valid)
          }
        }
        const next = pending[0]
        if (next === undefined) return strategy.done(state) ? ("done" as const) : ("stalled" as const)
        const record = yield* Fiber.join(fibers.get(next.index)!).pipe(
          Effect.catchTag("BudgetExhausted", () => Effect.succeed(undefined))
        )
        fibers.delete(next.index)
        if (record === undefined) return "budget" as const
        pending.shift()
        const score = primaryScore(record)
        state = strategy.observe(state, record, score)
        observed++
        if (record.rejected === undefined) best = better(best, score)
        position = { state, observed, pending: [...pending], best }
        if (options.onObserved !== undefined) yield* options.onObserved(record, position)
      }
    })
    const stopped = yield* loop.pipe(
      Effect.onInterrupt(() =>
        Effect.andThen(
          options.inFlight === "abandon"
            ? Fiber.interruptAll([...fibers.values()])
            : Fiber.awaitAll([...fibers.values()]),
          options.onInterrupt === undefined ? Effect.void : options.onInterrupt(position)
        )
      ),
      // A budget stop or a failure leaves later candidates in flight (refused or computing): wait for
      // them, so nothing runs on after the loop has answered.
      Effect.ensuring(Effect.suspend(() => Fiber.awaitAll([...fibers.values()])))
    )
    return { position, stopped }
  })
