/**
 * Selectors on hand-made records: ranking ties, the Pareto front, budgets with an empty feasible
 * set, NaN and −Infinity metrics, the plugin Layers and the config schemas.
 */
import { describe, expect, it } from "@effect/vitest"
import { type DeploymentMemory, Plugin, Selector } from "@spikernel/core"
import {
  Budget,
  bestUnderBudget,
  memoryBudget,
  ParetoConfig,
  pareto,
  paretoFront,
  plugins,
  selectBestUnderBudget,
  selectTopK,
  selectWithinBudget,
  TopKConfig,
  topK
} from "@spikernel/selectors"
import { schemaContract } from "@spikernel/testing"
import { Effect } from "effect"

const architecture = {
  cellType: "backward" as const,
  kernels: [1, 3],
  matrix: [
    [0, 3, 0, 2],
    [0, 0, 3, 0],
    [3, 0, 0, 3],
    [0, 0, 0, 0]
  ]
}

const item = (id: string, metric: number, params: number, bytes = params * 4): Selector.SelectionItem => ({
  id,
  architecture,
  metric,
  params,
  bytes
})

const ids = (selection: Selector.Selection): ReadonlyArray<string> => selection.selected.map((s) => s.id)

// Accuracy vs params: a (small, weak), b (mid), c (large, best), d dominated by b, e ties b's accuracy
// with more memory (dominated), f duplicates b exactly (same point: stays on the front).
const records = [
  item("d", 0.6, 300),
  item("c", 0.93, 900),
  item("a", 0.5, 100),
  item("e", 0.8, 400),
  item("b", 0.8, 300),
  item("f", 0.8, 300)
]

describe("top-k", () => {
  it("ranks by metric, ties to the smaller model, then by id", () => {
    expect(ids(selectTopK({ k: 3 }, records))).toEqual(["c", "b", "f"])
    expect(ids(selectTopK({ k: 10 }, records))).toEqual(["c", "b", "f", "e", "d", "a"])
  })
  it("does not depend on the input order", () => {
    const reversed = [...records].reverse()
    expect(ids(selectTopK({ k: 4 }, reversed))).toEqual(ids(selectTopK({ k: 4 }, records)))
  })
  it("puts −Infinity last and ignores NaN with a note", () => {
    const result = selectTopK({ k: 3 }, [
      item("x", -Infinity, 10),
      item("y", Number.NaN, 10),
      item("z", -160, 10)
    ])
    expect(ids(result)).toEqual(["z", "x"])
    expect(result.reason).toMatch(/1 without a comparable metric/)
  })
  it("returns nothing with a reason on an empty input", () => {
    const result = selectTopK({ k: 2 }, [])
    expect(result.selected).toEqual([])
    expect(result.reason).toMatch(/no candidates/)
  })
})

describe("pareto", () => {
  it("keeps the non-dominated points, smallest memory first, duplicates included", () => {
    expect(ids(paretoFront({ memory: "params" }, records))).toEqual(["a", "b", "f", "c"])
  })
  it("drops a point that ties on metric with more memory and one that ties on memory with less metric", () => {
    const front = ids(paretoFront({ memory: "bytes" }, records))
    expect(front).not.toContain("e")
    expect(front).not.toContain("d")
  })
  it("checks every front point against a brute-force dominance test", () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      item(`m${i}`, ((i * 37) % 11) / 10, 100 + ((i * 53) % 17) * 10)
    )
    const dominated = (x: Selector.SelectionItem) =>
      many.some(
        (y) => y.metric >= x.metric && y.bytes <= x.bytes && (y.metric > x.metric || y.bytes < x.bytes)
      )
    const expected = many
      .filter((x) => !dominated(x))
      .map((x) => x.id)
      .sort()
    expect([...ids(paretoFront({ memory: "bytes" }, many))].sort()).toEqual(expected)
  })
  it("can trade against params instead of bytes", () => {
    // Same params, different bytes (e.g. mixed precision): the byte front keeps only the cheaper one.
    const mixed = [item("p", 0.9, 100, 400), item("q", 0.9, 100, 200)]
    expect(ids(paretoFront({ memory: "bytes" }, mixed))).toEqual(["q"])
    expect(ids(paretoFront({ memory: "params" }, mixed))).toEqual(["q", "p"])
  })
  it("is empty with a reason for no candidates", () => {
    const result = paretoFront({ memory: "bytes" }, [])
    expect(result.selected).toEqual([])
    expect(result.reason).toMatch(/no candidates/)
  })
})

