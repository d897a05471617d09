/**
 * The kill test (issue 8): a 200-candidate search on the toy configuration is killed with SIGKILL
 * at 20 moments drawn from a seed, in separate runs on one store, resumed each time; the final
 * records, selection and report are byte-identical to one uninterrupted run in another store.
 *
 * The killed runs use the lean runner of `support/RunPipeline.ts` (the same store, runner and signal
 * handling as `spikernel run`, started in a fraction of the CLI's time); the last resume is a real
 * `spikernel run`, which also shows the CLI continuing from a store its kin left behind.
 *
 * A moment is "once the journal holds n candidate records, plus d milliseconds" (n, d drawn from the
 * seed, n ascending across runs), so kills land throughout the search — before it starts, between
 * and during journal appends — rather than mostly in process start-up.
 */
import { join } from "node:path"
import { Rng } from "@spikernel/core"
import { describe, expect, it } from "vitest"
import { journaledRecords, recordsWithoutSeconds, stepOutputs } from "./support/StoreContents.ts"
import { leanRunner, parseJson, spikernel, startSpikernel, toyProject } from "./support/ToyProject.ts"

const budget = 200
const kills = 20

const manifestSteps = (document: Record<string, unknown>) =>
  (document.manifest as { steps: Array<{ name: string; key: string; status: string }> }).steps

describe("kill and resume", () => {
  it("gives byte-identical results after 20 SIGKILLs as one uninterrupted run", {
    timeout: 600_000
  }, async () => {
    const project = toyProject({ budget, concurrency: 4, sleepMs: 2 })
    const reference = join(project.dir, "reference")
    const killed = join(project.dir, "killed")

    const straightRun = startSpikernel([], leanRunner(project.pipeline, reference))
    const straight = parseJson(await straightRun.done)

    const draws = Rng.draws({ seed: 20240607, stream: "kill-test", index: 0 })
    const moments = Array.from({ length: kills }, () => ({
      records: draws.int(budget - 10),
      delayMs: draws.int(6)
    }))
    moments.sort((a, b) => a.records - b.records)
    const outcomes: Array<{ readonly at: number; readonly records: number; readonly signal: string | null }> =
      []
    for (const moment of moments) {
      const { child, done } = startSpikernel([], leanRunner(project.pipeline, killed))
      let exited = false
      void done.then(() => {
        exited = true
      })
      while (!exited && journaledRecords(killed) < moment.records) await new Promise((r) => setTimeout(r, 2))
      if (moment.delayMs > 0) await new Promise((r) => setTimeout(r, moment.delayMs))
      child.kill("SIGKILL")
      const result = await done
      // A kill never leaves anything that is reported as corruption: a torn tail is dropped silently.
      expect(result.stderr).not.toMatch(/corrupt|not used/)
      outcomes.push({ at: moment.records, records: journaledRecords(killed), signal: result.signal })
    }
    const resumed = parseJson(
      spikernel(["run", project.pipeline, "--store", killed, "--backend", "cpu", "--json"])
    )

    const reallyKilled = outcomes.filter((o) => o.signal === "SIGKILL").length
    expect(reallyKilled).toBeGreaterThanOrEqual(18)
    // Kills landed during the search, not only before it.
    expect(outcomes.filter((o) => o.records > 0 && o.records < budget).length).toBeGreaterThanOrEqual(15)

    expect(JSON.stringify(resumed.results)).toBe(JSON.stringify(straight.results))
    const keys = manifestSteps(straight).map(({ name, key }) => ({ name, key }))
    expect(manifestSteps(resumed).map(({ name, key }) => ({ name, key }))).toEqual(keys)
    const a = await stepOutputs(reference, keys)
    const b = await stepOutputs(killed, keys)
    expect(b.top).toBe(a.top)
    expect(b.summary).toBe(a.summary)
    expect(b.data).toBe(a.data)
    expect(recordsWithoutSeconds(b.found)).toBe(recordsWithoutSeconds(a.found))
    expect(JSON.parse(a.found).records).toHaveLength(budget)
  })
})
