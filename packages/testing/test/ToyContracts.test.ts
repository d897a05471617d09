/**
 * The package's own fixtures meet the contracts they stand in for: the toy space is a SearchSpace,
 * the toy evaluator an Evaluator.
 */
import { Architecture, Evaluator } from "@spikernel/core"
import { Effect, Layer } from "effect"
import {
  evaluatorContract,
  searchSpaceContract,
  toyCandidates,
  toyEvaluatorLayer,
  toySearchSpaceLayer
} from "../src/index.ts"

searchSpaceContract("the toy space {1,3}", { layer: toySearchSpaceLayer(), id: "toy", size: 4 * 5 ** 5 })

searchSpaceContract("the toy space {1,3,5}", {
  layer: toySearchSpaceLayer([1, 3, 5]),
  id: "toy",
  size: 5 * 6 ** 5
})

evaluatorContract("the toy evaluator", {
  layer: toyEvaluatorLayer(),
  failures: [
    {
      name: "an evaluator that refuses every candidate",
      layer: Layer.succeed(Evaluator.Evaluator, {
        evaluate: (candidate) =>
          Effect.fail(
            new Evaluator.EvaluationError({
              index: candidate.index,
              architecture: Architecture.architectureLabel(candidate.architecture),
              reason: "refused"
            })
          )
      }),
      candidate: toyCandidates[0],
      error: "EvaluationError"
    }
  ]
})
