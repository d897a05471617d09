/**
 * Score–memory fronts compared (issue 19): fronts and normalised hypervolumes from hand-set
 * candidates, wins by seed, the folder, and a search without a finite score refused.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FileSystem, Schema } from "effect"
import {
  analyzeFronts,
  type FrontComparisonInput,
  FrontComparisonResults,
  writeFrontComparison
} from "../src/FrontComparison.ts"

const input: FrontComparisonInput = {
  name: "toy",
  dataset: "toy-data",
  scorer: "sahd@1",
  searches: [
    // Box: bytes 100…500, score 0…10 (area 4000).
    {
      strategy: "nsga2",
      seed: 1,
      candidates: [
        { score: 10, bytes: 300 },
        { score: 6, bytes: 100 },
        { score: 5, bytes: 200 }, // dominated by (100, 6)
        { score: Number.NaN, bytes: 50 } // a failed score: outside every front and the box
      ]
    },
    {
      strategy: "random",
      seed: 1,
      candidates: [
        { score: 8, bytes: 200 },
        { score: 0, bytes: 500 }
      ]
    }
  ]
}

describe("front comparison", () => {
  it("finds each front and its share of the common box", () => {
    const results = analyzeFronts(input)
    expect(results.box).toEqual({ ideal: { bytes: 100, score: 10 }, reference: { bytes: 500, score: 0 } })
    const [nsga, random] = results.searches
    expect(nsga.front).toEqual([
      { bytes: 100, score: 6 },
      { bytes: 300, score: 10 }
    ])
    // [100, 300) × 6 + [300, 500) × 10 = 1200 + 2000, over 4000.
    expect(nsga.hypervolume).toBeCloseTo(0.8, 12)
    // [200, 500) × 8 = 2400 over 4000; (500, 0) is dominated by (200, 8).
    expect(random.hypervolume).toBeCloseTo(0.6, 12)
    expect(results.strategies.map((s) => [s.strategy, s.winsBySeed, s.frontSize])).toEqual([
      ["nsga2", 1, 2],
      ["random", 0, 1]
    ])
    expect(results.strategies[0].hypervolume.sd).toBeNaN()
  })

  it.effect("writes the folder; a search with no finite score is refused", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const files = yield* writeFrontComparison(input, dir)
      const json = JSON.parse(yield* fs.readFileString(files.results))
      expect(
        Schema.decodeUnknownSync(FrontComparisonResults)(json, { onExcessProperty: "error" }).searches
      ).toHaveLength(2)
      expect(yield* fs.readFileString(files.index)).toContain(
        "Hypervolume of the score–memory front, by strategy"
      )
      expect(files.written.map((f) => f.path.slice(dir.length + 1)).sort()).toEqual([
        "index.html",
        "plots/front-comparison.svg",
        "results.json",
        "summary.md"
      ])
      const exit = yield* Effect.exit(
        writeFrontComparison(
          {
            ...input,
            searches: [
              ...input.searches,
              { strategy: "random", seed: 2, candidates: [{ score: Number.NaN, bytes: 1 }] }
            ]
          },
          `${dir}/bad`
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("the random search with seed 2 has no candidate with a finite score")
    }).pipe(Effect.provide(NodeServices.layer))
  )
})
