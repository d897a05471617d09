import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { CandidateRecord } from "@spikernel/core"
import { analyze } from "../src/Analysis.ts"
import { bestSoFar, runCurve, summarize } from "../src/BestSoFar.ts"
import { fairness } from "../src/Fairness.ts"
import type { ReportInput, SearchRun } from "../src/ReportInput.ts"
import { searchCost } from "../src/SearchCost.ts"
import { deviceMemoryTable, modelsTable } from "../src/Tables.ts"
import { defaultFixture, fixtureInput } from "./ReportFixture.ts"

const arch = {
  cellType: "backward" as const,
  kernels: [1, 3],
  matrix: [
    [0, 3, 0, 2],
    [0, 0, 3, 0],
    [3, 0, 0, 3],
    [0, 0, 0, 0]
  ]
}

const record = (
  index: number,
  score: number,
  seconds: number,
  cached = false
): CandidateRecord.CandidateRecord => ({
  index,
  architecture: arch,
  canonical: "0302 0030 3003 0000",
  scores: [
    { scorer: "other", value: 1e9, details: {} },
    { scorer: "sahd", value: score, details: {} }
  ],
  params: 1000,
  bytes: 4000,
  seconds,
  cached
})

const run = (
  overrides: Partial<SearchRun> & { readonly candidates: ReadonlyArray<CandidateRecord.CandidateRecord> }
): SearchRun => ({
  strategy: "random",
  cellType: "backward",
  kernels: [3, 5],
  seed: 1,
  scorer: "sahd",
  budget: 4,
  ...overrides
})

const input = (
  name: string,
  searches: ReadonlyArray<SearchRun>,
  extra: Partial<ReportInput> = {}
): ReportInput => ({
  name,
  dataset: "cifar10:/data",
  searches,
  trained: [],
  ...extra
})

describe("best score so far", () => {
  it("is the running maximum of the run's scorer in proposal order, timed by paid seconds", () => {
    // Records out of order on purpose: index, not position, is the proposal order.
    const curve = runCurve(
      run({
        candidates: [record(2, 2, 1), record(0, 1, 2), record(3, 5, 4, true), record(1, 3, 0.5)]
      })
    )
    expect(curve.best).toEqual([1, 3, 3, 5])
    // The cached candidate (index 3) adds no time.
    expect(curve.elapsed).toEqual([2, 2.5, 3.5, 3.5])
  })

  it("finds the run's scorer in the records by identity, with or without its version", () => {
    expect(runCurve(run({ scorer: "sahd@1", candidates: [record(0, 7, 1)] })).best).toEqual([7])
    expect(runCurve(run({ scorer: "missing", candidates: [record(0, 7, 1)] })).best).toEqual([
      Number.NEGATIVE_INFINITY
    ])
  })

  it("summarises seeds as median with a min–max band or quartiles", () => {
    expect(summarize(1, [3, 1, 2], "min-max")).toEqual({ x: 1, median: 2, lo: 1, hi: 3, seeds: 3 })
    // Type-7 quartiles of 1..5 are 2 and 4.
    expect(summarize(1, [5, 4, 3, 2, 1], "quartiles")).toEqual({ x: 1, median: 3, lo: 2, hi: 4, seeds: 5 })
    expect(summarize(1, [Number.NEGATIVE_INFINITY], "min-max")).toBeUndefined()
  })

  it("keeps the points where some seed's best changes, with the band over seeds", () => {
    const series = bestSoFar([
      input("p", [
        run({ seed: 1, candidates: [record(0, 1, 1), record(1, 4, 1), record(2, 4, 1), record(3, 4, 1)] }),
        run({ seed: 2, candidates: [record(0, 2, 2), record(1, 2, 2), record(2, 6, 2), record(3, 6, 2)] })
      ])
    ])
    expect(series).toHaveLength(1)
    const s = series[0]
    expect(s.band).toBe("min-max")
    expect(s.seeds).toEqual([1, 2])
    expect(s.byCandidates.map((p) => [p.x, p.median, p.lo, p.hi])).toEqual([
      [1, 1.5, 1, 2],
      [2, 3, 2, 4],
      [3, 5, 4, 6],
      [4, 5, 4, 6]
    ])
    // By seconds: from 2 s, when both seeds have a best; at 4 s seed 1 has 4 and seed 2 still 2;
    // seed 1 stops at 4 s and holds its 4 while seed 2 runs on to 8 s.
    expect(s.bySeconds.map((p) => [p.x, p.median, p.lo, p.hi, p.seeds])).toEqual([
      [2, 3, 2, 4, 2],
      [4, 3, 2, 4, 2],
      [6, 5, 4, 6, 2],
      [8, 5, 4, 6, 2]
    ])
    expect(s.final).toMatchObject({ median: 5, lo: 4, hi: 6 })
  })

  it("never falls, against candidates or seconds, whatever the seeds' lengths, scores and times", () => {
    // Seeds of different lengths that finish at different times (the compare-strategies shape that
    // made the old median-over-running-seeds fall when a good seed stopped first).
    const score = fc.oneof(
      { weight: 9, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) },
      { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) }
    )
    const candidate = fc.record({
      score,
      seconds: fc.double({ min: 0, max: 10, noNaN: true }),
      cached: fc.boolean()
    })
    const seedRun = fc.array(candidate, { minLength: 1, maxLength: 12 })
    fc.assert(
      fc.property(fc.array(seedRun, { minLength: 1, maxLength: 7 }), (seedRuns) => {
        const runs = seedRuns.map((candidates, seed) =>
          run({
            seed,
            candidates: candidates.map((c, i) => record(i, c.score, c.seconds, c.cached))
          })
        )
        for (const s of bestSoFar([input("p", runs)])) {
          for (const points of [s.byCandidates, s.bySeconds]) {
            for (let i = 1; i < points.length; i++) {
              expect(points[i].x).toBeGreaterThanOrEqual(points[i - 1].x)
              expect(points[i].median).toBeGreaterThanOrEqual(points[i - 1].median)
              expect(points[i].lo).toBeGreaterThanOrEqual(points[i - 1].lo)
              expect(points[i].hi).toBeGreaterThanOrEqual(points[i - 1].hi)
            }
          }
        }
      }),
      { numRuns: 300, seed: 17 }
    )
  })

  it("switches to quartiles above four seeds", () => {
    const seeds = [1, 2, 3, 4, 5].map((seed) => run({ seed, candidates: [record(0, seed, 1)] }))
    expect(bestSoFar([input("p", seeds)])[0].band).toBe("quartiles")
  })
})

