/**
 * `@spikernel/search`: search strategies (`random`, `regularized-evolution`, `exhaustive`), the
 * Evaluator middleware (dedup, budget, retry) and the loop that drives a strategy.
 *
 * Strategies never touch tensors: they propose architectures and observe records through the
 * Evaluator. Candidate i of strategy `id` draws only from the stream (seed, `search/<id>`, i).
 *
 * @since 0.1.0
 */
import { exhaustive } from "./Exhaustive.ts"
import { randomSearch } from "./RandomSearch.ts"
import { regularizedEvolution } from "./RegularizedEvolution.ts"

export * from "./CandidateDraws.ts"
export * from "./EvaluatorMiddleware.ts"
export * from "./Exhaustive.ts"
export * from "./RandomSearch.ts"
export * from "./RegularizedEvolution.ts"
export * from "./SearchLoop.ts"
export * from "./StrategyLayer.ts"

/**
 * Every strategy plugin of this package, for registries.
 *
 * @since 0.1.0
 */
export const plugins = [randomSearch, regularizedEvolution, exhaustive] as const
