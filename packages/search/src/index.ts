/**
 * `@spikernel/search`: search strategies (`random`, `regularized-evolution`, `exhaustive`) and the
 * parts strategies share. The loop that drives a strategy and the Evaluator middleware are the
 * pipeline engine's (`@spikernel/pipeline`: SearchLoop, EvaluatorMiddleware).
 *
 * Strategies never touch tensors: they propose architectures and observe records through the
 * Evaluator. Candidate i of strategy `id` draws only from the stream (seed, `search/<id>`, i).
 *
 * @since 0.1.0
 */
import { exhaustive } from "./Exhaustive.ts"
import { nsga2 } from "./Nsga2.ts"
import { randomSearch } from "./RandomSearch.ts"
import { regularizedEvolution } from "./RegularizedEvolution.ts"

export * from "./CandidateDraws.ts"
export * from "./Exhaustive.ts"
export * from "./Nsga2.ts"
export * from "./RandomSearch.ts"
export * from "./RegularizedEvolution.ts"
export * from "./StrategyLayer.ts"

/**
 * Every strategy plugin of this package, for registries.
 *
 * @since 0.1.0
 */
export const plugins = [randomSearch, regularizedEvolution, exhaustive, nsga2] as const
