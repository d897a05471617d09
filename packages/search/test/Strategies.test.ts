/**
 * The three strategies against the strategy contract on the toy space (known optimum: the toy
 * target), plus what is specific to each.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture, type CandidateRecord, Rng, type SearchSpace } from "@spikernel/core"
import {
  candidateDraws,
  exhaustive,
  makeExhaustive,
  makeRandomSearch,
  makeRegularizedEvolution,
  plugins,
  RandomSearchConfig,
  RegularizedEvolutionConfig,
  randomSearch,
  regularizedEvolution,
  tournament
} from "@spikernel/search"
import { makeToySearchSpace, schemaContract, strategyContract, toyEvaluator } from "@spikernel/testing"
import { Effect } from "effect"

const space = makeToySearchSpace()
const seeds = Array.from({ length: 10 }, (_, i) => 100 + i)

strategyContract("random", { layer: randomSearch.layer({ dedup: false, maxAttempts: 1000 }) })

strategyContract("random with dedup", { layer: randomSearch.layer({ dedup: true, maxAttempts: 1000 }) })

// Aging evolution on 12,500 cells: random search would find the target in 400 draws with
// probability ≈ 3%; evolution must find it for at least 8 of 10 seeds.
strategyContract("regularized-evolution", {
  layer: regularizedEvolution.layer({ population: 20, sampleSize: 5 }),
  findsOptimum: { budget: 400, seeds, minRate: 0.8 }
})

strategyContract("exhaustive", {
  layer: exhaustive.layer({}),
  complete: true,
  findsOptimum: { budget: 12_500, seeds: [1], minRate: 1 }
})

const record = (index: number, architecture: Architecture.Architecture, value: number) =>
  ({
    index,
    architecture,
    canonical: Architecture.formatArchitecture(architecture),
    scores: [{ scorer: "toy", value, details: {} }],
    params: 0,
    bytes: 0,
    seconds: 0,
    cached: false
  }) satisfies CandidateRecord.CandidateRecord

describe("random", () => {
  it("draws candidate i from the stream (seed, search/random, i) exactly as the space samples", () => {
    const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
    const { candidates } = strategy.propose(strategy.init(42), 5)
    candidates.forEach((candidate, i) => {
      const expected = space.sample(Rng.draws({ seed: 42, stream: "search/random", index: i }))
      expect(candidate.architecture).toEqual(expected)
    })
  })

  it("with dedup proposes distinct canonical cells and is done when a small space runs out", () => {
    const cells = Array.from(space.enumerate()).slice(0, 3)
    const tiny: SearchSpace.SearchSpace["Service"] = {
      ...space,
      sample: (draws) => cells[draws.int(cells.length)],
      enumerate: () => cells
    }
    const strategy = makeRandomSearch(tiny, { dedup: true, maxAttempts: 200 })
    const round = strategy.propose(strategy.init(1), 10)
    expect(round.candidates.map((c) => Architecture.formatArchitecture(c.architecture)).sort()).toEqual(
      cells.map(Architecture.formatArchitecture).sort()
    )
    expect(strategy.done(round.state)).toBe(true)
    expect(strategy.propose(round.state, 1).candidates).toEqual([])
  })

  it("without dedup repeats cells of a small space, as SNASNet does", () => {
    const cells = Array.from(space.enumerate()).slice(0, 2)
    const tiny = { ...space, sample: (draws: Rng.Draws) => cells[draws.int(cells.length)] }
    const strategy = makeRandomSearch(tiny, { dedup: false, maxAttempts: 1 })
    expect(strategy.propose(strategy.init(1), 10).candidates).toHaveLength(10)
  })
})

describe("regularized-evolution", () => {
  const config = { population: 4, sampleSize: 2 }
  const strategy = makeRegularizedEvolution(space, config)

  it("seeds the population with space samples, then waits for every score before a child", () => {
    const seeded = strategy.propose(strategy.init(9), 10)
    expect(seeded.candidates.map((c) => c.index)).toEqual([0, 1, 2, 3])
    expect(strategy.propose(seeded.state, 1).candidates).toEqual([])
    let state = seeded.state
    for (const c of seeded.candidates.slice(0, 3))
      state = strategy.observe(state, record(c.index, c.architecture, -c.index), -c.index)
    expect(strategy.propose(state, 1).candidates).toEqual([])
    const last = seeded.candidates[3]
    state = strategy.observe(state, record(3, last.architecture, -3), -3)
    const child = strategy.propose(state, 3)
    expect(child.candidates.map((c) => c.index)).toEqual([4])
  })

  it("mutates the tournament winner in exactly one edge and retires the oldest member", () => {
    let state = strategy.init(5)
    const round = strategy.propose(state, 4)
    state = round.state
    round.candidates.forEach((c, k) => {
      state = strategy.observe(state, record(c.index, c.architecture, k === 2 ? 10 : -k), k === 2 ? 10 : -k)
    })
    const next = strategy.propose(state, 1)
    const child = next.candidates[0]
    const draws = candidateDraws(5, "regularized-evolution", 4)
    const parent = tournament(state.population, config.sampleSize, draws)
    expect(space.mutate(parent.architecture, draws)).toEqual(child.architecture)
    const differing = Architecture.forwardEdges.filter(
      ([i, j]) => parent.architecture.matrix[i][j] !== child.architecture.matrix[i][j]
    )
    expect(differing).toHaveLength(1)
    const after = strategy.observe(next.state, record(4, child.architecture, 0), 0)
    expect(after.population.map((m) => m.index)).toEqual([1, 2, 3, 4])
  })

  it("never lets a NaN score win a tournament", () => {
    const members = [
      {
        index: 0,
        architecture: space.sample(Rng.draws({ seed: 1, stream: "t", index: 0 })),
        score: Number.NaN
      },
      { index: 1, architecture: space.sample(Rng.draws({ seed: 1, stream: "t", index: 1 })), score: -1e9 }
    ]
    // Both orders of the draws: NaN first, then the finite score, and the other way round.
    for (const order of [
      [0, 1],
      [1, 0]
    ]) {
      let k = 0
      expect(tournament(members, 2, { int: () => order[k++] }).index).toBe(1)
    }
  })

  it("ignores a record it did not propose", () => {
    const state = strategy.init(1)
    expect(
      strategy.observe(state, record(99, space.sample(Rng.draws({ seed: 1, stream: "x", index: 0 })), 1), 1)
    ).toBe(state)
  })
})

describe("exhaustive", () => {
  it("knows the size of the space from the start", () => {
    const strategy = makeExhaustive(space)
    expect(strategy.init(0).total).toBe(4 * 5 ** 5)
  })
})

describe("plugins", () => {
  it("list the four strategies", () => {
    expect(plugins.map((p) => p.id)).toEqual(["random", "regularized-evolution", "exhaustive", "nsga2"])
  })
  it.effect("evaluate through a toy Evaluator with the expected objective", () =>
    Effect.gen(function* () {
      const r = yield* toyEvaluator().evaluate({
        index: 0,
        architecture: space.sample(Rng.draws({ seed: 0, stream: "x", index: 0 }))
      })
      expect(r.scores[0].value).toBeLessThanOrEqual(0)
    })
  )
})

schemaContract("RandomSearchConfig", RandomSearchConfig, {
  valid: [
    { dedup: false, maxAttempts: 1000 },
    { dedup: true, maxAttempts: 5 }
  ],
  invalid: [{ name: "maxAttempts 0", input: { maxAttempts: 0 }, message: /greater than 0/ }]
})

schemaContract("RegularizedEvolutionConfig", RegularizedEvolutionConfig, {
  valid: [
    { population: 100, sampleSize: 25 },
    { population: 2, sampleSize: 2 }
  ],
  invalid: [
    {
      name: "a sample larger than the population",
      input: { population: 5, sampleSize: 6 },
      message: /larger than the population/
    },
    { name: "an empty population", input: { population: 0 }, message: /greater than 0/ }
  ]
})
