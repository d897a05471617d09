/**
 * A user's own pipeline folder, outside the repository: `spikernel init` writes it, `tsc` checks it
 * against this installation's packages, and `spikernel run` runs a pipeline there that imports
 * `@spikernel/snasnet` by name — in a folder made with `init`, and in a bare one holding nothing but
 * the file. The second pipeline brings its own scorer, which refuses every candidate for memory: the
 * refusal's figures reach `spikernel run --json`, the run manifest and `spikernel report`.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { parseJson, repoRoot, spikernel } from "./support/ToyProject.ts"

const scratch = mkdtempSync(join(tmpdir(), "spikernel-external-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A small search: params-scored candidates, the top two. */
const searchPipeline = `import { Datasets, load, pipeline, report, Scorers, Search, search, select, Selectors, space, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.params, {}),
  budget: 6
})
const top = select({ from: found, selector: use(Selectors.topK, { k: 2 }) })
export default pipeline({ name: "mine", seed: 3, steps: { data, found, top, summary: report({ from: { found, top } }) } })
`

/** A pipeline with a scorer of its own that refuses every candidate as too large for memory. */
const refusingPipeline = `import { Scorer, type Plugin } from "@spikernel/core"
import { Datasets, load, pipeline, Search, search, space, use } from "@spikernel/snasnet"
import { Effect, Layer, Schema } from "effect"

const tooLarge: Plugin.Plugin<"Scorer", object, object, Scorer.Scorer> = {
  kind: "Scorer",
  id: "too-large",
  version: 1,
  description: "Refuses every candidate for memory",
  config: Schema.Struct({}),
  layer: () =>
    Layer.succeed(Scorer.Scorer, {
      id: "too-large",
      score: () =>
        Effect.fail(
          new Scorer.ScoreError({
            scorer: "too-large",
            reason: "a forward pass needs about 6,144 MiB, 3,072 MiB free (limit 4,096 MiB)",
            memory: { neededBytes: 6442450944, freeBytes: 3221225472, limitBytes: 4294967296 }
          })
        )
    })
}

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(tooLarge, {}),
  budget: 3
})
export default pipeline({ name: "refused", seed: 1, steps: { data, found }, plugins: [tooLarge] })
`

describe("a pipeline folder outside the repository", () => {
  it("spikernel init writes a folder that type-checks, and a pipeline there runs importing by name", () => {
    const dir = join(scratch, "mine")
    const init = parseJson(spikernel(["init", dir, "--json"]))
    expect(init.written).toEqual([
      join(dir, "package.json"),
      join(dir, "pipeline.ts"),
      join(dir, "tsconfig.json")
    ])
    // A second init keeps what is there.
    expect(parseJson(spikernel(["init", dir, "--json"])).kept).toHaveLength(3)
    writeFileSync(join(dir, "search.ts"), searchPipeline)
    const tsc = spawnSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], {
      cwd: repoRoot,
      encoding: "utf8"
    })
    expect(tsc.stdout + tsc.stderr).toBe("")
    expect(tsc.status).toBe(0)
    // And the type checker does check: a wrong config type is an error.
    writeFileSync(join(dir, "wrong.ts"), searchPipeline.replace("budget: 6", 'budget: "six"'))
    const wrong = spawnSync(
      process.execPath,
      [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir],
      {
        cwd: repoRoot,
        encoding: "utf8"
      }
    )
    expect(wrong.status).not.toBe(0)
    expect(wrong.stdout).toContain("wrong.ts")
    rmSync(join(dir, "wrong.ts"))

    const run = parseJson(
      spikernel(["run", join(dir, "search.ts"), "--store", join(scratch, "store-a"), "--json"])
    )
    const manifest = run.manifest as { steps: ReadonlyArray<{ name: string; status: string }> }
    expect(manifest.steps.map((step) => step.status)).toEqual([
      "computed",
      "computed",
      "computed",
      "computed"
    ])
  }, 300_000)

  it("a typo'd config key fails plan and run with one line naming it and the known keys", () => {
    const dir = mkdtempSync(join(scratch, "typo-"))
    const file = join(dir, "typo.ts")
    // \`as never\`: the type checker would catch the typo; \`spikernel run\` must too, without it.
    writeFileSync(
      file,
      searchPipeline.replace(
        "use(Search.randomSearch, {})",
        "use(Search.regularizedEvolution, { populationSize: 8 } as never)"
      )
    )
    for (const command of ["plan", "run"]) {
      const result = spikernel([command, file, "--store", join(scratch, "store-typo")])
      expect(result.status).toBe(1)
      const lines = result.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(
        /^spikernel: .*typo\.ts: step "found" strategy: regularized-evolution@1: unknown key "populationSize" \(known: population, sampleSize\)$/
      )
    }
    expect(existsSync(join(scratch, "store-typo", "journal"))).toBe(false)
  }, 300_000)

  it("runs from a bare folder holding only the pipeline file", () => {
    const dir = mkdtempSync(join(scratch, "bare-"))
    writeFileSync(join(dir, "search.ts"), searchPipeline)
    expect(existsSync(join(dir, "package.json"))).toBe(false)
    const run = parseJson(
      spikernel(["run", join(dir, "search.ts"), "--store", join(scratch, "store-b"), "--json"])
    )
    expect(Object.keys(run.results as object)).toEqual(["summary"])
  }, 300_000)

  it("a memory refusal keeps its figures: run --json, the manifest, and the report", () => {
    const dir = mkdtempSync(join(scratch, "refused-"))
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
    const file = join(dir, "refused.ts")
    writeFileSync(file, refusingPipeline)
    const store = join(scratch, "store-refused")
    const run = spikernel(["run", file, "--store", store, "--json"])
    expect(run.status).toBe(1)
    const lines = run.stderr.trim().split("\n")
    expect(lines.at(-1)).toMatch(
      /^spikernel: step "found": candidate 0 \(backward\[1,3\]:.*\): too-large: a forward pass needs about 6,144 MiB/
    )
    const { error } = JSON.parse(run.stdout) as { error: Record<string, unknown> }
    expect(error).toMatchObject({
      _tag: "StepError",
      step: "found",
      candidate: { index: 0 },
      memory: { neededBytes: 6442450944, freeBytes: 3221225472, limitBytes: 4294967296 }
    })

    const status = parseJson(spikernel(["status", "--store", store, "--json"]))
    expect(JSON.stringify(status)).toContain('"status":"failed"')

    const out = join(scratch, "refused-report")
    const report = spikernel(["report", file, "--out", out, "--store", store])
    expect(report.status).toBe(0)
    const summary = readFileSync(join(out, "summary.md"), "utf8")
    expect(summary).toContain("## Steps that failed")
    expect(summary).toMatch(
      /\| refused \| found \| 0: backward\[1,3\]:.* \| 6,144 MiB \| 3,072 MiB \| 4,096 MiB \|/
    )
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"))
    expect(results.pipelines[0].failures[0].memory).toEqual({
      neededBytes: 6442450944,
      freeBytes: 3221225472,
      limitBytes: 4294967296
    })
  }, 300_000)
})