describe("search cost", () => {
  it("counts cached candidates apart from paid work and measures speed-up against the baseline", () => {
    const cost = searchCost([
      input("p", [
        run({ kernels: [1, 3], budget: 5000, candidates: [record(0, 1, 50), record(1, 1, 50)] }),
        run({ seed: 1, candidates: [record(0, 1, 4), record(1, 1, 99, true), record(2, 1, 6)] }),
        run({ seed: 2, candidates: [record(0, 1, 20)] })
      ])
    ])
    expect(cost.baselineSeconds).toBe(100)
    expect(cost.groups).toHaveLength(2)
    const [baseline, group] = cost.groups
    expect(baseline).toMatchObject({ baseline: true, kernels: [1, 3], meanSeconds: 100, speedup: 1 })
    // Seed 1 paid 4 + 6 s (the cached 99 s is not work done here), seed 2 paid 20 s: mean 15 s.
    expect(group).toMatchObject({
      baseline: false,
      seeds: [1, 2],
      paid: 3,
      cached: 1,
      meanSeconds: 15,
      minSeconds: 10,
      maxSeconds: 20
    })
    expect(group.speedup).toBeCloseTo(100 / 15, 12)
  })

  it("uses the runs the input marks as baseline instead of the SNASNet default", () => {
    const cost = searchCost([
      input("p", [
        run({ kernels: [1, 3], budget: 5000, candidates: [record(0, 1, 50)] }),
        run({ baseline: true, candidates: [record(0, 1, 10)] })
      ])
    ])
    expect(cost.baselineSeconds).toBe(10)
    expect(cost.groups.find((g) => g.kernels[0] === 1)?.speedup).toBeCloseTo(0.2, 12)
  })

  it("has no speed-up without a baseline", () => {
    const cost = searchCost([input("p", [run({ candidates: [record(0, 1, 1)] })])])
    expect(cost.baselineSeconds).toBeUndefined()
    expect(cost.groups[0].speedup).toBeNaN()
  })
})

