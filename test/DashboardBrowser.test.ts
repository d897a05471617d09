/**
 * `spikernel dashboard` in a real browser while a search runs (issue 20): Debian's chromium, driven
 * by playwright-core, headless, with a fresh profile. A toy search of 40 slow candidates (250 ms
 * each, one at a time: about 10 s) runs in the background; the page, opened on the dashboard,
 *
 * - shows the candidate count and the best-so-far plot grow between two moments;
 * - sorts the search's table by a click on a header (score descending, then ascending, then by #);
 * - turns the run "finished" with every candidate listed when the run ends;
 * - logs no console error or warning, and makes no request beyond the dashboard on 127.0.0.1.
 *
 * It prints the dashboard's start-up time and the page's update latency (a candidate's line
 * reaching the journal → the page drawing the new count), and saves screenshots in its temp dir.
 * Chromium is a system package; without it the test is skipped (a failure under CI).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"
import { describe, expect, it } from "vitest"
import { startDashboard } from "./support/Dashboard.ts"
import { journaledRecords } from "./support/StoreContents.ts"
import { leanRunner, startSpikernel, toyProject } from "./support/ToyProject.ts"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
const budget = 40
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** What the page holds, as the functions run in it see it (this file is type-checked without the DOM). */
interface PageGlobals {
  readonly document: { getElementById(id: string): { readonly textContent: string | null } | null }
  readonly spikernelDashboard: { readonly candidates: number; readonly drawnAt: number }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const waitFor = async (what: string, check: () => boolean, ms = 30_000) => {
  const start = performance.now()
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

describe("the dashboard in chromium", () => {
  if (!available && process.env.CI) {
    it("needs /usr/bin/chromium under CI", () => {
      expect(existsSync(executablePath), "apt-get install chromium").toBe(true)
    })
  }

  it.skipIf(!available)(
    "follows a running search: counts and plot grow, the table sorts, the run turns finished; no errors, nothing beyond 127.0.0.1",
    { timeout: 240_000 },
    async () => {
      const project = toyProject({ budget, sleepMs: 250, concurrency: 1, strategy: "toy-random" })
      const store = join(project.dir, "store")
      const shots = join(project.dir, "screenshots")
      const runner = startSpikernel([], leanRunner(project.pipeline, store))
      let runnerExited = false
      void runner.done.then(() => {
        runnerExited = true
      })
      await waitFor("the first candidate in the journal", () => runnerExited || journaledRecords(store) >= 1)
      expect(runnerExited, "the search ended before the dashboard started").toBe(false)

      const dashboard = await startDashboard(store)
      const profile = mkdtempSync(join(tmpdir(), "spikernel-chromium-"))
      const context = await chromium.launchPersistentContext(profile, {
        executablePath,
        args,
        headless: true,
        viewport: { width: 1200, height: 1000 }
      })
      try {
        const page = await context.newPage()
        const errors: Array<string> = []
        const requests: Array<string> = []
        page.on("console", (message) => {
          if (message.type() === "error" || message.type() === "warning")
            errors.push(`${message.type()}: ${message.text()}`)
        })
        page.on("pageerror", (error) => errors.push(`page error: ${error.message}`))
        page.on("requestfailed", (request) => {
          // The event stream is cut when the page closes; that is not a failure.
          if (!request.url().endsWith("/api/events")) errors.push(`request failed: ${request.url()}`)
        })
        page.on("request", (request) => requests.push(request.url()))
        const response = await page.goto(dashboard.url, { waitUntil: "load" })
        expect(response?.status()).toBe(200)

        // Into the search: click its step.
        await page.locator('tr[data-step="found"]').click()
        await page.locator("#search").waitFor({ state: "visible" })
        const count = async () => Number(await page.locator("#candidate-count").textContent())
        const lastX = async () =>
          Number(await page.locator('[data-plot="best-so-far-candidates"]').getAttribute("data-last-x"))
        await page.waitForFunction(
          () =>
            Number(
              (globalThis as unknown as PageGlobals).document.getElementById("candidate-count")?.textContent
            ) >= 2
        )
        await page.locator('[data-plot="best-so-far-candidates"] svg').waitFor()
        const first = { count: await count(), x: await lastX() }
        await page.screenshot({ path: join(shots, "1-running.png"), fullPage: true })

        // The page's update latency: a candidate's line reaching the journal → the page drawing it.
        const latencies: Array<number> = []
        for (let i = 0; i < 5 && !runnerExited; i++) {
          const seen = journaledRecords(store)
          await waitFor("the next candidate", () => runnerExited || journaledRecords(store) > seen)
          if (runnerExited) break
          const journaledAt = Date.now()
          const target = journaledRecords(store)
          await page.waitForFunction(
            (n) => (globalThis as unknown as PageGlobals).spikernelDashboard.candidates >= n,
            target,
            { polling: 5 }
          )
          const drawnAt = await page.evaluate(
            () => (globalThis as unknown as PageGlobals).spikernelDashboard.drawnAt
          )
          latencies.push(drawnAt - journaledAt)
        }
        const second = { count: await count(), x: await lastX() }
        await page.screenshot({ path: join(shots, "2-later.png"), fullPage: true })
        expect(second.count).toBeGreaterThan(first.count)
        expect(second.x).toBeGreaterThan(first.x)
        expect(latencies.length).toBeGreaterThan(0)
        const sorted = [...latencies].sort((a, b) => a - b)
        console.log(
          `dashboard start-up ${dashboard.startMs.toFixed(0)} ms; page update latency after a candidate is journaled: ` +
            `${latencies.map((l) => `${l} ms`).join(", ")} (median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms)`
        )
        for (const latency of latencies) expect(latency).toBeLessThan(10_000)

        // Sorting by a click on a header.
        const column = (name: string) =>
          page.$$eval(
            "#candidates tbody tr",
            (rows, at) =>
              rows.map(
                (row) =>
                  (row as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells[at]
                    .textContent ?? ""
              ),
            ["index", "architecture", "kernels", "score", "params", "seconds", "source"].indexOf(name)
          )
        await page.locator('#candidates th[data-key="score"]').click()
        const descending = (await column("score")).map(Number)
        expect(descending.length).toBeGreaterThan(2)
        expect(descending).toEqual([...descending].sort((a, b) => b - a))
        await page.screenshot({ path: join(shots, "3-sorted-by-score.png"), fullPage: true })
        await page.locator('#candidates th[data-key="score"]').click()
        const ascending = (await column("score")).map(Number)
        expect(ascending).toEqual([...ascending].sort((a, b) => a - b))
        await page.locator('#candidates th[data-key="index"]').click()
        const indices = (await column("index")).map(Number)
        expect(indices).toEqual([...indices].sort((a, b) => a - b))

        // Filtering by text: only the matching rows, then all of them again.
        const all = (await column("architecture")).length
        await page.locator("#filter").fill("0000 0000")
        const matching = await column("architecture")
        expect(matching.length).toBeGreaterThan(0)
        expect(matching.length).toBeLessThan(all)
        for (const architecture of matching) expect(architecture).toContain("0000 0000")
        await page.locator("#filter").fill("")
        expect((await column("architecture")).length).toBeGreaterThanOrEqual(all)

        // The run ends: the page says so, with every candidate.
        const ran = await runner.done
        expect(ran.status, ran.stderr).toBe(0)
        await page.locator("#run-title[data-state='finished']").waitFor({ timeout: 30_000 })
        await page.waitForFunction(
          (n) =>
            (globalThis as unknown as PageGlobals).document.getElementById("candidate-count")?.textContent ===
            String(n),
          budget
        )
        expect(await page.locator('tr[data-step="found"]').getAttribute("data-state")).toBe("done")
        expect(await page.locator("#runs tbody tr td.state").first().textContent()).toBe("finished")
        await page.screenshot({ path: join(shots, "4-finished.png"), fullPage: true })
        console.log(
          `dashboard screenshots: ${["1-running", "2-later", "3-sorted-by-score", "4-finished"].map((n) => join(shots, `${n}.png`)).join(", ")}`
        )

        expect(errors).toEqual([])
        const origin = new URL(dashboard.url).origin
        expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"))).toEqual(
          []
        )
        expect(requests).toContain(`${origin}/vendor/vega.min.js`)
        await page.close()
      } finally {
        await context.close()
        rmSync(profile, { recursive: true, force: true })
        await dashboard.stop()
        if (!runnerExited) runner.child.kill("SIGKILL")
      }
    }
  )
})
