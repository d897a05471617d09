/**
 * Where a strategy's randomness comes from: candidate i of strategy `id` under seed s draws from
 * the counter-based stream (s, `search/<id>`, i) and from nothing else, so a search proposes the
 * same candidates whether it runs straight through or is stopped and resumed (DESIGN.md §3).
 *
 * @since 0.1.0
 */
import { Rng } from "@spikernel/core"

/**
 * The draws of candidate `index` of strategy `strategyId`.
 *
 * @since 0.1.0
 */
export const candidateDraws = (seed: number, strategyId: string, index: number): Rng.Draws =>
  Rng.draws({ seed, stream: `search/${strategyId}`, index })

/**
 * The figure a strategy compares: NaN (a missing or failed score) ranks as −Infinity, so it never
 * wins a comparison and never poisons one.
 *
 * @since 0.1.0
 */
export const comparable = (score: number): number => (Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score)
