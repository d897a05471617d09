/**
 * Corruption (issue 8): a truncated blob, a flipped byte in a blob, a garbage line in the middle of
 * the journal and a stale lock from a dead pid, all in one store. `spikernel run` reports each in one
 * line on stderr, recomputes what was lost and the steps made from it (issue 16), and ends with
 * results byte-identical to the intact run: a corrupt value is never used. A second run then reports nothing and computes nothing.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, truncateSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { leanRunner, parseJson, spikernel, startSpikernel, toyProject } from "./support/ToyProject.ts"

interface Line {
  readonly index: number
  readonly record: { readonly key: string; readonly tag: string; readonly blob?: string }
}

const journalLines = (store: string): Array<Line> =>
  readFileSync(join(store, "journal"), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line, index) => ({ index, record: JSON.parse(line.slice(65)) }))

const blobPath = (store: string, hash: string) => join(store, "blobs", hash.slice(0, 2), hash)

describe("corruption", () => {
  it("detects, reports in one line and recomputes; never uses a corrupt value", {
    timeout: 300_000
  }, async () => {
    const project = toyProject({ budget: 60, sleepMs: 0, strategy: "toy-random" })
    const store = join(project.dir, "store")
    const intact = parseJson(await startSpikernel([], leanRunner(project.pipeline, store)).done)
    const steps = (intact.manifest as { steps: Array<{ name: string; key: string }> }).steps
    const keyOf = (name: string) => steps.find((s) => s.name === name)!.key

    const lines = journalLines(store)
    const blobOf = (name: string) => lines.find((l) => l.record.key === `step/${keyOf(name)}`)!.record.blob!
    // A truncated blob: the search's output.
    truncateSync(blobPath(store, blobOf("found")), 100)
    // A flipped byte in a blob: a digit of the report's JSON, so it would still parse.
    const report = readFileSync(blobPath(store, blobOf("summary")))
    const digit = report.indexOf("7", 1000)
    report[digit] = "8".charCodeAt(0)
    writeFileSync(blobPath(store, blobOf("summary")), report)
    // A garbage line in the middle of the journal: candidate 10's record.
    const journal = readFileSync(join(store, "journal"), "utf8").split("\n")
    const garbled = lines.find((l) => l.record.key === `record/${keyOf("found")}/10`)!.index
    journal[garbled] = "\u0000\u0000 garbage where a record was \u00ff"
    writeFileSync(join(store, "journal"), journal.join("\n"))
    // A stale lock left by a process that is gone.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!
    writeFileSync(
      join(store, "lock"),
      JSON.stringify({
        pid: dead,
        hostname: hostname(),
        startedAt: "2020-01-01T00:00:00.000Z",
        command: "spikernel run"
      })
    )

    const repaired = spikernel(["run", project.pipeline, "--store", store, "--backend", "cpu", "--json"])
    const document = parseJson(repaired)
    const reports = repaired.stderr
      .split("\n")
      .filter((line) => line.startsWith(`store ${store}`) || line.startsWith("step "))
    expect(reports).toEqual([
      `store ${store}: took over the stale lock of pid ${dead} on ${hostname()} since 2020-01-01T00:00:00.000Z (spikernel run): that process is gone`,
      `store ${store}: journal line ${garbled + 1} is corrupt (not a checksummed record); its entry is ignored and will be recomputed`,
      // The summary's flipped byte goes unread: the summary is made from "found", so it is computed
      // again without its blob being opened (a flipped byte read is reported: Trust.test.ts).
      expect.stringMatching(
        new RegExp(
          `^store ${store}: blob ${blobOf("found").slice(0, 12)}… of step/${keyOf("found").slice(0, 12)}… is corrupt \\(SHA-256 mismatch, 100 of \\d+ bytes\\); it is not used and will be recomputed$`
        )
      ),
      `step "found": its stored output is damaged or missing; computing it again, and the steps made from it`,
      `step "found": candidate 10 of the checkpoint at 50 is missing; replaying the search from the start (scores come from the store)`
    ])
    expect(JSON.stringify(document.results)).toBe(JSON.stringify(intact.results))
    const statuses = (document.manifest as { steps: Array<{ name: string; status: string }> }).steps
    expect(statuses.map((s) => [s.name, s.status])).toEqual([
      ["data", "cached"],
      ["found", "computed"],
      // Made from the damaged output: computed again even though its own entry is intact.
      ["top", "computed"],
      ["summary", "computed"]
    ])

    const again = spikernel(["run", project.pipeline, "--store", store, "--backend", "cpu", "--json"])
    const second = parseJson(again)
    expect(again.stderr).not.toMatch(/corrupt|stale|missing/)
    expect((second.manifest as { steps: Array<{ status: string }> }).steps.map((s) => s.status)).toEqual([
      "cached",
      "cached",
      "cached",
      "cached"
    ])
    expect(JSON.stringify(second.results)).toBe(JSON.stringify(intact.results))
  })
})
