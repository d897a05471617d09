/**
 * `exhaustive`: every distinct valid cell of the space, once, in the space's fixed enumeration
 * order. The state is just the position, so a resumed search continues exactly where it stopped.
 *
 * @since 0.1.0
 */
import type { Architecture, Plugin, SearchSpace, SearchStrategy } from "@spikernel/core"
import { Schema } from "effect"
import { strategyLayer } from "./StrategyLayer.ts"

/**
 * No options: the order is the space's.
 *
 * @since 0.1.0
 */
export const ExhaustiveConfig = Schema.Struct({})

/**
 * @since 0.1.0
 */
export type ExhaustiveConfig = typeof ExhaustiveConfig.Type

/**
 * The state: the next position in the enumeration and the size of the space (so `done` needs no
 * enumeration and a state from a different space is visible).
 *
 * @since 0.1.0
 */
export const ExhaustiveState = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  total: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export type ExhaustiveState = typeof ExhaustiveState.Type

/**
 * The strategy over a given space. The enumeration is listed once, when the strategy is built.
 *
 * @since 0.1.0
 */
export const makeExhaustive = (
  space: SearchSpace.SearchSpace["Service"]
): SearchStrategy.Strategy<ExhaustiveState, typeof ExhaustiveState.Encoded> => {
  const cells = Array.from(space.enumerate())
  return {
    id: "exhaustive",
    state: ExhaustiveState,
    init: (seed) => ({ seed, next: 0, total: cells.length }),
    ...inOrder<ExhaustiveState>(cells)
  }
}

/**
 * The proposing half of a strategy that walks a fixed list of cells in order (`exhaustive`, and
 * strategies that propose given architectures): its state only needs `next`, the index of the first
 * cell not yet proposed, and candidate i is cell i.
 *
 * @since 0.1.0
 */
export const inOrder = <S extends { readonly next: number }>(
  cells: ReadonlyArray<Architecture.Architecture>
): Pick<SearchStrategy.Strategy<S, unknown>, "propose" | "observe" | "done"> => ({
  propose: (state, count) => {
    const end = Math.min(cells.length, state.next + Math.max(0, count))
    const candidates = []
    for (let index = state.next; index < end; index++) candidates.push({ index, architecture: cells[index]! })
    return { state: { ...state, next: end }, candidates }
  },
  observe: (state) => state,
  done: (state) => state.next >= cells.length
})

/**
 * @since 0.1.0
 */
export const exhaustive: Plugin.Plugin<
  "SearchStrategy",
  ExhaustiveConfig,
  typeof ExhaustiveConfig.Encoded,
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "exhaustive",
  version: 1,
  description: "Every distinct valid cell of the space once, in the space's fixed order",
  config: ExhaustiveConfig,
  layer: () => strategyLayer(makeExhaustive)
}
