/**
 * `spikernel dashboard` over stores made by real (toy) pipeline runs, through its HTTP API (issue 20):
 *
 * - a finished run: its state, its steps with their states and progress, the search's candidates
 *   (the same scores as the step's stored output), a best-so-far that never falls and ends at the
 *   best score, the report's two best-so-far plots; the page, its script and Vega served locally;
 * - a journal with a corrupt line and a torn last record: the corrupt line is reported and its
 *   candidate left out, the torn record is left out until its line is completed, and then it is
 *   pushed (the update's latency is printed);
 * - bad input: no such directory, a directory that is no store, a port in use: one line, exit 1;
 * - every store's files are checksummed before and after: the dashboard never writes.
 */
import { spawnSync } from "node:child_process"
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as DashboardData from "../packages/cli/src/dashboard/DashboardData.ts"
import { getJson, startDashboard, treeChecksum } from "./support/Dashboard.ts"
import { stepOutputs } from "./support/StoreContents.ts"
import { leanRunner, spikernel, toyProject } from "./support/ToyProject.ts"

const decodeOverview = Schema.decodeUnknownSync(DashboardData.Overview)
const decodeSearch = Schema.decodeUnknownSync(DashboardData.SearchView)
const budget = 24

/** A finished toy run (random strategy, `budget` candidates) in a fresh store. */
const finishedStore = () => {
  const project = toyProject({ budget, sleepMs: 2, strategy: "toy-random", concurrency: 2 })
  const store = join(project.dir, "store")
  const [command, argv] = leanRunner(project.pipeline, store)
  const run = spawnSync(command, [...argv], { encoding: "utf8" })
  expect(run.status, run.stderr).toBe(0)
  return { project, store }
}

const searchKey = (overview: DashboardData.Overview): string => {
  const step = overview.runs[0].steps.find((s) => s.kind === "search")
  if (step === undefined) throw new Error("no search step")
  return step.key
}

