/**
 * `nsga2` (Deb et al., IEEE TEC 2002): a multi-objective search over the primary score (higher is
 * better) and the candidate's memory (fewer weight bytes, or parameters, is better), as MONAS-ESNN
 * and EMO-SNAS do for SNNs. The population is kept by non-dominated rank, then crowding distance;
 * parents are chosen by binary tournament on the same order; a child is a parent's one-pair mutation
 * (the space's, which keeps validity; the SNASNet spaces define no crossover).
 *
 * Generational and therefore deterministic under any concurrency: the first `population`
 * candidates are independent draws of the space's sampler; each later generation of `population`
 * children is drawn from the population as it stood when the previous generation was fully
 * observed (candidate i's draws come from (seed, `nsga2`, i) only), and the survivors are chosen
 * only once every child of a generation is observed. Within a generation every child may be
 * evaluated at once. Ties are broken by candidate index, never by arrival order.
 *
 * @since 0.1.0
 */
import { Architecture, Numbers, type Plugin, type SearchSpace, type SearchStrategy } from "@spikernel/core"
import { Effect, Schema } from "effect"
import { candidateDraws, comparable } from "./CandidateDraws.ts"
import { strategyLayer } from "./StrategyLayer.ts"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * @since 0.1.0
 */
export const Nsga2Config = Schema.Struct({
  population: Positive.check(Schema.isGreaterThanOrEqualTo(2)).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(20))
  ),
  /** The second objective, minimised: the record's weight bytes (default) or its parameters. */
  memory: Schema.Literals(["bytes", "params"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("bytes" as const))
  )
})

/**
 * @since 0.1.0
 */
export type Nsga2Config = typeof Nsga2Config.Type

/**
 * A member: the candidate index, its architecture, its score and its memory.
 *
 * @since 0.1.0
 */
export const Nsga2Member = Schema.Struct({
  index: Schema.Int,
  architecture: Architecture.Architecture,
  score: Numbers.JsonNumber,
  memory: Schema.Int
})

/**
 * @since 0.1.0
 */
export type Nsga2Member = typeof Nsga2Member.Type

/**
 * The state: the seed, the next candidate index, the population, the current generation's first
 * and end index, and the children of that generation observed so far.
 *
 * @since 0.1.0
 */
export const Nsga2State = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  population: Schema.Array(Nsga2Member),
  generationStart: Schema.Int,
  generationEnd: Schema.Int,
  observed: Schema.Array(Nsga2Member)
})

/**
 * @since 0.1.0
 */
export type Nsga2State = typeof Nsga2State.Type

/** `a` dominates `b`: at least as good on both objectives and better on one. */
const dominates = (a: Nsga2Member, b: Nsga2Member): boolean => {
  const sa = comparable(a.score)
  const sb = comparable(b.score)
  return sa >= sb && a.memory <= b.memory && (sa > sb || a.memory < b.memory)
}

/**
 * The non-dominated fronts of `members`, the first front first; each front ordered by index.
 *
 * @since 0.1.0
 */
export const nonDominatedFronts = (members: ReadonlyArray<Nsga2Member>): Array<Array<Nsga2Member>> => {
  const sorted = [...members].sort((a, b) => a.index - b.index)
  const dominatedBy = sorted.map(() => 0)
  const dominating: Array<Array<number>> = sorted.map(() => [])
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < sorted.length; j++) {
      if (i !== j && dominates(sorted[i], sorted[j])) {
        dominating[i].push(j)
        dominatedBy[j]++
      }
    }
  }
  const fronts: Array<Array<Nsga2Member>> = []
  let current = sorted.map((_, i) => i).filter((i) => dominatedBy[i] === 0)
  while (current.length > 0) {
    fronts.push(current.map((i) => sorted[i]))
    const next: Array<number> = []
    for (const i of current) {
      for (const j of dominating[i]) {
        dominatedBy[j]--
        if (dominatedBy[j] === 0) next.push(j)
      }
    }
    current = next.sort((a, b) => a - b)
  }
  return fronts
}

/**
 * The crowding distance of each member of one front, by index: the boundary members of each
 * objective are infinitely far; the others sum their neighbours' normalised gaps.
 *
 * @since 0.1.0
 */
