/**
 * `@spikernel/selectors`: pure functions of scored records that pick models (SpiKernel step 4):
 * `top-k`, `memory-budget`, `pareto` (accuracy vs memory) and `best-under-budget`.
 *
 * @since 0.1.0
 */
import { bestUnderBudget } from "./BestUnderBudget.ts"
import { memoryBudget } from "./MemoryBudget.ts"
import { pareto } from "./Pareto.ts"
import { topK } from "./TopK.ts"

/** Budgets shared by `memory-budget` and `best-under-budget`. */
export * from "./Budget.ts"
export * from "./BestUnderBudget.ts"
export * from "./MemoryBudget.ts"
export * from "./Pareto.ts"
/** The ranking order (metric, then smaller model, then id). */
export * from "./Ranking.ts"
export * from "./TopK.ts"

/**
 * Every selector plugin of this package, for registries.
 *
 * @since 0.1.0
 */
export const plugins = [topK, memoryBudget, pareto, bestUnderBudget] as const
