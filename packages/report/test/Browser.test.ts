/**
 * The report in a real browser: Debian's chromium, driven by playwright-core, opens the generated
 * index.html from disk (file://) with a fresh profile and the network features off, and checks that
 * nothing errs, nothing is fetched, and every plot drew at least one visible mark. It saves a full-page
 * screenshot for people to look at.
 *
 * Chromium is a system package (`.ci/run` installs it). Where it is missing the test is skipped with a
 * note, except under CI, where a missing browser is a failure.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { type BrowserContext, chromium } from "playwright-core"
import { compare, report } from "../src/Report.ts"
import { defaultFixture, fixtureInput } from "./ReportFixture.ts"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
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
// Where the screenshots go, overwritten on every run.
const shots = process.env.SPIKERNEL_REPORT_SCREENSHOTS ?? join(tmpdir(), "spikernel-report-browser")

interface PageCheck {
  readonly errors: ReadonlyArray<string>
  readonly requests: ReadonlyArray<string>
  readonly plots: ReadonlyArray<{ readonly id: string; readonly marks: number; readonly visible: number }>
  readonly warnRows: number
}

// One browser with a fresh profile for all pages; each page is checked in a tab of its own.
const inspectAll = async (
  pages: ReadonlyArray<{ readonly index: string; readonly screenshot: string }>
): Promise<ReadonlyArray<PageCheck>> => {
  const profile = mkdtempSync(join(tmpdir(), "spikernel-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args,
    headless: true,
    viewport: { width: 1200, height: 900 }
  })
  try {
    const checks: Array<PageCheck> = []
    for (const { index, screenshot } of pages) checks.push(await inspect(context, index, screenshot))
    return checks
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const inspect = async (
  context: BrowserContext,
  indexHtml: string,
  screenshot: string
): Promise<PageCheck> => {
  const page = await context.newPage()
  try {
    const errors: Array<string> = []
    const requests: Array<string> = []
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        errors.push(`${message.type()}: ${message.text()}`)
    })
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`))
    page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`))
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url())
    })
    const href = pathToFileURL(indexHtml).href
    const response = await page.goto(href, { waitUntil: "load" })
    // A navigation to a file gives a response (status 0 counts as ok); none at all, or a failed
    // one, means the page did not load.
    if (response === null) expect.fail(`opening ${href} gave no response`)
    expect(response.ok(), `opening ${href}: status ${response.status()}`).toBe(true)
    expect(response.url()).toBe(href)
    const plots = await page.$$eval("figure[data-plot]", (figures) =>
      figures.map((figure) => {
        // Vega draws data marks inside `g.role-mark` groups; axes, legends and titles have other roles.
        const marks = [...figure.querySelectorAll("svg g.role-mark > *")]
        const visible = marks.filter((mark) => {
          const box = mark.getBoundingClientRect()
          return box.width > 0 || box.height > 0
        })
        return { id: figure.getAttribute("data-plot") ?? "", marks: marks.length, visible: visible.length }
      })
    )
    const warnRows = await page.locator("tr.warn").count()
    await page.screenshot({ path: screenshot, fullPage: true })
    return { errors, requests, plots, warnRows }
  } finally {
    await page.close()
  }
}

const expectedPlots = [
  "accuracy-memory",
  "score-accuracy",
  "best-so-far-candidates",
  "best-so-far-seconds",
  "search-time",
  "firing-rate"
]

describe("the report in chromium", () => {
  if (!available && process.env.CI) {
    it("needs /usr/bin/chromium under CI", () => {
      expect(existsSync(executablePath), "apt-get install chromium (.ci/run does)").toBe(true)
    })
  }

  it.effect.skipIf(!available)(
    "opens from disk with no console errors, no network, a mark in every plot, and saves a screenshot",
    () =>
      Effect.gen(function* () {
        mkdirSync(shots, { recursive: true })
        const dir = mkdtempSync(join(tmpdir(), "spikernel-report-"))
        try {
          const single = yield* report(fixtureInput(), join(dir, "report"))
          const pair = yield* compare(
            [
              fixtureInput({
                ...defaultFixture,
                name: "snasnet",
                kernelSets: [[1, 3]],
                strategies: ["random"],
                baselineBudget: 5000,
                cachedShare: 0.1
              }),
              fixtureInput({
                ...defaultFixture,
                name: "spikernel-35",
                kernelSets: [[3, 5]],
                strategies: ["regularized-evolution"],
                baselineBudget: undefined,
                seeds: [1, 2]
              })
            ],
            join(dir, "compare")
          )
          const pages = [
            { files: single, shot: join(shots, "report.png"), warnRows: 0 },
            { files: pair, shot: join(shots, "compare.png"), warnRows: 2 }
          ]
          const checks = yield* Effect.promise(() =>
            inspectAll(pages.map(({ files, shot }) => ({ index: files.index, screenshot: shot })))
          )
          for (const [i, { shot, warnRows }] of pages.entries()) {
            const check = checks[i]
            expect(check.errors).toEqual([])
            expect(check.requests).toEqual([])
            expect(check.plots.map((plot) => plot.id)).toEqual(expectedPlots)
            for (const plot of check.plots) {
              expect(plot.marks, plot.id).toBeGreaterThan(0)
              expect(plot.visible, plot.id).toBeGreaterThan(0)
            }
            expect(check.warnRows).toBe(warnRows)
            expect(statSync(shot).size).toBeGreaterThan(50_000)
          }
          console.log(`report screenshots: ${join(shots, "report.png")}, ${join(shots, "compare.png")}`)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }).pipe(Effect.provide(NodeServices.layer)),
    180_000
  )
})