describe("best-under-budget", () => {
  it("picks the highest metric within the budget", () => {
    expect(ids(selectBestUnderBudget({ maxParams: 500 }, records))).toEqual(["b"])
    expect(ids(selectBestUnderBudget({ maxParams: 900 }, records))).toEqual(["c"])
  })
  it("treats the budget as inclusive", () => {
    expect(ids(selectBestUnderBudget({ maxParams: 300 }, records))).toEqual(["b"])
    expect(ids(selectBestUnderBudget({ maxParams: 299 }, records))).toEqual(["a"])
  })
  it("breaks a tie in metric towards the smaller model and says so", () => {
    const tied = [item("big", 0.9, 800), item("small", 0.9, 200), item("mid", 0.9, 500)]
    const result = selectBestUnderBudget({ maxParams: 1000 }, tied)
    expect(ids(result)).toEqual(["small"])
    expect(result.reason).toMatch(/3 tied, the smallest/)
  })
  it("applies both caps when both are given", () => {
    const mixed = [item("p", 0.9, 100, 800), item("q", 0.8, 100, 200)]
    expect(ids(selectBestUnderBudget({ maxParams: 100, maxBytes: 400 }, mixed))).toEqual(["q"])
  })
  it("returns an empty selection with a clear reason when nothing fits", () => {
    const result = selectBestUnderBudget({ maxParams: 50 }, records)
    expect(result.selected).toEqual([])
    expect(result.reason).toBe(
      "no candidate fits the budget (≤ 50 params); the smallest of 6, a, has 100 params and 400 bytes"
    )
  })
  it("returns an empty selection for an empty input", () => {
    const result = selectBestUnderBudget({ maxBytes: 10 }, [])
    expect(result.selected).toEqual([])
    expect(result.reason).toMatch(/no candidates to select from/)
  })
})

describe("memory-budget", () => {
  it("keeps every candidate within the budget, best first", () => {
    expect(ids(selectWithinBudget({ maxParams: 400 }, records))).toEqual(["b", "f", "e", "d", "a"])
  })
  it("is empty with a reason when nothing fits", () => {
    const result = selectWithinBudget({ maxBytes: 100 }, records)
    expect(result.selected).toEqual([])
    expect(result.reason).toMatch(/no candidate fits the budget \(≤ 100 bytes\)/)
  })
})

describe("plugins", () => {
  it("lists the four selectors with distinct ids", () => {
    expect(plugins.map((p) => p.id)).toEqual(["top-k", "memory-budget", "pareto", "best-under-budget"])
    for (const p of plugins) expect(p.kind).toBe("Selector")
  })

  it.effect("provide the Selector service through their Layers", () =>
    Effect.gen(function* () {
      const run = (layer: ReturnType<typeof topK.layer>) =>
        Selector.Selector.use((s) => Effect.succeed({ id: s.id, picked: ids(s.select(records)) })).pipe(
          Effect.provide(layer)
        )
      expect(yield* run(topK.layer({ k: 1 }))).toEqual({ id: "top-k", picked: ["c"] })
      expect(yield* run(memoryBudget.layer({ maxParams: 100 }))).toEqual({
        id: "memory-budget",
        picked: ["a"]
      })
      expect(yield* run(pareto.layer({ memory: "bytes" }))).toEqual({
        id: "pareto",
        picked: ["a", "b", "f", "c"]
      })
      expect(yield* run(bestUnderBudget.layer({ maxParams: 10_000_000 }))).toEqual({
        id: "best-under-budget",
        picked: ["c"]
      })
    })
  )

  it.effect("decode configs with defaults and name the plugin on a bad config", () =>
    Effect.gen(function* () {
      expect(yield* Plugin.decodeConfig(pareto, {})).toEqual({ memory: "bytes" })
      const error = yield* Effect.flip(Plugin.decodeConfig(bestUnderBudget, {}))
      expect(error.message).toMatch(/^Selector best-under-budget@1: .*maxParams, maxBytes or both/)
      expect(Plugin.identityOf(topK, { k: 5 })).toEqual({ id: "top-k", version: 1, config: { k: 5 } })
    })
  )
})

