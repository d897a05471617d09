/**
 * The search-budget ablation (issue 18): best score after b candidates from known score streams,
 * the folder it writes, and a search shorter than the largest budget refused.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FileSystem, Schema } from "effect"
import {
  analyzeBudgetAblation,
  type BudgetAblationInput,
  BudgetAblationResults,
  writeBudgetAblation
} from "../src/BudgetAblation.ts"

const input: BudgetAblationInput = {
  name: "toy",
  dataset: "toy-data",
  scorer: "sahd@1",
  budgets: [2, 4],
  searches: [
    { kernels: [1, 3], seed: 1, scores: [1, 3, 2, 5] },
    { kernels: [1, 3], seed: 2, scores: [4, Number.NEGATIVE_INFINITY, 1, 2] },
    { kernels: [1, 5], seed: 1, scores: [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 7, 1] }
  ]
}

describe("budget ablation", () => {
  it("takes the best of each prefix, then mean, sd and the share of seeds already at their final best", () => {
    const { rows } = analyzeBudgetAblation(input)
    expect(rows.map((r) => [r.kernels, r.budget, r.mean, r.min, r.max, r.reachedFinal])).toEqual([
      ["{1,3}", 2, 3.5, 3, 4, 0.5],
      ["{1,3}", 4, 4.5, 4, 5, 1],
      // Two failed scores: no finite best after 2 candidates.
      ["{1,5}", 2, Number.NaN, Number.NaN, Number.NaN, 0],
      ["{1,5}", 4, 7, 7, 7, 1]
    ])
    expect(rows[0].sd).toBeCloseTo(Math.SQRT1_2, 12)
    expect(rows[3].sd).toBeNaN()
  })

  it.effect("writes the folder; a search shorter than the largest budget is refused", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const files = yield* writeBudgetAblation(input, dir)
      const json = JSON.parse(yield* fs.readFileString(files.results))
      expect(
        Schema.decodeUnknownSync(BudgetAblationResults)(json, { onExcessProperty: "error" }).rows
      ).toHaveLength(4)
      expect(yield* fs.readFileString(files.index)).toContain("Best score reached after b candidates")
      expect(files.written.map((f) => f.path.slice(dir.length + 1)).sort()).toEqual([
        "index.html",
        "plots/budget-ablation.svg",
        "results.json",
        "summary.md"
      ])
      const exit = yield* Effect.exit(writeBudgetAblation({ ...input, budgets: [2, 5] }, `${dir}/short`))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain(
        "the search of {1,3} with seed 1 has 4 candidates; the largest budget is 5"
      )
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))
  )
})
