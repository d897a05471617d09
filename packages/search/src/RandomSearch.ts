/**
 * `random`: SNASNet's search (METHOD.md §4) — every candidate an independent draw of the space's
 * sampler (rejection sampling included). With `dedup`, a candidate whose canonical form was already
 * proposed is redrawn from the same candidate stream, so each proposal is a new cell (SNASNet
 * itself does not deduplicate: quirk 6 of METHOD.md §7.5, hence off by default).
 *
 * @since 0.1.0
 */
import {
  Architecture,
  type Evaluator,
  type Plugin,
  type SearchSpace,
  type SearchStrategy
} from "@spikernel/core"
import { Effect, Schema } from "effect"
import { candidateDraws } from "./CandidateDraws.ts"
import { strategyLayer } from "./StrategyLayer.ts"

/**
 * @since 0.1.0
 */
export const RandomSearchConfig = Schema.Struct({
  /** Propose each canonical cell at most once. */
  dedup: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
  /** With dedup: draws per candidate before the space counts as exhausted. */
  maxAttempts: Schema.Int.check(Schema.isGreaterThan(0)).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(1000))
  )
})

/**
 * @since 0.1.0
 */
export type RandomSearchConfig = typeof RandomSearchConfig.Type

/**
 * The state: the seed, the next candidate index, the canonical forms proposed so far (with dedup)
 * and whether dedup ran out of new cells.
 *
 * @since 0.1.0
 */
export const RandomSearchState = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  seen: Schema.Array(Schema.String),
  exhausted: Schema.Boolean
})

/**
 * @since 0.1.0
 */
export type RandomSearchState = typeof RandomSearchState.Type

/**
 * The strategy over a given space.
 *
 * @since 0.1.0
 */
export const makeRandomSearch = (
  space: SearchSpace.SearchSpace["Service"],
  config: RandomSearchConfig
): SearchStrategy.Strategy<RandomSearchState, typeof RandomSearchState.Encoded> => ({
  id: "random",
  state: RandomSearchState,
  init: (seed) => ({ seed, next: 0, seen: [], exhausted: false }),
  propose: (state, count) => {
    if (state.exhausted) return { state, candidates: [] }
    const seen = new Set(state.seen)
    const added: Array<string> = []
    const candidates: Array<Evaluator.Candidate> = []
    let exhausted = false
    for (let k = 0; k < count; k++) {
      const index = state.next + k
      const draws = candidateDraws(state.seed, "random", index)
      let architecture = space.sample(draws)
      if (config.dedup) {
        let key = Architecture.formatArchitecture(space.canonical(architecture))
        let attempts = 1
        while (seen.has(key) && attempts < config.maxAttempts) {
          architecture = space.sample(draws)
          key = Architecture.formatArchitecture(space.canonical(architecture))
          attempts++
        }
        if (seen.has(key)) {
          exhausted = true
          break
        }
        seen.add(key)
        added.push(key)
      }
      candidates.push({ index, architecture })
    }
    return {
      state: {
        seed: state.seed,
        next: state.next + candidates.length,
        seen: added.length === 0 ? state.seen : [...state.seen, ...added],
        exhausted
      },
      candidates
    }
  },
  observe: (state) => state,
  done: (state) => state.exhausted
})

/**
 * @since 0.1.0
 */
export const randomSearch: Plugin.Plugin<
  "SearchStrategy",
  RandomSearchConfig,
  typeof RandomSearchConfig.Encoded,
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "random",
  version: 1,
  description:
    "Independent draws of the space's sampler (SNASNet's search); optional dedup on the canonical form",
  config: RandomSearchConfig,
  layer: (config) => strategyLayer((space) => makeRandomSearch(space, config))
}