describe("fairness", () => {
  const same = (name: string) =>
    input(
      name,
      [1, 2].map((seed) => run({ seed, candidates: [record(0, 1, 1)] }))
    )

  it("passes equal budgets, seeds and data, leaving the baseline out", () => {
    const a = same("a")
    const withBaseline = input("b", [
      ...same("b").searches,
      run({ kernels: [1, 3], budget: 5000, candidates: [record(0, 1, 1)] })
    ])
    const rows = fairness([a, withBaseline])
    expect(rows.map((r) => [r.check, r.fair])).toEqual([
      ["data", true],
      ["scorer", true],
      ["budget", true],
      ["seeds", true],
      ["cache", true]
    ])
    expect(rows[2].detail).toMatch(/budget of 4 candidates .*1 baseline run left out/)
  })

  it("warns about different seeds, budgets, data and cache reuse, naming who differs", () => {
    const a = same("a")
    const b = input(
      "b",
      [
        run({ seed: 1, budget: 8, candidates: [record(0, 1, 1, true)] }),
        run({ seed: 3, budget: 8, candidates: [record(0, 1, 1)] })
      ],
      { dataset: "cifar100:/data" }
    )
    const rows = Object.fromEntries(fairness([a, b]).map((r) => [r.check, r]))
    expect(rows.data.fair).toBe(false)
    expect(rows.data.detail).toMatch(/a: cifar10:\/data; b: cifar100:\/data/)
    expect(rows.budget.fair).toBe(false)
    expect(rows.budget.detail).toMatch(/a random \{3,5\}: 4; b random \{3,5\}: 8/)
    expect(rows.seeds.fair).toBe(false)
    expect(rows.seeds.detail).toMatch(/a random \{3,5\}: 1, 2; b random \{3,5\}: 1, 3/)
    expect(rows.cache.fair).toBe(false)
    expect(rows.cache.detail).toMatch(/a: 0 of 2; b: 1 of 2/)
  })

  it("shows a cell repeated inside its own search as information, a score from another search as a warning", () => {
    // Index 1 repeats index 0's cell in the same search (dedup): free for any strategy.
    const repeats = input("a", [
      run({
        candidates: [record(0, 1, 1), record(1, 1, 0, true), { ...record(2, 1, 1), canonical: "other" }]
      })
    ])
    const rows = fairness([repeats])
    expect(rows.every((r) => r.fair)).toBe(true)
    expect(rows.find((r) => r.check === "repeats")?.detail).toMatch(/same search .*: 1 of 3 candidates/)
    expect(rows.find((r) => r.check === "cache")?.detail).toMatch(/every search computed its own scores/)
    // A first meeting that is cached was computed by another search (or an earlier run).
    const reused = input("b", [run({ candidates: [record(0, 1, 0, true), record(1, 1, 0, true)] })])
    const reuseRows = fairness([reused])
    expect(reuseRows.find((r) => r.check === "cache")).toMatchObject({ fair: false })
    expect(reuseRows.find((r) => r.check === "cache")?.detail).toMatch(
      /another search or an earlier run .*: 1 of 2/
    )
    expect(reuseRows.find((r) => r.check === "repeats")?.detail).toMatch(/: 1 of 2 candidates/)
  })

  it("warns when the scorers' settings differ (SAHD over 64 images is on another scale than over 32)", () => {
    const sahd = (batch: number) => ({ batch, repeats: 2, network: { widths: [8, 16] } })
    const a = input("a", [run({ scorerConfig: sahd(64), candidates: [record(0, 1, 1)] })])
    const b = input("b", [run({ scorerConfig: sahd(32), candidates: [record(0, 1, 1)] })])
    const row = fairness([a, b]).find((r) => r.check === "scorer")
    expect(row?.fair).toBe(false)
    expect(row?.detail).toBe(
      "sahd settings differ, so the scores are on different scales: batch a: 64; b: 32"
    )
    const same = fairness([a, { ...b, searches: a.searches }]).find((r) => r.check === "scorer")
    expect(same).toMatchObject({ fair: true })
    expect(same?.detail).toMatch(/batch 64, network.widths \[8,16\], repeats 2/)
    const other = input("c", [run({ scorer: "synflow", candidates: [record(0, 1, 1)] })])
    expect(fairness([a, other]).find((r) => r.check === "scorer")?.detail).toBe(
      "scorers differ: a: sahd; c: synflow"
    )
  })

  it("leaves strategies that ignore their seed out of the seed check", () => {
    const rows = fairness([
      input("p", [
        ...[1, 2, 3].map((seed) => run({ seed, candidates: [record(0, 1, 1)] })),
        run({ strategy: "exhaustive", seed: 1, candidates: [record(0, 1, 1)] })
      ])
    ])
    expect(rows.find((r) => r.check === "seeds")).toMatchObject({ fair: true })
    expect(rows.find((r) => r.check === "seeds")?.detail).toMatch(
      /seeds 1, 2, 3 .*exhaustive ignores its seed/
    )
    const differ = fairness([
      input("p", [
        run({ seed: 1, candidates: [record(0, 1, 1)] }),
        run({ strategy: "evolution", seed: 2, candidates: [record(0, 1, 1)] })
      ])
    ])
    expect(differ.find((r) => r.check === "seeds")?.fair).toBe(false)
  })

  it("compares dataset fingerprints when every input has one", () => {
    const a = { ...same("a"), datasetFingerprint: "f1" }
    const b = { ...same("b"), datasetFingerprint: "f2" }
    expect(fairness([a, b])[0].fair).toBe(false)
    expect(fairness([a, { ...b, datasetFingerprint: "f1" }])[0].fair).toBe(true)
  })
})

