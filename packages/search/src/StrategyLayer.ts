/**
 * How a strategy over a search space becomes the SearchStrategy service: the Layer reads the
 * SearchSpace service (so the space shows in the Layer's requirements, not in a signature) and
 * erases the strategy's state type, which the service holds existentially.
 *
 * @since 0.1.0
 */
import { SearchSpace, SearchStrategy } from "@spikernel/core"
import { Effect, Layer } from "effect"

/**
 * A strategy as the service holds it. Callers only feed a strategy the states it produced, or
 * decoded with its own `state` schema, so erasing `S` loses nothing at run time.
 *
 * @since 0.1.0
 */
export const eraseState = <S, SE>(
  strategy: SearchStrategy.Strategy<S, SE>
): SearchStrategy.Strategy<unknown, unknown> =>
  strategy as unknown as SearchStrategy.Strategy<unknown, unknown>

/**
 * The Layer of a strategy built from the space in context.
 *
 * @since 0.1.0
 */
export const strategyLayer = <S, SE>(
  make: (space: SearchSpace.SearchSpace["Service"]) => SearchStrategy.Strategy<S, SE>
): Layer.Layer<SearchStrategy.SearchStrategy, never, SearchSpace.SearchSpace> =>
  Layer.effect(
    SearchStrategy.SearchStrategy,
    Effect.map(SearchSpace.SearchSpace, (space) => eraseState(make(space)))
  )