schemaContract("TopKConfig", TopKConfig, {
  valid: [{ k: 1 }, { k: 10 }],
  invalid: [
    { name: "k = 0", input: { k: 0 }, message: /greater than 0/ },
    { name: "a fractional k", input: { k: 1.5 }, message: /int/i }
  ]
})

schemaContract("Budget", Budget, {
  valid: [
    { maxParams: 10_000_000 },
    { maxBytes: 40_000_000 },
    { maxParams: 1, maxBytes: 4 },
    { maxBytes: 512_000, weightBits: 8 },
    { maxBytes: 512_000, weightBits: 4 }
  ],
  invalid: [
    { name: "an empty budget", input: {}, message: /maxParams, maxBytes or both/ },
    { name: "a negative cap", input: { maxParams: -1 }, message: /greater than 0/ },
    { name: "a bit-width without maxBytes", input: { maxParams: 5, weightBits: 8 }, message: /give maxBytes/ }
  ]
})

schemaContract("ParetoConfig", ParetoConfig, {
  valid: [{ memory: "bytes" }, { memory: "params" }, { memory: "bytes", weightBits: 8 }],
  invalid: [
    { name: "an unknown memory figure", input: { memory: "flops" }, message: /flops|bytes/ },
    {
      name: "a bit-width on a parameter count",
      input: { memory: "params", weightBits: 8 },
      message: /weightBits/
    }
  ]
})

/** A memory record whose total at each bit-width is given (the rest is weights). */
const memoryOf = (
  totals: Readonly<Record<"32" | "16" | "8" | "4", number>>
): DeploymentMemory.DeploymentMemory => {
  const at = (weightBits: DeploymentMemory.WeightBits): DeploymentMemory.MemoryAtBits => {
    const total = totals[`${weightBits}`]
    return {
      weightBits,
      stateBits: weightBits === 32 ? 32 : 16,
      weights: total,
      scales: 0,
      batchNorm: 0,
      biases: 0,
      membranes: 0,
      spikes: 0,
      feedback: 0,
      peakActivation: 0,
      parameters: total,
      runtime: 0,
      total
    }
  }
  return { "32": at(32), "16": at(16), "8": at(8), "4": at(4) }
}

const measured = (id: string, metric: number, params: number, totals: Parameters<typeof memoryOf>[0]) => ({
  ...item(id, metric, params),
  memory: memoryOf(totals)
})

