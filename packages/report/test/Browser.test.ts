/**
 * The report in a real browser: Debian's chromium, driven by playwright-core, opens the generated
 * index.html from disk (file://) with a fresh profile and the network features off, and checks that
 * nothing errs, nothing is fetched, every plot drew at least one visible mark and has a legend or
 * direct labels, no two text elements of a plot overlap (their bounding boxes as laid out), every
 * best-so-far line is non-decreasing (read off the drawn path), and the models table has one row
 * per trained model with its numbers. It saves a full-page screenshot of each page under
 * `artifacts/report-browser/` (gitignored) for people to look at.
 *
 * Pages: the reports of the quickstart and of compare-strategies, from the report inputs of real
 * runs (`fixtures/*.json`, made by `packages/cli/scripts/report-fixture.ts`), and a synthetic report and
 * comparison at the paper's scale (`ReportFixture.ts`).
 *
 * Chromium is a system package (`.ci/run` installs it). Where it is missing the test is skipped with a
 * note, except under CI, where a missing browser is a failure.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { type BrowserContext, chromium } from "playwright-core"
import { Architecture } from "@spikernel/core"
import { compare, decodeReportInput, report } from "../src/Report.ts"
import type { ReportInput } from "../src/ReportInput.ts"
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
// Where the screenshots go (test artifacts, gitignored), overwritten on every run.
const shots =
  process.env.SPIKERNEL_REPORT_SCREENSHOTS ??
  fileURLToPath(new URL("../../../artifacts/report-browser/", import.meta.url))

const fixture = (name: string) =>
  decodeReportInput(JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), "utf8")))

interface PlotCheck {
  readonly id: string
  readonly marks: number
  readonly visible: number
  /** Labels of the plot's legends. */
  readonly legend: ReadonlyArray<string>
  /** Texts drawn as data marks (labels next to points or bars). */
  readonly direct: ReadonlyArray<string>
  /** Pairs of text elements whose boxes intersect, as "a" × "b". */
  readonly overlaps: ReadonlyArray<string>
  /** Each line mark's points in SVG coordinates (y grows downwards). */
  readonly lines: ReadonlyArray<{
    readonly label: string
    readonly points: ReadonlyArray<readonly [number, number]>
  }>
}