describe("spikernel dashboard", () => {
  it("serves a finished run's state, steps, candidates and best-so-far, and never writes the store", {
    timeout: 120_000
  }, async () => {
    const { project, store } = finishedStore()
    // A rerun computes nothing: a second, newer run whose steps are all cached.
    const [command, argv] = leanRunner(project.pipeline, store)
    expect(spawnSync(command, [...argv], { encoding: "utf8" }).status).toBe(0)
    const before = treeChecksum(store)
    const dashboard = await startDashboard(store)
    try {
      console.log(`dashboard start-up (spawn → URL on stdout): ${dashboard.startMs.toFixed(0)} ms`)
      expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const overview = decodeOverview(await getJson(dashboard.url, "/api/overview"))
      expect(overview.problems).toEqual([])
      expect(overview.runs).toHaveLength(2)
      const [rerun, run] = overview.runs
      expect(rerun.startedAt > run.startedAt).toBe(true)
      expect(rerun.state).toBe("finished")
      expect(rerun.steps.map((s) => s.state)).toEqual(["cached", "cached", "cached", "cached"])
      expect(run.state).toBe("finished")
      expect(run.steps.map((s) => [s.name, s.kind, s.state])).toEqual([
        ["data", "load", "done"],
        ["found", "search", "done"],
        ["top", "select", "done"],
        ["summary", "report", "done"]
      ])
      expect(run.steps[1].progress).toEqual({ done: budget, total: budget, unit: "candidates" })

      const key = searchKey(overview)
      const search = decodeSearch(await getJson(dashboard.url, `/api/search/${key}`))
      expect(search.strategy).toBe("toy-random@1")
      expect(search.budget).toBe(budget)
      expect(search.candidates.map((c) => c.index)).toEqual(Array.from({ length: budget }, (_, i) => i))
      // The same candidates and scores as the search step's stored output.
      const outputs = await stepOutputs(store, [{ name: "found", key }])
      const stored = JSON.parse(outputs.found) as {
        records: ReadonlyArray<{ index: number; scores: ReadonlyArray<{ value: number }>; cached: boolean }>
      }
      expect(search.candidates.map((c) => c.score)).toEqual(stored.records.map((r) => r.scores[0].value))
      expect(search.candidates.map((c) => c.source)).toEqual(
        stored.records.map((r) => (r.cached ? "reused" : "paid"))
      )
      for (const c of search.candidates)
        expect(c.architecture).toMatch(/^forward\[1,3\]:\d{4} \d{4} \d{4} \d{4}$/)
      // Best so far: never falls, ends at the best score.
      const best = search.bestByCandidates.map((p) => p.best)
      for (let i = 1; i < best.length; i++) expect(best[i]).toBeGreaterThanOrEqual(best[i - 1])
      expect(best.at(-1)).toBe(Math.max(...search.candidates.map((c) => c.score ?? Number.NEGATIVE_INFINITY)))
      expect(search.bestByCandidates.at(-1)?.x).toBe(budget)
      expect(search.plots.map((p) => p.id)).toEqual(["best-so-far-candidates", "best-so-far-seconds"])

      // The page, its script and Vega come from the dashboard itself.
      const page = await fetch(dashboard.url)
      expect(page.headers.get("content-type")).toMatch(/^text\/html/)
      expect(await page.text()).toContain("<title>Spikernel dashboard</title>")
      for (const path of ["/app.js", "/vendor/vega.min.js", "/vendor/vega-lite.min.js"]) {
        const response = await fetch(new URL(path, dashboard.url))
        expect(response.status, path).toBe(200)
        expect((await response.arrayBuffer()).byteLength, path).toBeGreaterThan(1000)
      }
      expect((await fetch(new URL(`/api/search/${"0".repeat(64)}`, dashboard.url))).status).toBe(404)
      expect((await fetch(new URL("/vendor/other.js", dashboard.url))).status).toBe(404)
    } finally {
      const stopped = await dashboard.stop()
      // Ctrl-C ends it by the shell convention (128 + SIGINT).
      expect(stopped.status).toBe(130)
      expect(stopped.stderr).toBe("")
    }
    expect(treeChecksum(store)).toBe(before)
  })

  it("skips a corrupt journal line (reported) and a torn last record until it is complete", {
    timeout: 120_000
  }, async () => {
    const { project, store: original } = finishedStore()
    const store = join(project.dir, "damaged")
    cpSync(original, store, { recursive: true })
    const lines = readFileSync(join(original, "journal"), "utf8").split("\n").slice(0, -1)
    const records = lines.flatMap((line, i) => (line.includes('"tag":"record"') ? [i] : []))
    const corrupt = records[2]
    const torn = records[10]
    // A changed checksum digit: the line no longer matches its checksum.
    const flip = (line: string) => `${line[0] === "0" ? "1" : "0"}${line.slice(1)}`
    const damaged = lines.slice(0, torn).map((line, i) => (i === corrupt ? flip(line) : line))
    const tornLine = lines[torn]
    const indexOf = (line: number) => Number(/"key":"record\/[0-9a-f]{64}\/(\d+)"/.exec(lines[line])![1])
    const whole = records
      .slice(0, 10)
      .filter((line) => line !== corrupt)
      .map(indexOf)
      .sort((a, b) => a - b)
    writeFileSync(join(store, "journal"), `${damaged.join("\n")}\n${tornLine.slice(0, 100)}`)

    const before = treeChecksum(store)
    let afterAppend = ""
    const dashboard = await startDashboard(store)
    try {
      const overview = decodeOverview(await getJson(dashboard.url, "/api/overview"))
      expect(overview.problems).toEqual([
        expect.stringMatching(
          new RegExp(`journal line ${corrupt + 1} is corrupt \\(checksum mismatch\\); its entry is ignored`)
        )
      ])
      const key = searchKey(overview)
      const search = decodeSearch(await getJson(dashboard.url, `/api/search/${key}`))
      // The ten whole records before the torn one, less the corrupt one.
      expect(search.candidates.map((c) => c.index)).toEqual(whole)
      expect(treeChecksum(store)).toBe(before)

      // The writer completes the line: the dashboard sees it without being asked.
      const completedAt = performance.now()
      appendFileSync(join(store, "journal"), `${tornLine.slice(100)}\n`)
      afterAppend = treeChecksum(store)
      let version = overview.version
      while (version === overview.version && performance.now() - completedAt < 20_000) {
        await new Promise((r) => setTimeout(r, 10))
        version = decodeOverview(await getJson(dashboard.url, "/api/overview")).version
      }
      console.log(
        `dashboard saw the completed record after ${(performance.now() - completedAt).toFixed(0)} ms`
      )
      expect(version).toBe(overview.version + 1)
      const updated = decodeSearch(await getJson(dashboard.url, `/api/search/${key}`))
      expect(updated.candidates.map((c) => c.index)).toEqual([...whole, indexOf(torn)].sort((a, b) => a - b))
    } finally {
      await dashboard.stop()
    }
    expect(treeChecksum(store)).toBe(afterAppend)
  })

  it("says in one line what is wrong with a missing store, a directory that is no store, a port in use", {
    timeout: 120_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikernel-dashboard-"))
    const missing = spikernel(["dashboard", "--store", join(dir, "nothing"), "--port", "0"])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toBe(`spikernel: store ${join(dir, "nothing")}: open: no such directory\n`)
    const notStore = spikernel(["dashboard", "--store", dir, "--port", "0"])
    expect(notStore.status).toBe(1)
    expect(notStore.stderr).toBe(
      `spikernel: store ${dir}: open: not a Spikernel store (it has no journal and no blobs/)\n`
    )
    const { store } = finishedStore()
    const before = treeChecksum(store)
    const first = await startDashboard(store)
    try {
      const port = new URL(first.url).port
      const second = spikernel(["dashboard", "--store", store, "--port", port])
      expect(second.status).toBe(1)
      expect(second.stderr).toBe(
        `spikernel: dashboard: port ${port} on 127.0.0.1 is in use (--port 0 takes a free one)\n`
      )
    } finally {
      await first.stop()
    }
    expect(treeChecksum(store)).toBe(before)
  })
})