describe("budgets at a weight bit-width", () => {
  // wide: more accurate, 1 MB on a device at 32 bits, 400 kB at 8; narrow: 500 kB at 32, 300 kB at 8.
  const wide = measured("wide", 0.9, 250_000, { "32": 1_000_000, "16": 600_000, "8": 400_000, "4": 350_000 })
  const narrow = measured("narrow", 0.8, 100_000, {
    "32": 500_000,
    "16": 400_000,
    "8": 300_000,
    "4": 280_000
  })

  it("best-under-budget's choice changes between 32 and 8 bits at the same maxBytes", () => {
    const at32 = selectBestUnderBudget({ maxBytes: 512_000, weightBits: 32 }, [wide, narrow])
    expect(ids(at32)).toEqual(["narrow"])
    expect(at32.reason).toMatch(/that fit ≤ 512,000 bytes at 32 bits/)
    const at8 = selectBestUnderBudget({ maxBytes: 512_000, weightBits: 8 }, [wide, narrow])
    expect(ids(at8)).toEqual(["wide"])
    expect(at8.reason).toMatch(/of the 2 of 2 that fit ≤ 512,000 bytes at 8 bits/)
    // Without weightBits, maxBytes caps the FP32 weights as before (params × 4): 1,000,000 and 400,000.
    expect(ids(selectBestUnderBudget({ maxBytes: 512_000 }, [wide, narrow]))).toEqual(["narrow"])
    expect(ids(selectBestUnderBudget({ maxBytes: 1_000_000 }, [wide, narrow]))).toEqual(["wide"])
  })

  it("memory-budget and the Pareto front use the memory at the bit-width", () => {
    expect(ids(selectWithinBudget({ maxBytes: 350_000, weightBits: 8 }, [wide, narrow]))).toEqual(["narrow"])
    expect(ids(selectWithinBudget({ maxBytes: 350_000, weightBits: 4 }, [wide, narrow]))).toEqual([
      "wide",
      "narrow"
    ])
    // A third model, as accurate as narrow, that is smaller at 32 bits but larger at 8.
    const odd = measured("odd", 0.8, 90_000, { "32": 450_000, "16": 420_000, "8": 410_000, "4": 405_000 })
    expect(ids(paretoFront({ memory: "bytes", weightBits: 32 }, [wide, narrow, odd]))).toEqual([
      "odd",
      "wide"
    ])
    const at8 = paretoFront({ memory: "bytes", weightBits: 8 }, [wide, narrow, odd])
    expect(ids(at8)).toEqual(["narrow", "wide"])
    expect(at8.reason).toBe("2 of 3 on the metric–bytes at 8 bits Pareto front")
  })

  it("breaks a tie towards the smaller model at the bit-width", () => {
    const a = measured("a", 0.8, 100, { "32": 400, "16": 300, "8": 200, "4": 100 })
    const b = measured("b", 0.8, 100, { "32": 300, "16": 290, "8": 280, "4": 270 })
    expect(ids(selectBestUnderBudget({ maxBytes: 1000, weightBits: 32 }, [a, b]))).toEqual(["b"])
    const at8 = selectBestUnderBudget({ maxBytes: 1000, weightBits: 8 }, [a, b])
    expect(ids(at8)).toEqual(["a"])
    expect(at8.reason).toMatch(/2 tied, the smallest \(200 bytes at 8 bits\) wins/)
  })

  it("leaves out items without a memory record and says so, rather than guessing", () => {
    const old = item("old", 0.99, 10)
    const selection = selectBestUnderBudget({ maxBytes: 512_000, weightBits: 8 }, [old, wide, narrow])
    expect(ids(selection)).toEqual(["wide"])
    expect(selection.reason).toMatch(
      /1 without their memory at 8 bits \(measured before it was recorded\) left out/
    )
    const none = selectBestUnderBudget({ maxBytes: 512_000, weightBits: 8 }, [old])
    expect(none.selected).toEqual([])
    expect(none.reason).toMatch(/^no candidates to select from .*1 without their memory at 8 bits/)
    const front = paretoFront({ memory: "bytes", weightBits: 8 }, [old, narrow])
    expect(ids(front)).toEqual(["narrow"])
    expect(front.reason).toMatch(/1 without their memory at 8 bits/)
  })

  it("names the smallest candidate at the bit-width when nothing fits", () => {
    const selection = selectBestUnderBudget({ maxBytes: 100_000, weightBits: 8 }, [wide, narrow])
    expect(selection.reason).toBe(
      "no candidate fits the budget (≤ 100,000 bytes at 8 bits); the smallest of 2, narrow, has 100,000 params and 300,000 bytes at 8 bits"
    )
  })

  it.effect("the budget config rejects unknown keys and other bit-widths, naming the field", () =>
    Effect.gen(function* () {
      expect(yield* Plugin.decodeConfig(bestUnderBudget, { maxBytes: 512_000, weightBits: 8 })).toEqual({
        maxBytes: 512_000,
        weightBits: 8
      })
      const unknown = yield* Effect.flip(Plugin.decodeConfig(bestUnderBudget, { maxBytes: 1, weightbits: 8 }))
      expect(unknown.message).toMatch(/^Selector best-under-budget@1: .*"weightbits"/)
      const six = yield* Effect.flip(Plugin.decodeConfig(bestUnderBudget, { maxBytes: 1, weightBits: 6 }))
      expect(six.message).toMatch(/weightBits/)
      expect(six.message).toMatch(/32|16|8|4/)
      const text = yield* Effect.flip(Plugin.decodeConfig(memoryBudget, { maxBytes: 1, weightBits: "8" }))
      expect(text.message).toMatch(/weightBits/)
      const front = yield* Effect.flip(Plugin.decodeConfig(pareto, { weightBits: 12 }))
      expect(front.message).toMatch(/^Selector pareto@1: .*weightBits/)
      // An existing budget keeps its encoded config, hence its cache key.
      expect(Plugin.identityOf(bestUnderBudget, { maxBytes: 1_000_000 }).config).toEqual({
        maxBytes: 1_000_000
      })
    })
  )
})