export const crowdingDistances = (front: ReadonlyArray<Nsga2Member>): Map<number, number> => {
  const distance = new Map(front.map((m) => [m.index, 0]))
  const objectives: ReadonlyArray<(m: Nsga2Member) => number> = [(m) => comparable(m.score), (m) => m.memory]
  for (const objective of objectives) {
    const ordered = [...front].sort((a, b) => objective(a) - objective(b) || a.index - b.index)
    const lo = objective(ordered[0])
    const hi = objective(ordered[ordered.length - 1])
    distance.set(ordered[0].index, Number.POSITIVE_INFINITY)
    distance.set(ordered[ordered.length - 1].index, Number.POSITIVE_INFINITY)
    const span = hi - lo
    if (!(span > 0) || !Number.isFinite(span)) continue
    for (let k = 1; k < ordered.length - 1; k++) {
      const gap = (objective(ordered[k + 1]) - objective(ordered[k - 1])) / span
      distance.set(ordered[k].index, distance.get(ordered[k].index)! + (Number.isFinite(gap) ? gap : 0))
    }
  }
  return distance
}

/** Rank (front number) and crowding distance of every member, by index. */
const ranking = (members: ReadonlyArray<Nsga2Member>) => {
  const rank = new Map<number, number>()
  const crowding = new Map<number, number>()
  nonDominatedFronts(members).forEach((front, r) => {
    for (const [index, d] of crowdingDistances(front)) {
      rank.set(index, r)
      crowding.set(index, d)
    }
  })
  /** Negative when `a` is preferred: lower rank, then larger crowding distance, then lower index. */
  const compare = (a: Nsga2Member, b: Nsga2Member) =>
    rank.get(a.index)! - rank.get(b.index)! ||
    (crowding.get(b.index)! > crowding.get(a.index)!
      ? 1
      : crowding.get(b.index)! < crowding.get(a.index)!
        ? -1
        : 0) ||
    a.index - b.index
  return compare
}

/**
 * The `size` survivors of `members`: whole fronts in order, the last one cut by crowding distance.
 *
 * @since 0.1.0
 */
export const survivors = (members: ReadonlyArray<Nsga2Member>, size: number): Array<Nsga2Member> =>
  [...members]
    .sort(ranking(members))
    .slice(0, size)
    .sort((a, b) => a.index - b.index)

/**
 * The strategy over a given space.
 *
 * @since 0.1.0
 */
export const makeNsga2 = (
  space: SearchSpace.SearchSpace["Service"],
  config: Nsga2Config
): SearchStrategy.Strategy<Nsga2State, typeof Nsga2State.Encoded> => {
  const size = config.population
  return {
    id: "nsga2",
    state: Nsga2State,
    init: (seed) => ({
      seed,
      next: 0,
      population: [],
      generationStart: 0,
      generationEnd: size,
      observed: []
    }),
    propose: (state, count) => {
      if (count <= 0 || state.next >= state.generationEnd) return { state, candidates: [] }
      const n = Math.min(count, state.generationEnd - state.next)
      const compare = state.generationStart === 0 ? undefined : ranking(state.population)
      const candidates = Array.from({ length: n }, (_, k) => {
        const index = state.next + k
        const draws = candidateDraws(state.seed, "nsga2", index)
        if (compare === undefined) return { index, architecture: space.sample(draws) }
        // Binary tournament on (rank, crowding), then the winner's one-pair mutation.
        const a = state.population[draws.int(state.population.length)]
        const b = state.population[draws.int(state.population.length)]
        const parent = compare(a, b) <= 0 ? a : b
        return { index, architecture: space.mutate(parent.architecture, draws) }
      })
      return { state: { ...state, next: state.next + n }, candidates }
    },
    observe: (state, record, score) => {
      // A record outside the current generation (or observed already) leaves the state unchanged.
      if (
        record.index < state.generationStart ||
        record.index >= state.next ||
        state.observed.some((m) => m.index === record.index)
      )
        return state
      const member: Nsga2Member = {
        index: record.index,
        architecture: record.architecture,
        score,
        memory: config.memory === "bytes" ? record.bytes : record.params
      }
      const observed = [...state.observed, member]
      if (observed.length < state.generationEnd - state.generationStart) return { ...state, observed }
      // The generation is complete: parents and children compete for the population.
      return {
        ...state,
        population: survivors([...state.population, ...observed], size),
        generationStart: state.generationEnd,
        generationEnd: state.generationEnd + size,
        observed: []
      }
    },
    done: () => false
  }
}

/**
 * @since 0.1.0
 */
export const nsga2: Plugin.Plugin<
  "SearchStrategy",
  Nsga2Config,
  typeof Nsga2Config.Encoded,
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "nsga2",
  version: 1,
  description:
    "NSGA-II over the primary score (maximised) and weight memory (minimised): non-dominated rank, crowding distance, binary tournaments, one-pair mutation",
  config: Nsga2Config,
  layer: (config) => strategyLayer((space) => makeNsga2(space, config))
}
