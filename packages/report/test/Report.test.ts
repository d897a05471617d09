import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FileSystem, Schema } from "effect"
import { compare, decodeReportInput, report } from "../src/Report.ts"
import { ReportInput } from "../src/ReportInput.ts"
import { ReportResults } from "../src/ReportResults.ts"
import { defaultFixture, fixtureInput } from "./ReportFixture.ts"

const withTempDir = <A, E>(use: (dir: string) => Effect.Effect<A, E, NodeServices.NodeServices>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "spikernel-report-" })
    return yield* use(dir)
  }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

const read = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return yield* fs.readFileString(file)
  })

// Where two texts first differ, with some context; undefined when they are equal. Keeps a failure
// readable where a full diff of two 300 kB pages would not be.
const firstDifference = (a: string, b: string): string | undefined => {
  if (a === b) return undefined
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return `at ${i}: …${a.slice(Math.max(0, i - 60), i + 60)}… vs …${b.slice(Math.max(0, i - 60), i + 60)}…`
}

const plotIds = [
  "accuracy-memory",
  "score-accuracy",
  "best-so-far-candidates",
  "best-so-far-seconds",
  "search-time",
  "firing-rate"
]

// Three pipelines as a user would compare them: the SNASNet search, and two SpiKernel kernel sets.
const comparisonInputs = () => [
  fixtureInput({
    ...defaultFixture,
    name: "snasnet",
    kernelSets: [[1, 3]],
    strategies: ["random"],
    baselineBudget: undefined
  }),
  fixtureInput({
    ...defaultFixture,
    name: "spikernel-35",
    kernelSets: [[3, 5]],
    strategies: ["regularized-evolution"],
    baselineBudget: undefined
  }),
  fixtureInput({
    ...defaultFixture,
    name: "spikernel-57",
    kernelSets: [[5, 7]],
    strategies: ["regularized-evolution"],
    baselineBudget: undefined,
    seeds: [1, 2],
    cachedShare: 0.2
  })
]

