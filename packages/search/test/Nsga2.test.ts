/**
 * NSGA-II: the strategy contract, non-dominated sorting, crowding distance and survivor selection
 * on hand-set points, and generations drawn only from fully observed populations.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture, type CandidateRecord, Pareto } from "@spikernel/core"
import {
  candidateDraws,
  crowdingDistances,
  makeNsga2,
  Nsga2Config,
  type Nsga2Member,
  nonDominatedFronts,
  nsga2,
  survivors
} from "@spikernel/search"
import { makeToySearchSpace, schemaContract, strategyContract } from "@spikernel/testing"

const space = makeToySearchSpace()
const arch = space.sample(candidateDraws(1, "x", 0))
const member = (index: number, score: number, memory: number): Nsga2Member => ({
  index,
  architecture: arch,
  score,
  memory
})

strategyContract("nsga2", { layer: nsga2.layer({ population: 8, memory: "bytes" }) })

describe("nsga2: ranking", () => {
  // Score up, memory down. Front 0: 0 (10, 5), 1 (8, 3), 2 (5, 1); front 1: 3 (7, 4), 4 (4, 2);
  // front 2: 5 (3, 6) — dominated by 3 — and a NaN score, which counts as −∞: dominated by all
  // with memory ≤ 9, so front 3.
  const members = [
    member(0, 10, 5),
    member(1, 8, 3),
    member(2, 5, 1),
    member(3, 7, 4),
    member(4, 4, 2),
    member(5, 3, 6),
    member(6, Number.NaN, 9)
  ]

  it("sorts into non-dominated fronts", () => {
    expect(nonDominatedFronts(members).map((front) => front.map((m) => m.index))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5],
      [6]
    ])
  })

  it("gives the boundaries of a front infinite crowding and the inside its normalised gaps", () => {
    const d = crowdingDistances(nonDominatedFronts(members)[0])
    expect(d.get(0)).toBe(Number.POSITIVE_INFINITY)
    expect(d.get(2)).toBe(Number.POSITIVE_INFINITY)
    // Member 1: score neighbours 5 and 10 over a span of 5 (1), memory neighbours 1 and 5 over 4 (1).
    expect(d.get(1)).toBeCloseTo(2, 12)
  })

  it("keeps whole fronts, then the least crowded of the last one", () => {
    expect(survivors(members, 4).map((m) => m.index)).toEqual([0, 1, 2, 3])
    // Cutting front 0 to two: the two infinitely distant boundaries stay.
    expect(survivors(members, 2).map((m) => m.index)).toEqual([0, 2])
  })
})

describe("nsga2: generations", () => {
  const strategy = makeNsga2(space, { population: 4, memory: "params" })
  const record = (index: number, architecture: Architecture.Architecture, value: number, params: number) =>
    ({
      index,
      architecture,
      canonical: Architecture.formatArchitecture(architecture),
      scores: [{ scorer: "toy", value, details: {} }],
      params,
      bytes: 4 * params,
      seconds: 0,
      cached: false
    }) satisfies CandidateRecord.CandidateRecord

  it("proposes a generation at a time, and the next only once every child of this one is observed", () => {
    let state = strategy.init(3)
    const first = strategy.propose(state, 10)
    expect(first.candidates.map((c) => c.index)).toEqual([0, 1, 2, 3])
    state = first.state
    expect(strategy.propose(state, 10).candidates).toEqual([])
    for (const [i, c] of first.candidates.entries())
      state = strategy.observe(state, record(c.index, c.architecture, i, 10 - i), i)
    expect(state.population.map((m) => m.index)).toEqual([0, 1, 2, 3])
    // The children are mutations of population members, proposable in any batch sizes.
    const a = strategy.propose(state, 1)
    const b = strategy.propose(a.state, 3)
    const all = strategy.propose(state, 4)
    expect([...a.candidates, ...b.candidates]).toEqual(all.candidates)
    expect(all.candidates.map((c) => c.index)).toEqual([4, 5, 6, 7])
    // Each child is one population member with exactly one edge changed.
    for (const child of all.candidates) {
      const distances = state.population.map(
        (p) =>
          Architecture.forwardEdges.filter(
            ([i, j]) => p.architecture.matrix[i][j] !== child.architecture.matrix[i][j]
          ).length
      )
      expect(Math.min(...distances)).toBe(1)
    }
  })

  it("picks survivors from parents and children by rank: a dominating child replaces a dominated parent", () => {
    let state = strategy.init(4)
    const first = strategy.propose(state, 4)
    state = first.state
    // Parents: scores 0..3, params 10 each (front: the best score alone? all share memory, so the
    // best score dominates the rest).
    for (const [i, c] of first.candidates.entries())
      state = strategy.observe(state, record(c.index, c.architecture, i, 10), i)
    const children = strategy.propose(state, 4)
    state = children.state
    // Children: score 100 at params 1 dominates every parent.
    for (const c of children.candidates)
      state = strategy.observe(state, record(c.index, c.architecture, 100, 1), 100)
    expect(state.population.map((m) => m.index)).toEqual([4, 5, 6, 7])
    expect(state.generationStart).toBe(8)
  })

  it("ignores a record it did not propose", () => {
    const state = strategy.init(1)
    expect(strategy.observe(state, record(99, arch, 1, 1), 1)).toBe(state)
  })
})

describe("hypervolume", () => {
  it("is the area the front dominates up to the reference point", () => {
    const points = [
      { cost: 1, value: 5 },
      { cost: 3, value: 8 },
      { cost: 2, value: 4 }, // dominated by (1, 5)
      { cost: 6, value: 9 } // outside the reference box (cost > 5)
    ]
    // Reference (cost 5, value 0): [1,3) × 5 + [3,5) × 8 = 10 + 16.
    expect(
      Pareto.hypervolume(
        points,
        (p) => p.cost,
        (p) => p.value,
        { cost: 5, value: 0 }
      )
    ).toBe(26)
    expect(
      Pareto.hypervolume(
        [],
        (p: { cost: number }) => p.cost,
        () => 0,
        { cost: 1, value: 0 }
      )
    ).toBe(0)
  })
})

schemaContract("Nsga2Config", Nsga2Config, {
  valid: [
    { population: 20, memory: "bytes" },
    { population: 2, memory: "params" }
  ],
  invalid: [
    { name: "a population of one", input: { population: 1 }, message: /greater than or equal to 2/ },
    { name: "an unknown memory objective", input: { memory: "flops" }, message: /bytes|params/ }
  ]
})
