/**
 * `spikernel plan` after editing one plugin's config lists exactly the steps downstream of it (and
 * the step itself) as stale, with the reason; the steps above stay cached.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  leanRunner,
  parseJson,
  spikernel,
  startSpikernel,
  toyPipelineSource,
  toyProject
} from "./support/ToyProject.ts"

interface Row {
  readonly name: string
  readonly status: string
  readonly reasons: ReadonlyArray<string>
}

const plan = (pipeline: string, store: string) =>
  (parseJson(spikernel(["plan", pipeline, "--store", store, "--json"])).rows as ReadonlyArray<Row>).map(
    (row) => [row.name, row.status, row.reasons]
  )

describe("plan", () => {
  it("marks exactly the downstream steps of a changed config as stale", { timeout: 300_000 }, async () => {
    const options = { budget: 40, sleepMs: 0, strategy: "toy-random" as const, k: 5 }
    const project = toyProject(options)
    const store = join(project.dir, "store")
    parseJson(await startSpikernel([], leanRunner(project.pipeline, store)).done)

    writeFileSync(project.pipeline, toyPipelineSource({ ...options, k: 7 }))
    expect(plan(project.pipeline, store)).toEqual([
      ["data", "cached", []],
      ["found", "cached", []],
      ["top", "stale", ['selector toy-top-k@1 config {"k":5} → {"k":7}']],
      ["summary", "stale", ["upstream top changed"]]
    ])

    writeFileSync(project.pipeline, toyPipelineSource({ ...options, offset: 1 }))
    expect(plan(project.pipeline, store)).toEqual([
      ["data", "cached", []],
      ["found", "stale", ['scorer toy-score@1 config {"offset":0,"sleepMs":0} → {"offset":1,"sleepMs":0}']],
      ["top", "stale", ["upstream found changed"]],
      ["summary", "stale", ["upstream found changed", "upstream top changed"]]
    ])
  })
})