describe("report", () => {
  it.effect(
    "writes index.html with every plot inline, summary.md and a results.json that decodes",
    () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const input = fixtureInput()
          const files = yield* report(input, dir)
          expect(files.warnings).toEqual([])
          expect(files.absent).toEqual([])
          expect(files.plots.map((file) => file.slice(file.lastIndexOf("/") + 1))).toEqual(
            plotIds.map((id) => `${id}.svg`)
          )

          const html = yield* read(files.index)
          for (const id of plotIds) expect(html).toContain(`data-plot="${id}"`)
          expect(html.match(/<svg /g)).toHaveLength(plotIds.length)
          // Static and offline: no scripts, and nothing is loaded from anywhere.
          // (Matches rather than the page in the assertion, so a failure prints the offending bit.)
          expect(html.match(/<script|<link|<img|<iframe|@import|url\((?!#)/i)?.[0]).toBeUndefined()
          expect(html.match(/(src|href)\s*=\s*["']?(https?:)?\/\/[^"' >]*/i)?.[0]).toBeUndefined()
          // Ids are scoped per plot, so the inlined SVGs cannot capture each other's clip paths.
          const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])
          expect(ids.length).toBeGreaterThan(plotIds.length)
          expect(new Set(ids).size).toBe(ids.length)
          // Titles and units of the plots (booleans, so a failure does not print the whole page).
          for (const text of [
            "SAHD score vs trained accuracy (Kendall's τ-b = ",
            "Weight memory (MB)",
            "Top-1 test accuracy (%)",
            "Search time paid per run (s)",
            "Search time paid (s)",
            "Candidates evaluated",
            "Firing rate (%)"
          ])
            expect(html.includes(text), text).toBe(true)

          const results = yield* Schema.decodeUnknownEffect(ReportResults)(
            JSON.parse(yield* read(files.results))
          )
          expect(results.kind).toBe("report")
          expect(results.pipelines[0].paid).toBe(5000 + 36 * 300)
          expect(results.searchCost).toHaveLength(1 + 12)
          expect(results.searchCost[0]).toMatchObject({
            baseline: true,
            kernels: [1, 3],
            budget: 5000,
            speedup: 1
          })
          // Bigger kernels cost more per candidate: {5,7} searches 300 candidates slower than {1,3} does.
          const speedup = (k: string) =>
            results.searchCost.find(
              (g) => !g.baseline && g.kernels.join(",") === k && g.strategy === "random"
            )!.speedup
          expect(speedup("1,3")).toBeGreaterThan(speedup("5,7"))
          expect(speedup("5,7")).toBeGreaterThan(1)
          expect(results.kendall[0].group).toBe("all")
          expect(results.kendall[0].n).toBe(30)
          expect(results.kendall[0].tau).toBeGreaterThan(0.3)
          expect(results.pareto.length).toBeGreaterThan(0)
          expect(results.fairness.every((row) => row.fair)).toBe(true)

          const summary = yield* read(files.summary)
          expect(summary).toMatch(/^# Spikernel report: spikernel-pairs/)
          for (const id of plotIds) expect(summary).toContain(`(plots/${id}.svg)`)
        })
      ),
    120_000
  )

  it.effect(
    "is deterministic: the same input writes the same bytes",
    () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const input = fixtureInput({
            ...defaultFixture,
            kernelSets: [
              [1, 3],
              [3, 5]
            ],
            budget: 60,
            baselineBudget: 200
          })
          const first = yield* report(input, `${dir}/a`)
          const second = yield* report(input, `${dir}/b`)
          for (const file of ["index", "results", "summary"] as const) {
            const a = yield* read(first[file])
            const b = yield* read(second[file])
            expect(firstDifference(a, b), file).toBeUndefined()
          }
        })
      ),
    120_000
  )

  it.effect(
    "says which plots it could not draw instead of drawing empty ones",
    () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const input = {
            ...fixtureInput({
              ...defaultFixture,
              kernelSets: [[3, 5]],
              budget: 30,
              baselineBudget: undefined
            }),
            trained: []
          }
          const files = yield* report(input, dir)
          expect(files.absent).toHaveLength(3)
          expect(files.absent.join(" ")).toMatch(/no trained models/)
          const html = yield* read(files.index)
          expect(html.includes("Plots not drawn")).toBe(true)
          expect(html.match(/<svg /g)).toHaveLength(3)
        })
      ),
    120_000
  )
})