interface PageCheck {
  readonly errors: ReadonlyArray<string>
  readonly requests: ReadonlyArray<string>
  readonly plots: ReadonlyArray<PlotCheck>
  readonly warnRows: number
  /** The models table's header and rows, as text. */
  readonly models: {
    readonly header: ReadonlyArray<string>
    readonly rows: ReadonlyArray<ReadonlyArray<string>>
  }
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
        const textOf = (element: { readonly textContent: string | null }) =>
          (element.textContent ?? "").trim()
        const legend = [...figure.querySelectorAll("svg g.role-legend text")].map(textOf).filter(Boolean)
        const direct = [...figure.querySelectorAll("svg g.role-mark text")].map(textOf).filter(Boolean)
        // Each text as the quadrilateral it covers on screen: its own box through its transform, so a
        // rotated axis label is the slanted rectangle it is, not its axis-aligned hull. The box
        // includes the font's ascent and descent: a pixel of touching is not an overlap.
        const inset = 1
        // Vega hides the axis labels that would collide (labelOverlap) by making them transparent.
        const { getComputedStyle } = globalThis as unknown as {
          getComputedStyle(element: unknown): { opacity: string; display: string; visibility: string }
        }
        const shown = (element: typeof figure): boolean => {
          for (let at: typeof figure | null = element; at !== null && at !== figure; at = at.parentElement) {
            const style = getComputedStyle(at)
            if (style.opacity === "0" || style.display === "none" || style.visibility === "hidden")
              return false
          }
          return true
        }
        const texts = [...figure.querySelectorAll("svg text")]
          .filter((text) => textOf(text) !== "" && shown(text))
          .map((text) => {
            const element = text as unknown as {
              getBBox(): { x: number; y: number; width: number; height: number }
              getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null
            }
            const box = element.getBBox()
            const m = element.getScreenCTM()
            const x0 = box.x + inset
            const y0 = box.y + inset
            const x1 = box.x + box.width - inset
            const y1 = box.y + box.height - inset
            const corners = (
              [
                [x0, y0],
                [x1, y0],
                [x1, y1],
                [x0, y1]
              ] as const
            ).map(([x, y]) =>
              m === null ? ([x, y] as const) : ([m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f] as const)
            )
            return { text: textOf(text), corners, empty: x1 <= x0 || y1 <= y0 }
          })
          .filter(({ empty }) => !empty)
        type Quad = ReadonlyArray<readonly [number, number]>
        // Separating axis theorem for two convex quadrilaterals.
        const separated = (p: Quad, q: Quad): boolean => {
          for (const poly of [p, q]) {
            for (let i = 0; i < poly.length; i++) {
              const [ax, ay] = poly[i]
              const [bx, by] = poly[(i + 1) % poly.length]
              const [nx, ny] = [by - ay, ax - bx]
              const project = (points: Quad) => points.map(([x, y]) => x * nx + y * ny)
              const pp = project(p)
              const qq = project(q)
              if (Math.max(...pp) <= Math.min(...qq) || Math.max(...qq) <= Math.min(...pp)) return true
            }
          }
          return false
        }
        const overlaps: Array<string> = []
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            if (!separated(texts[i].corners, texts[j].corners))
              overlaps.push(`"${texts[i].text}" × "${texts[j].text}"`)
          }
        }
        const lines = [...figure.querySelectorAll('svg path[aria-roledescription="line mark"]')].map(
          (path) => ({
            label: path.getAttribute("aria-label") ?? "",
            points: [...(path.getAttribute("d") ?? "").matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map(
              (m) => [Number(m[1]), Number(m[2])] as const
            )
          })
        )
        return {
          id: figure.getAttribute("data-plot") ?? "",
          marks: marks.length,
          visible: visible.length,
          legend,
          direct,
          overlaps,
          lines
        }
      })
    )
    const models = {
      header: await page.$$eval('table[data-table="models"] thead th', (cells) =>
        cells.map((cell) => cell.textContent ?? "")
      ),
      rows: await page.$$eval('table[data-table="models"] tbody tr', (rows) =>
        rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? ""))
      )
    }
    const warnRows = await page.locator("tr.warn").count()
    await page.screenshot({ path: screenshot, fullPage: true })
    return { errors, requests, plots, warnRows, models }
  } finally {
    await page.close()
  }
}

const allPlots = [
  "accuracy-memory",
  "score-accuracy",
  "best-so-far-candidates",
  "best-so-far-seconds",
  "search-time",
  "firing-rate"
]

// The models table against the inputs: one row per trained model, with its kernel set, matrix,
// accuracy, parameters, bytes and selected flag as the input has them.
const expectModelsTable = (check: PageCheck, inputs: ReadonlyArray<ReportInput>) => {
  const trained = inputs.flatMap((input) => input.trained.map((model) => ({ pipeline: input.name, model })))
  if (trained.length === 0) {
    expect(check.models.rows).toEqual([])
    return
  }
  const column = (name: string) => {
    const at = check.models.header.indexOf(name)
    expect(at, `models table column ${name} in ${check.models.header.join(" | ")}`).toBeGreaterThanOrEqual(0)
    return at
  }
  const [arch, kernels, accuracy, params, bytes, selected] = [
    "Architecture",
    "Kernel set",
    "Accuracy",
    "Parameters",
    "Bytes",
    "Selected"
  ].map(column)
  expect(check.models.rows).toHaveLength(trained.length)
  for (const { pipeline, model } of trained) {
    const matrix = Architecture.formatArchitecture(model.architecture)
    const row = check.models.rows.find(
      (cells) =>
        cells[arch] === matrix &&
        cells[kernels].startsWith(`{${model.architecture.kernels.join(",")}}`) &&
        (inputs.length === 1 || cells[0] === pipeline)
    )
    expect(row, `a row for ${pipeline} ${matrix}`).toBeDefined()
    expect(row?.[accuracy]).toBe(`${(model.accuracy * 100).toFixed(2)} %`)
    expect(row?.[params]).toBe(model.params.toLocaleString("en-US"))
    expect(row?.[bytes]).toBe(model.bytes.toLocaleString("en-US"))
    expect(row?.[selected]).toBe(model.selected ? "yes" : "")
  }
}

