/**
 * One writer per store (issue 8): while a `spikernel run` holds a store, a second `run` of the same
 * pipeline on it reports the holder in one line and exits non-zero. Then Ctrl-C (SIGINT) stops the
 * first run cleanly after the candidate in flight: the journal ends on a complete record, the lock
 * is released, the manifest says `interrupted`, and a resumed run finishes without redoing any score.
 */
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { Journal } from "@spikernel/pipeline"
import { describe, expect, it } from "vitest"
import { journaledRecords } from "./support/StoreContents.ts"
import { leanRunner, parseJson, spikernel, startSpikernel, toyProject } from "./support/ToyProject.ts"

const budget = 200

const journalKeys = (store: string) => {
  const parsed = Journal.parseJournal(readFileSync(join(store, "journal")))
  return { parsed, keys: parsed.records.map((r) => r.record.key) }
}

describe("one writer per store", () => {
  it("refuses a second run with the holder's pid, then stops the first cleanly on SIGINT", {
    timeout: 300_000
  }, async () => {
    const project = toyProject({ budget, sleepMs: 60, concurrency: 1, strategy: "toy-random" })
    const store = join(project.dir, "store")
    const first = startSpikernel(["run", project.pipeline, "--store", store, "--backend", "cpu"])
    let exited = false
    void first.done.then(() => {
      exited = true
    })
    while (!exited && journaledRecords(store) < 1) await new Promise((r) => setTimeout(r, 20))

    const second = spikernel(["run", project.pipeline, "--store", store, "--backend", "cpu"])
    expect(exited).toBe(false)
    expect(second.status).toBe(1)
    expect(second.stderr.trim()).toMatch(
      new RegExp(
        `^spikernel: store ${store} is in use by pid ${first.child.pid} on ${hostname()} since \\S+ \\(spikernel run ${project.pipeline}\\); wait for it to finish or stop it$`
      )
    )

    first.child.kill("SIGINT")
    const stopped = await first.done
    expect(stopped.signal === null || stopped.signal === "SIGINT").toBe(true)
    const { parsed, keys } = journalKeys(store)
    expect(parsed.problems).toEqual([])
    expect(parsed.torn).toBe(false)
    expect(() => readFileSync(join(store, "lock"))).toThrow()
    const records = keys.filter((k) => k.startsWith("record/")).length
    const scores = keys.filter((k) => k.startsWith("score/")).length
    expect(records).toBeGreaterThan(0)
    expect(records).toBeLessThan(budget)
    expect(scores).toBeGreaterThan(0)
    expect(keys.some((k) => k.startsWith("checkpoint/"))).toBe(true)

    const status = parseJson(spikernel(["status", project.pipeline, "--store", store, "--json"]))
    const [latest] = status.runs as Array<{
      state: string
      steps: Array<{ name: string; status: string; candidates?: { done: number; budget: number } }>
    }>
    expect(latest.state).toBe("interrupted")
    expect(latest.steps.find((s) => s.name === "found")).toEqual(
      expect.objectContaining({ status: "interrupted", candidates: { done: records, budget } })
    )

    const resumed = parseJson(await startSpikernel([], leanRunner(project.pipeline, store)).done)
    expect((resumed.manifest as { steps: Array<{ status: string }> }).steps.map((s) => s.status)).toEqual([
      "cached",
      "computed",
      "computed",
      "computed"
    ])
    // No score was computed twice: each score key was written once.
    const after = journalKeys(store).keys.filter((k) => k.startsWith("score/"))
    expect(new Set(after).size).toBe(after.length)
  })
})