describe("compare", () => {
  it.effect(
    "lists each pipeline's selection in one summary table and warns where the comparison is unfair",
    () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const inputs = comparisonInputs()
          const files = yield* compare(inputs, dir)
          expect(files.warnings).toEqual([])
          const summary = yield* read(files.summary)
          expect(summary).toMatch(/^# Spikernel comparison: snasnet vs spikernel-35 vs spikernel-57/)
          expect(summary).toMatch(/Warning: this comparison is not fair in 2 respects:\*\* seeds, cache/)

          // The one table: every pipeline with its selected architecture, accuracy, params, bytes, time.
          const table = summary.split("## Selected models")[1].split("\n## ")[0]
          expect(table).toContain(
            "| Pipeline | Selected architecture | Accuracy | Parameters | Bytes | Memory | SAHD score | Search time |"
          )
          const results = yield* Schema.decodeUnknownEffect(ReportResults)(
            JSON.parse(yield* read(files.results))
          )
          expect(results.kind).toBe("comparison")
          for (const pipeline of results.pipelines) {
            expect(pipeline.selected.length).toBeGreaterThan(0)
            for (const model of pipeline.selected) {
              const line = table
                .split("\n")
                .find((l) => l.startsWith(`| ${pipeline.name} | ${model.label} |`))
              expect(line, `${pipeline.name} ${model.label}`).toBeDefined()
              expect(line).toContain(`| ${(model.accuracy * 100).toFixed(2)} % |`)
              expect(line).toContain(`| ${model.params.toLocaleString("en-US")} |`)
              expect(line).toContain(`| ${model.bytes.toLocaleString("en-US")} |`)
              expect(line).toMatch(/ s \|$/)
            }
          }
          // Search time counts only paid work: the pipeline that reused 20% of its candidates says so.
          const reuse = results.pipelines.find((p) => p.name === "spikernel-57")!
          expect(reuse.cached).toBeGreaterThan(0)
          expect(reuse.paid + reuse.cached).toBe(2 * 300)

          const html = yield* read(files.index)
          expect(html.match(/<tr class="warn">/g)).toHaveLength(2)
          const seedWarning =
            "seeds differ: snasnet random {1,3}: 1, 2, 3; spikernel-35 regularized-evolution {3,5}: 1, 2, 3; spikernel-57 regularized-evolution {5,7}: 1, 2"
          expect(html.includes(seedWarning), seedWarning).toBe(true)
        })
      ),
    120_000
  )

  it.effect("warns, in the page, summary.md and what it returns, when the scorers' settings differ", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const small = {
          ...defaultFixture,
          kernelSets: [[1, 3]],
          strategies: ["random"],
          budget: 10,
          baselineBudget: undefined
        }
        const withBatch = (name: string, batch: number) => {
          const input = fixtureInput({ ...small, name })
          return {
            ...input,
            trained: [],
            searches: input.searches.map((run) => ({
              ...run,
              scorerConfig: { batch, network: { widths: [8, 16] } }
            }))
          }
        }
        const files = yield* compare([withBatch("batch-64", 64), withBatch("batch-32", 32)], dir)
        const detail =
          "sahd settings differ, so the scores are on different scales: batch batch-64: 64; batch-32: 32"
        expect(files.unfair).toEqual([`scorer: ${detail}`])
        expect(yield* read(files.summary)).toMatch(/not fair in 1 respect:\*\* scorer/)
        expect((yield* read(files.index)).includes(detail)).toBe(true)
        // Nothing trained: no "selected" table and no "none selected" row.
        expect(yield* read(files.summary)).not.toMatch(/Selected models|none selected/)
      })
    )
  )

  it.effect("needs at least two distinct pipelines", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const one = fixtureInput({
          ...defaultFixture,
          kernelSets: [[3, 5]],
          budget: 10,
          baselineBudget: undefined
        })
        const few = yield* Effect.exit(compare([one], dir))
        expect(Exit.isFailure(few)).toBe(true)
        expect(String(Exit.isFailure(few) ? few.cause : "")).toMatch(/at least two pipelines, got 1/)
        const twice = yield* Effect.flip(compare([one, one], dir))
        expect(twice.reason).toBe("input")
        expect(twice.message).toBe(
          'report: pipeline name "spikernel-pairs" appears twice; a comparison needs distinct names'
        )
      })
    )
  )
})

describe("ReportInput", () => {
  it.effect("survives encode → JSON → decode, and rejects a bad record with a message", () =>
    Effect.gen(function* () {
      const input = fixtureInput({ ...defaultFixture, kernelSets: [[3, 7]], budget: 12, baselineBudget: 20 })
      const json = JSON.parse(JSON.stringify(yield* Schema.encodeEffect(ReportInput)(input)))
      const decoded = yield* decodeReportInput(json)
      expect(decoded).toEqual(input)

      json.trained[0].accuracy = 1.5
      const error = yield* Effect.flip(decodeReportInput(json))
      expect(error.reason).toBe("input")
      expect(error.message).toMatch(/invalid report input/)
      expect(error.message).toMatch(/accuracy/)

      // A key the schema does not know is refused, not dropped.
      const extra = JSON.parse(JSON.stringify(yield* Schema.encodeEffect(ReportInput)(input)))
      extra.searches[0].scorerSettings = { batch: 64 }
      const unknown = yield* Effect.flip(decodeReportInput(extra))
      expect(unknown.message).toMatch(/scorerSettings/)
    })
  )
})