describe("the fixture", () => {
  it("is deterministic and realistic in size", () => {
    const small = { ...defaultFixture, kernelSets: [[3, 5]], budget: 20, baselineBudget: 40 }
    expect(JSON.stringify(fixtureInput(small))).toBe(JSON.stringify(fixtureInput(small)))
    const input = fixtureInput()
    expect(input.searches).toHaveLength(1 + 6 * 2 * 3)
    expect(input.searches.reduce((n, s) => n + s.candidates.length, 0)).toBe(5000 + 36 * 300)
    expect(input.trained.filter((m) => m.selected).length).toBeGreaterThanOrEqual(1)
  })
})

describe("memory at a weight bit-width", () => {
  const memoryOf = (totals: Readonly<Record<"32" | "16" | "8" | "4", number>>) => {
    const at = (weightBits: 32 | 16 | 8 | 4) => {
      const total = totals[`${weightBits}`]
      return {
        weightBits,
        stateBits: weightBits === 32 ? (32 as const) : (16 as const),
        weights: total - 100,
        scales: 0,
        batchNorm: 0,
        biases: 0,
        membranes: 60,
        spikes: 10,
        feedback: 0,
        peakActivation: 30,
        parameters: total - 100,
        runtime: 100,
        total
      }
    }
    return { "32": at(32), "16": at(16), "8": at(8), "4": at(4) }
  }
  const model = (
    kernels: ReadonlyArray<number>,
    accuracy: number,
    bytes: number,
    totals: Parameters<typeof memoryOf>[0]
  ) => ({
    architecture: { ...arch, kernels },
    accuracy,
    score: 0,
    params: bytes / 4,
    bytes,
    memory: memoryOf(totals),
    selected: false,
    firingRates: []
  })
  // Equal accuracy: "a" is smaller in FP32 weights, "b" on a device at 8 bits.
  const trained = [
    model([1, 3], 0.8, 4000, { "32": 5000, "16": 3000, "8": 2500, "4": 2000 }),
    model([1, 5], 0.8, 4400, { "32": 5200, "16": 2900, "8": 2000, "4": 1500 })
  ]
  const pareto = (extra: Partial<ReportInput>) =>
    analyze([input("p", [], { trained, ...extra })]).results.pareto.map((m) =>
      m.architecture.kernels.join(",")
    )

  it("trades the Pareto front against the memory on a device at the budget's width", () => {
    expect(pareto({})).toEqual(["1,3"])
    expect(pareto({ weightBits: 32 })).toEqual(["1,3"])
    expect(pareto({ weightBits: 8 })).toEqual(["1,5"])
  })

  it("lists every model's memory at each width with its parts at the budget's width", () => {
    const analysis = analyze([input("p", [], { trained, weightBits: 8 })])
    const table = deviceMemoryTable(analysis)
    expect(table.columns.map((c) => c.header)).toEqual([
      "Pipeline",
      "Architecture",
      "32-bit",
      "16-bit",
      "8-bit",
      "4-bit",
      "Width",
      "Parameters",
      "State",
      "Peak activation"
    ])
    expect(table.rows.map((r) => r.cells.slice(2))).toEqual([
      ["5,000", "3,000", "2,500", "2,000", "8", "2,400", "70", "30"],
      ["5,200", "2,900", "2,000", "1,500", "8", "1,900", "70", "30"]
    ])
    expect(modelsTable(analysis).columns.map((c) => c.header)).toContain("On device")
    // Without the record on every model the report keeps to the FP32 weights.
    const mixed = analyze([
      input("p", [], { trained: [trained[0], { ...trained[1], memory: undefined }] as never, weightBits: 8 })
    ])
    expect(modelsTable(mixed).columns.map((c) => c.header)).not.toContain("On device")
  })
})
