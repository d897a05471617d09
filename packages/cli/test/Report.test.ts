/**
 * `spikernel report` and `spikernel compare` end to end: two toy pipelines are run into a store (with
 * the pipeline package's toy plugins, no tensors), then the CLI writes their report and comparison
 * from that store.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { NodeServices } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  evaluate,
  load,
  Prepare,
  Progress,
  Registry,
  Runner,
  search,
  Store,
  select,
  train,
  tradeoff,
  use
} from "@spikernel/pipeline"
import { ReportResults } from "@spikernel/report"
import { htmlReport, htmlReporter } from "@spikernel/snasnet"
import { Effect, Schema } from "effect"
import { pipeline } from "../../pipeline/src/Pipeline.ts"
import {
  ToyData,
  ToyEvaluator,
  ToyScorer,
  ToySpace,
  ToyTopK,
  ToyTrainer,
  toyPlugins
} from "../../pipeline/test/ToyPlugins.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "spikernel-cli-report-"))
const store = join(scratch, "store")
// Runs are found by the pipeline file path their manifest records; the files need not exist.
const randomFile = join(scratch, "random-search.ts")
const evolutionFile = join(scratch, "evolution-search.ts")
// A pipeline with its own report step (the `html` reporter), declared under another name than its file.
const reportedFile = join(scratch, "with-report.ts")
const declaredOut = join(scratch, "declared-report")

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const toyPipeline = (strategy: "toy-random" | "toy-evolution", withReport = false) => {
  const data = load({ loader: use(ToyData, { size: 8 }) })
  const found = search({
    dataset: data,
    space: use(ToySpace, { ops: 5 }),
    strategy:
      strategy === "toy-evolution"
        ? { id: "toy-evolution", config: { population: 8 } }
        : { id: "toy-random" },
    scorer: use(ToyScorer, { sleepMs: 0, offset: 0 }),
    budget: 40
  })
  const top = select({ from: found, selector: use(ToyTopK, { k: 3 }) })
  const models = train({ from: top, dataset: data, trainer: { id: "toy-train", config: { epochs: 2 } } })
  const scored = evaluate({ models, dataset: data, evaluator: { id: "toy-eval" } })
  const best = tradeoff({ from: scored, selector: use(ToyTopK, { k: 1 }) })
  const steps = { data, found, top, models, scored, best }
  if (!withReport) return pipeline({ seed: 5, steps })
  const summary = htmlReport({
    out: declaredOut,
    name: "toy-declared",
    seed: 5,
    from: { data, found, scored },
    budget: { maxBytes: 1_000_000_000 }
  })
  return pipeline({ seed: 5, steps: { ...steps, summary } })
}

beforeAll(async () => {
  const registry = Registry.make(toyPlugins, [ToyTrainer, ToyEvaluator, htmlReporter])
  for (const [file, strategy, withReport] of [
    [randomFile, "toy-random", false],
    [evolutionFile, "toy-evolution", false],
    [reportedFile, "toy-random", true]
  ] as const) {
    await Effect.runPromise(
      Effect.gen(function* () {
        const prepared = yield* Prepare.prepare(toyPipeline(strategy, withReport), registry, file)
        yield* Runner.run({
          prepared,
          pipelineFile: file,
          pipelineHash: "0".repeat(64),
          backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false }
        })
      }).pipe(
        Effect.provide(Store.layer({ root: store, mode: "write", command: "test" })),
        Effect.provide([Progress.layerSilent, NodeServices.layer])
      )
    )
  }
}, 120_000)
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const results = (dir: string) =>
  Schema.decodeUnknownSync(ReportResults.ReportResults)(
    JSON.parse(readFileSync(join(dir, "results.json"), "utf8"))
  )

describe("spikernel report", () => {
  it("writes the report of a pipeline's latest run from the store", () => {
    const out = join(scratch, "report")
    const result = spikernel("report", randomFile, "--store", store, "--out", out, "--json")
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    const printed = JSON.parse(result.stdout)
    expect(printed.index).toBe(join(out, "index.html"))
    for (const file of ["index.html", "summary.md", "results.json"])
      expect(existsSync(join(out, file)), file).toBe(true)

    const report = results(out)
    expect(report.kind).toBe("report")
    expect(report.pipelines[0]).toMatchObject({
      name: "random-search",
      dataset: "toy",
      strategies: ["toy-random"],
      seeds: [5]
    })
    expect(report.pipelines[0].paid + report.pipelines[0].cached).toBe(40)
    // top-3 trained and evaluated, the tradeoff picked one of them.
    expect(report.trained).toHaveLength(3)
    expect(report.trained.every((model) => Number.isFinite(model.score))).toBe(true)
    expect(report.pipelines[0].selected).toHaveLength(1)
    // Firing rates are not among the pipeline's outputs: that plot is left out, and says so.
    expect(printed.absent).toEqual([
      "Firing rate per layer: no firing rates recorded for the trained models."
    ])
  }, 300_000)

  it("without --out writes the run's own report where the pipeline declares it, byte for byte; --out the same bytes elsewhere", () => {
    // The run wrote its report (and recorded each file's SHA-256); read it, then remove it.
    const files = (dir: string): Array<string> =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
        .sort()
    const snapshot = (dir: string) => new Map(files(dir).map((file) => [file, readFileSync(join(dir, file))]))
    const byRun = snapshot(declaredOut)
    expect([...byRun.keys()]).toContain("index.html")
    expect(byRun.size).toBeGreaterThanOrEqual(5)
    rmSync(declaredOut, { recursive: true, force: true })

    const again = spikernel("report", reportedFile, "--store", store)
    expect(again.stderr).toBe("")
    expect(again.status).toBe(0)
    expect(again.stdout).toContain(`wrote ${join(declaredOut, "index.html")}`)
    const elsewhere = join(scratch, "elsewhere")
    const moved = spikernel("report", reportedFile, "--store", store, "--out", elsewhere)
    expect(moved.status).toBe(0)
    for (const dir of [declaredOut, elsewhere]) {
      const made = snapshot(dir)
      expect([...made.keys()]).toEqual([...byRun.keys()])
      for (const [file, bytes] of byRun) expect(made.get(file)?.equals(bytes), `${dir}: ${file}`).toBe(true)
    }
    // Not the degraded store reconstruction: the declared name, the pick made, the budget drawn.
    const report = results(elsewhere)
    expect(report.pipelines[0].name).toBe("toy-declared")
    expect(report.pipelines[0].selected).toHaveLength(1)
    expect(report.pipelines[0].memoryBudgetBytes).toBe(1_000_000_000)
    expect(readFileSync(join(elsewhere, "summary.md"), "utf8")).not.toMatch(/none selected/)
  }, 300_000)

  it("needs --out for a run without a report step, and says so in one line", () => {
    const result = spikernel("report", randomFile, "--store", store)
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(/has no html report step .*; pass --out DIR/)
  }, 300_000)

  it("exits 1 with one line when the store has no run of the pipeline", () => {
    const result = spikernel(
      "report",
      join(scratch, "never-run.ts"),
      "--store",
      store,
      "--out",
      join(scratch, "none")
    )
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(
      /^spikernel: report: no run of .*never-run\.ts in store .*; run `spikernel run /
    )
    expect(existsSync(join(scratch, "none"))).toBe(false)
  }, 300_000)
})

describe("spikernel compare", () => {
  it("writes one summary table of both pipelines' selections", () => {
    const out = join(scratch, "compare")
    const result = spikernel("compare", randomFile, evolutionFile, "--store", store, "--out", out)
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`wrote ${join(out, "index.html")}`)
    const summary = readFileSync(join(out, "summary.md"), "utf8")
    expect(summary).toMatch(/^# Spikernel comparison: random-search vs evolution-search/)
    const comparison = results(out)
    expect(comparison.kind).toBe("comparison")
    for (const pipeline of comparison.pipelines) {
      expect(pipeline.selected).toHaveLength(1)
      expect(summary).toContain(`| ${pipeline.name} | ${pipeline.selected[0].label} |`)
    }
    // Same data, budget and seed; the strategies differ, which is what is being compared.
    expect(comparison.fairness.filter((row) => row.check !== "cache").every((row) => row.fair)).toBe(true)
    expect(summary).not.toMatch(/none selected/)
  }, 300_000)

  it("names a pipeline with a report step as it declares itself", () => {
    const out = join(scratch, "compare-declared")
    const result = spikernel("compare", randomFile, reportedFile, "--store", store, "--out", out, "--json")
    expect(result.status).toBe(0)
    expect(results(out).pipelines.map((p) => p.name)).toEqual(["random-search", "toy-declared"])
  }, 300_000)
})
