/**
 * `regularized-evolution` (Real et al., AAAI 2019, "aging evolution"): a population of the last
 * `population` observed candidates; each new candidate mutates the best of `sampleSize` members
 * drawn uniformly with replacement, and the oldest member dies when a child joins.
 *
 * The first `population` candidates are independent draws of the space's sampler. After that the
 * strategy is sequential: it proposes one child only once every earlier candidate is observed, so
 * the population a child comes from — and with it the whole search — is the same whatever the
 * evaluator's concurrency. Mutation is the space's one-pair mutation, which keeps validity.
 *
 * @since 0.1.0
 */
import { Architecture, Numbers, type Plugin, type SearchSpace, type SearchStrategy } from "@spikernel/core"
import { Effect, Schema } from "effect"
import { candidateDraws, comparable } from "./CandidateDraws.ts"
import { strategyLayer } from "./StrategyLayer.ts"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * Defaults follow NNI's regularized evolution (population 100, sample 25).
 *
 * @since 0.1.0
 */
export const RegularizedEvolutionConfig = Schema.Struct({
  population: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(100))),
  sampleSize: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(25)))
}).check(
  Schema.makeFilter((config) =>
    config.sampleSize > config.population
      ? `sampleSize ${config.sampleSize} is larger than the population ${config.population}`
      : undefined
  )
)

/**
 * @since 0.1.0
 */
export type RegularizedEvolutionConfig = typeof RegularizedEvolutionConfig.Type

/**
 * A population member: the candidate index (its age), its architecture and its score.
 *
 * @since 0.1.0
 */
export const Member = Schema.Struct({
  index: Schema.Int,
  architecture: Architecture.Architecture,
  score: Numbers.JsonNumber
})

/**
 * @since 0.1.0
 */
export type Member = typeof Member.Type

/**
 * The state: the seed, the next candidate index, the population (oldest first) and the indices
 * proposed but not yet observed.
 *
 * @since 0.1.0
 */
export const RegularizedEvolutionState = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  population: Schema.Array(Member),
  inFlight: Schema.Array(Schema.Int)
})

/**
 * @since 0.1.0
 */
export type RegularizedEvolutionState = typeof RegularizedEvolutionState.Type

/**
 * The tournament of candidate `index`: `sampleSize` uniform draws from the population; the best
 * score wins, the earliest draw on a tie.
 *
 * @since 0.1.0
 */
export const tournament = (
  population: ReadonlyArray<Member>,
  sampleSize: number,
  draws: { readonly int: (n: number) => number }
): Member => {
  let best = population[draws.int(population.length)]
  for (let k = 1; k < sampleSize; k++) {
    const contender = population[draws.int(population.length)]
    if (comparable(contender.score) > comparable(best.score)) best = contender
  }
  return best
}

/**
 * The strategy over a given space.
 *
 * @since 0.1.0
 */
export const makeRegularizedEvolution = (
  space: SearchSpace.SearchSpace["Service"],
  config: RegularizedEvolutionConfig
): SearchStrategy.Strategy<RegularizedEvolutionState, typeof RegularizedEvolutionState.Encoded> => ({
  id: "regularized-evolution",
  state: RegularizedEvolutionState,
  init: (seed) => ({ seed, next: 0, population: [], inFlight: [] }),
  propose: (state, count) => {
    if (count <= 0) return { state, candidates: [] }
    if (state.next < config.population) {
      // Seeding phase: independent samples, no need to wait for scores.
      const n = Math.min(count, config.population - state.next)
      const candidates = Array.from({ length: n }, (_, k) => {
        const index = state.next + k
        return {
          index,
          architecture: space.sample(candidateDraws(state.seed, "regularized-evolution", index))
        }
      })
      return {
        state: {
          ...state,
          next: state.next + n,
          inFlight: [...state.inFlight, ...candidates.map((c) => c.index)]
        },
        candidates
      }
    }
    // Evolution phase: wait until the population the child is drawn from is final.
    if (state.inFlight.length > 0 || state.population.length === 0) return { state, candidates: [] }
    const index = state.next
    const draws = candidateDraws(state.seed, "regularized-evolution", index)
    const parent = tournament(state.population, config.sampleSize, draws)
    const architecture = space.mutate(parent.architecture, draws)
    return {
      state: { ...state, next: index + 1, inFlight: [index] },
      candidates: [{ index, architecture }]
    }
  },
  observe: (state, record, score) => {
    // A record this state did not propose (or already observed) leaves it unchanged.
    if (!state.inFlight.includes(record.index)) return state
    const member: Member = { index: record.index, architecture: record.architecture, score }
    const population = [...state.population, member].sort((a, b) => a.index - b.index)
    // Aging: the oldest members die, whatever their score.
    const survivors = population.slice(Math.max(0, population.length - config.population))
    return { ...state, population: survivors, inFlight: state.inFlight.filter((i) => i !== record.index) }
  },
  done: () => false
})

/**
 * @since 0.1.0
 */
export const regularizedEvolution: Plugin.Plugin<
  "SearchStrategy",
  RegularizedEvolutionConfig,
  typeof RegularizedEvolutionConfig.Encoded,
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "regularized-evolution",
  version: 1,
  description: "Aging evolution: mutate the best of a uniform sample of the population, retire the oldest",
  config: RegularizedEvolutionConfig,
  layer: (config) => strategyLayer((space) => makeRegularizedEvolution(space, config))
}
