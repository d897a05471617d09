/**
 * The Evaluator middleware against the Evaluator contract of `@spikernel/testing`, each over the toy
 * evaluator (and, for retry, over one that fails each candidate's first attempt): dedup, budget,
 * retry and the three stacked.
 */
import { Architecture, Evaluator, type SearchSpace } from "@spikernel/core"
import {
  evaluatorContract,
  toyCandidates,
  toyEvaluator,
  toyEvaluatorLayer,
  toySearchSpaceLayer
} from "@spikernel/testing"
import { Effect, Layer } from "effect"
import { budgetLayer, dedupLayer, retryLayer } from "../src/EvaluatorMiddleware.ts"

const refusal = (candidate: Evaluator.Candidate, reason: string) =>
  new Evaluator.EvaluationError({
    index: candidate.index,
    architecture: Architecture.architectureLabel(candidate.architecture),
    reason
  })

/** The toy evaluator, except that the first `failures` attempts at each index fail. */
const flaky = (failures: number): Layer.Layer<Evaluator.Evaluator> =>
  Layer.sync(Evaluator.Evaluator, () => {
    const inner = toyEvaluator()
    const attempts = new Map<number, number>()
    return {
      evaluate: (candidate) =>
        Effect.suspend(() => {
          const attempt = attempts.get(candidate.index) ?? 0
          attempts.set(candidate.index, attempt + 1)
          return attempt < failures
            ? Effect.fail(refusal(candidate, `attempt ${attempt} failed`))
            : inner.evaluate(candidate)
        })
    }
  })

const over = <R>(
  middleware: Layer.Layer<Evaluator.Evaluator, never, Evaluator.Evaluator | R>,
  inner: Layer.Layer<Evaluator.Evaluator> = toyEvaluatorLayer()
) => middleware.pipe(Layer.provide(inner))

const space: Layer.Layer<SearchSpace.SearchSpace> = toySearchSpaceLayer()

evaluatorContract("dedup over the toy evaluator", {
  layer: over(dedupLayer).pipe(Layer.provide(space))
})

evaluatorContract("budget over the toy evaluator", {
  layer: over(budgetLayer({ budget: 2000 })),
  failures: [
    {
      name: "a spent budget",
      layer: over(budgetLayer({ budget: 0 })),
      candidate: toyCandidates[0],
      error: "BudgetExhausted"
    },
    {
      name: "a candidate whose index is past the budget",
      layer: over(budgetLayer({ budget: toyCandidates[1].index })),
      candidate: toyCandidates[1],
      error: "BudgetExhausted"
    }
  ]
})

evaluatorContract("retry (2) over an evaluator that fails each candidate's first two attempts", {
  layer: over(retryLayer({ times: 2 }), flaky(2)),
  failures: [
    {
      name: "a candidate that fails more often than it is retried",
      layer: over(retryLayer({ times: 2 }), flaky(3)),
      candidate: toyCandidates[2],
      error: "EvaluationError"
    }
  ]
})

evaluatorContract("budget ∘ dedup ∘ retry over a flaky evaluator", {
  layer: budgetLayer({ budget: 2000 }).pipe(
    Layer.provide(dedupLayer),
    Layer.provide(retryLayer({ times: 1 })),
    Layer.provide(flaky(1)),
    Layer.provide(space)
  ),
  failures: [
    {
      name: "the stack with a spent budget",
      layer: budgetLayer({ budget: 0 }).pipe(
        Layer.provide(dedupLayer),
        Layer.provide(retryLayer({ times: 1 })),
        Layer.provide(flaky(1)),
        Layer.provide(space)
      ),
      candidate: toyCandidates[0],
      error: "BudgetExhausted"
    }
  ]
})
