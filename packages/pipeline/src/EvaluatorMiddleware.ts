/**
 * Evaluator middleware (DESIGN.md §2): budget, dedup and retry wrap the Evaluator, so strategies
 * stay pure proposers and every strategy gets the same behaviour. A search step's Evaluator is
 *
 * ```
 * withBudget(withDedup(withMemoryBudget(withRetry(scoring evaluator))))
 * ```
 *
 * over the scoring evaluator whose every score goes through the store-backed cache
 * (`ScoreEvaluator.ts`); `withMemoryBudget` is there only when the step states a memory budget. Each middleware is a function over the service and a Layer that provides an
 * Evaluator on top of the Evaluator below it.
 *
 * @since 0.1.0
 */
import { Architecture, type CandidateRecord, DeploymentMemory, Evaluator, SearchSpace } from "@spikernel/core"
import { Deferred, Effect, Exit, Layer } from "effect"

type EvaluatorService = Evaluator.Evaluator["Service"]

/**
 * @since 0.1.0
 */
export interface DedupOptions {
  /** The key two candidates share when they compute the same function (the canonical label). */
  readonly key: (architecture: Architecture.Architecture) => string
}

/**
 * Evaluates each key once per evaluator: a repeat — also one proposed while the first is still in
 * flight — waits for the first and gets its record under its own index and architecture, marked
 * `cached` with 0 seconds. The first to start computes; the search loop starts candidates in index
 * order, so that is the lowest index. A failure is not remembered: a later repeat tries again.
 *
 * @since 0.1.0
 */
export const withDedup = (inner: EvaluatorService, options: DedupOptions): EvaluatorService => {
  const flights = new Map<
    string,
    Deferred.Deferred<CandidateRecord.CandidateRecord, Evaluator.EvaluationError | Evaluator.BudgetExhausted>
  >()
  return Evaluator.Evaluator.of({
    evaluate: (candidate) =>
      Effect.suspend(() => {
        const key = options.key(candidate.architecture)
        const first = flights.get(key)
        if (first !== undefined) {
          return Effect.map(Deferred.await(first), (record) => ({
            ...record,
            index: candidate.index,
            architecture: candidate.architecture,
            seconds: 0,
            cached: true
          }))
        }
        const flight = Deferred.makeUnsafe<
          CandidateRecord.CandidateRecord,
          Evaluator.EvaluationError | Evaluator.BudgetExhausted
        >()
        flights.set(key, flight)
        return Effect.flatMap(Effect.exit(inner.evaluate(candidate)), (exit) => {
          if (Exit.isFailure(exit)) flights.delete(key)
          return Effect.andThen(Deferred.done(flight, exit), exit)
        })
      })
  })
}

/**
 * Dedup keyed by the space's canonical form (the pruned matrix with its cell type and kernels).
 *
 * @since 0.1.0
 */
export const dedupLayer: Layer.Layer<
  Evaluator.Evaluator,
  never,
  Evaluator.Evaluator | SearchSpace.SearchSpace
> = Layer.effect(
  Evaluator.Evaluator,
  Effect.gen(function* () {
    const inner = yield* Evaluator.Evaluator
    const space = yield* SearchSpace.SearchSpace
    return withDedup(inner, {
      key: (architecture) => Architecture.architectureLabel(space.canonical(architecture))
    })
  })
)

/**
 * Passes on candidates 0 … budget − 1 and refuses every later index with BudgetExhausted, before
 * anything is computed. Keyed by the proposal index rather than a running count, so a resumed search
 * (which relaunches its candidates in flight) and a retried candidate spend nothing twice.
 *
 * @since 0.1.0
 */
export const withBudget = (inner: EvaluatorService, options: { readonly budget: number }): EvaluatorService =>
  Evaluator.Evaluator.of({
    evaluate: (candidate) =>
      candidate.index >= options.budget
        ? Effect.fail(new Evaluator.BudgetExhausted({ budget: options.budget }))
        : inner.evaluate(candidate)
  })

/**
 * @since 0.1.0
 */
export const budgetLayer = (options: {
  readonly budget: number
}): Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator> =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.map(Effect.service(Evaluator.Evaluator), (inner) => withBudget(inner, options))
  )

/**
 * Retries a candidate whose evaluation failed (EvaluationError) up to `times` more times; a spent
 * budget and a memory refusal (which would refuse again) are never retried.
 *
 * @since 0.1.0
 */
export const withRetry = (inner: EvaluatorService, options: { readonly times: number }): EvaluatorService =>
  options.times <= 0
    ? inner
    : Evaluator.Evaluator.of({
        evaluate: (candidate) =>
          inner.evaluate(candidate).pipe(
            Effect.retry({
              times: options.times,
              while: (error) => error._tag === "EvaluationError" && error.memory === undefined
            })
          )
      })

/**
 * @since 0.1.0
 */
export const retryLayer = (options: {
  readonly times: number
}): Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator> =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.map(Effect.service(Evaluator.Evaluator), (inner) => withRetry(inner, options))
  )

/**
 * A search's memory budget: the memory on a device at `weightBits` (core's `DeploymentMemory`
 * total) must be at most `maxBytes`.
 *
 * @since 0.1.0
 */
export interface MemoryLimit {
  readonly maxBytes: number
  readonly weightBits: DeploymentMemory.WeightBits
}

/**
 * @since 0.1.0
 */
export interface MemoryBudgetOptions {
  readonly limit: MemoryLimit
  /**
   * The candidate measured without being scored: a record whose `memory` comes from a cheap measure
   * (the `memory` scorer: layer shapes, no tensors), its only score.
   */
  readonly measure: (
    candidate: Evaluator.Candidate
  ) => Effect.Effect<CandidateRecord.CandidateRecord, Evaluator.EvaluationError | Evaluator.BudgetExhausted>
}

/**
 * Why a measured memory is over a limit, or undefined when it fits (inclusive: "≤ the budget").
 *
 * @since 0.1.0
 */
export const overLimit = (
  limit: MemoryLimit,
  memory: DeploymentMemory.DeploymentMemory
): string | undefined => {
  const bytes = DeploymentMemory.at(memory, limit.weightBits).total
  return bytes <= limit.maxBytes
    ? undefined
    : `${bytes.toLocaleString("en-US")} bytes on a device at ${limit.weightBits} bits, over the memory budget of ${limit.maxBytes.toLocaleString("en-US")}`
}

/**
 * Rejects a candidate whose memory at the budget's bit-width is over it before the evaluator below
 * is asked for it: the candidate is measured (a pure function of its layer shapes), and one over the
 * budget comes back as a record with `rejected.reason`, no scores, its params, bytes and memory, so
 * the search keeps it (journaled, observed as −Infinity) rather than dropping it. A candidate within
 * the budget is evaluated as usual. Deterministic: the verdict depends on the architecture alone.
 *
 * @since 0.1.0
 */
export const withMemoryBudget = (inner: EvaluatorService, options: MemoryBudgetOptions): EvaluatorService =>
  Evaluator.Evaluator.of({
    evaluate: (candidate) =>
      Effect.flatMap(options.measure(candidate), (measured) => {
        if (measured.memory === undefined) {
          return Effect.fail(
            new Evaluator.EvaluationError({
              index: candidate.index,
              architecture: Architecture.architectureLabel(candidate.architecture),
              reason:
                "the memory budget's measure reported no memory on a device (the `memory` scorer reports it from version 2)"
            })
          )
        }
        const reason = overLimit(options.limit, measured.memory)
        return reason === undefined
          ? inner.evaluate(candidate)
          : Effect.succeed({ ...measured, scores: [], rejected: { reason } })
      })
  })