const expectPlots = (check: PageCheck, expected: ReadonlyArray<string>, page: string) => {
  expect(check.plots.map((plot) => plot.id)).toEqual(expected)
  for (const plot of check.plots) {
    const where = `${page}: ${plot.id}`
    expect(plot.marks, where).toBeGreaterThan(0)
    expect(plot.visible, where).toBeGreaterThan(0)
    expect(plot.legend.length + plot.direct.length, `${where} has a legend or direct labels`).toBeGreaterThan(
      0
    )
    expect(plot.overlaps, `${where}: overlapping text`).toEqual([])
    if (plot.id.startsWith("best-so-far")) {
      expect(plot.lines.length, where).toBeGreaterThan(0)
      for (const line of plot.lines) {
        expect(line.points.length, `${where} ${line.label}`).toBeGreaterThan(0)
        // Left to right, and never lower: SVG y grows downwards, so y never increases.
        for (let i = 1; i < line.points.length; i++) {
          const [[x0, y0], [x1, y1]] = [line.points[i - 1], line.points[i]]
          expect(x1, `${where} ${line.label}: x at point ${i}`).toBeGreaterThanOrEqual(x0 - 0.01)
          expect(y1, `${where} ${line.label}: a fall at point ${i}`).toBeLessThanOrEqual(y0 + 0.01)
        }
      }
    }
  }
}

describe("the report in chromium", () => {
  if (!available && process.env.CI) {
    it("needs /usr/bin/chromium under CI", () => {
      expect(existsSync(executablePath), "apt-get install chromium (.ci/run does)").toBe(true)
    })
  }

  it.effect.skipIf(!available)(
    "quickstart, compare-strategies and paper-scale pages: no errors or network, legends, no overlapping text, monotone best-so-far, one models-table row per trained model; screenshots",
    () =>
      Effect.gen(function* () {
        mkdirSync(shots, { recursive: true })
        const dir = mkdtempSync(join(tmpdir(), "spikernel-report-"))
        try {
          const quickstart = yield* fixture("quickstart")
          const strategies = yield* fixture("compare-strategies")
          const pairInputs = [
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
          ]
          // The real run's numbers (README, issue 17): {1,3} 71.80 % selected under 1 MB, {1,5} 51.00 %, {1,7} 66.70 %.
          expect(
            quickstart.trained.map((m) => [
              m.architecture.kernels.join(","),
              (m.accuracy * 100).toFixed(2),
              m.selected
            ])
          ).toEqual(
            expect.arrayContaining([
              ["1,3", "71.80", true],
              ["1,5", "51.00", false],
              ["1,7", "66.70", false]
            ])
          )
          const pages = [
            {
              name: "quickstart",
              inputs: [quickstart],
              files: yield* report(quickstart, join(dir, "quickstart")),
              plots: allPlots,
              warnRows: 0
            },
            {
              name: "compare-strategies",
              inputs: [strategies],
              files: yield* report(strategies, join(dir, "compare-strategies")),
              // No trained models: no accuracy, score or firing-rate plot.
              plots: ["best-so-far-candidates", "best-so-far-seconds", "search-time"],
              // Random search and evolution meet the same cells with the same seed and share scores.
              warnRows: 1
            },
            {
              name: "paper-scale",
              inputs: [fixtureInput()],
              files: yield* report(fixtureInput(), join(dir, "report")),
              plots: allPlots,
              warnRows: 0
            },
            {
              name: "compare",
              inputs: pairInputs,
              files: yield* compare(pairInputs, join(dir, "compare")),
              plots: allPlots,
              warnRows: 2
            }
          ]
          const checks = yield* Effect.promise(() =>
            inspectAll(
              pages.map(({ name, files }) => ({ index: files.index, screenshot: join(shots, `${name}.png`) }))
            )
          )
          for (const [i, page] of pages.entries()) {
            const check = checks[i]
            expect(page.files.warnings, page.name).toEqual([])
            expect(check.errors, page.name).toEqual([])
            expect(check.requests, page.name).toEqual([])
            expectPlots(check, page.plots, page.name)
            expectModelsTable(check, page.inputs)
            expect(check.warnRows, page.name).toBe(page.warnRows)
            expect(statSync(join(shots, `${page.name}.png`)).size).toBeGreaterThan(50_000)
          }
          console.log(`report screenshots: ${pages.map(({ name }) => join(shots, `${name}.png`)).join(", ")}`)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }).pipe(Effect.provide(NodeServices.layer)),
    180_000
  )
})
