/**
 * Evaluator middleware: dedup, budget and retry wrap the Evaluator (DESIGN.md §2), so strategies
 * stay pure proposers and every strategy gets the same behaviour.
 *
 * Each comes as a function over the service (`withDedup`, …) and as a Layer that provides an
 * Evaluator on top of the Evaluator below it (`dedupLayer`, …), composed with `Layer.provide`:
 * `budgetLayer({ budget: 1000 }).pipe(Layer.provide(dedupLayer()), Layer.provide(inner))` counts
 * every candidate; with dedup outermost, repeats are free.
 *
 * @since 0.1.0
 */
import { Architecture, type CandidateRecord, Evaluator, SearchSpace } from "@spikernel/core"
import { Effect, Layer } from "effect"

type EvaluatorService = Evaluator.Evaluator["Service"]

/**
 * @since 0.1.0
 */
export interface DedupOptions {
  /** The key two candidates share when they compute the same function. */
  readonly key: (architecture: Architecture.Architecture) => string
  /** Records already known (e.g. from a store, on resume). */
  readonly known?: ReadonlyArray<CandidateRecord.CandidateRecord>
}

/**
 * Evaluates each key once; a repeat gets the first record under its own index and architecture,
 * marked `cached` with 0 seconds.
 *
 * @since 0.1.0
 */
export const withDedup = (inner: EvaluatorService, options: DedupOptions): Effect.Effect<EvaluatorService> =>
  Effect.sync(() => {
    const records = new Map<string, CandidateRecord.CandidateRecord>()
    for (const record of options.known ?? []) records.set(options.key(record.architecture), record)
    return Evaluator.Evaluator.of({
      evaluate: (candidate) =>
        Effect.suspend(() => {
          const key = options.key(candidate.architecture)
          const hit = records.get(key)
          if (hit !== undefined) {
            return Effect.succeed({
              ...hit,
              index: candidate.index,
              architecture: candidate.architecture,
              seconds: 0,
              cached: true
            })
          }
          return inner
            .evaluate(candidate)
            .pipe(Effect.tap((record) => Effect.sync(() => records.set(key, record))))
        })
    })
  })

/**
 * Dedup keyed by the space's canonical form (the pruned matrix with its cell type and kernels).
 *
 * @since 0.1.0
 */
export const dedupLayer = (
  known: ReadonlyArray<CandidateRecord.CandidateRecord> = []
): Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator | SearchSpace.SearchSpace> =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.gen(function* () {
      const inner = yield* Evaluator.Evaluator
      const space = yield* SearchSpace.SearchSpace
      return yield* withDedup(inner, {
        key: (architecture) => Architecture.architectureLabel(space.canonical(architecture)),
        known
      })
    })
  )

/**
 * @since 0.1.0
 */
export interface BudgetOptions {
  /** The most evaluations this evaluator passes on. */
  readonly budget: number
  /** Evaluations already spent (on resume). */
  readonly spent?: number
}

/**
 * Passes on at most `budget` evaluations, then fails every call with BudgetExhausted. An attempt
 * counts when it starts, whether or not it succeeds: its cost is spent either way.
 *
 * @since 0.1.0
 */
export const withBudget = (
  inner: EvaluatorService,
  options: BudgetOptions
): Effect.Effect<EvaluatorService> =>
  Effect.sync(() => {
    let spent = options.spent ?? 0
    return Evaluator.Evaluator.of({
      evaluate: (candidate) =>
        Effect.suspend(() => {
          if (spent >= options.budget)
            return Effect.fail(new Evaluator.BudgetExhausted({ budget: options.budget }))
          spent++
          return inner.evaluate(candidate)
        })
    })
  })

/**
 * @since 0.1.0
 */
export const budgetLayer = (
  options: BudgetOptions
): Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator> =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.flatMap(Evaluator.Evaluator, (inner) => withBudget(inner, options))
  )

/**
 * Retries a candidate whose evaluation failed (EvaluationError) up to `times` more times; a spent
 * budget is never retried.
 *
 * @since 0.1.0
 */
export const withRetry = (inner: EvaluatorService, options: { readonly times: number }): EvaluatorService =>
  Evaluator.Evaluator.of({
    evaluate: (candidate) =>
      inner
        .evaluate(candidate)
        .pipe(Effect.retry({ times: options.times, while: (error) => error._tag === "EvaluationError" }))
  })

/**
 * @since 0.1.0
 */
export const retryLayer = (options: {
  readonly times: number
}): Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator> =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.map(Evaluator.Evaluator, (inner) => withRetry(inner, options))
  )
