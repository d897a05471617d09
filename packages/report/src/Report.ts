/**
 * `report` and `compare`: write one static folder — `index.html`, `summary.md`, `results.json`, and
 * `plots/*.svg` (the same SVGs the page inlines, for linking from Markdown).
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Schema } from "effect"
import { analyze } from "./Analysis.ts"
import { htmlPage, type RenderedPlot } from "./HtmlPage.ts"
import { plotSpecs } from "./PlotSpecs.ts"
import { ReportError } from "./ReportError.ts"
import { ReportInput } from "./ReportInput.ts"
import { ReportResults } from "./ReportResults.ts"
import { summaryMarkdown } from "./SummaryMarkdown.ts"
import { digestingWriter, writeFailure } from "./StudyFolder.ts"
import { renderSvg } from "./SvgRenderer.ts"

/**
 * What was written, as absolute paths, and any warning the plotting libraries gave.
 *
 * @since 0.1.0
 */
export interface ReportFiles {
  readonly dir: string
  readonly index: string
  readonly summary: string
  readonly results: string
  readonly plots: ReadonlyArray<string>
  /** Every file written, with the SHA-256 of its bytes (what a cache checks them against). */
  readonly written: ReadonlyArray<{ readonly path: string; readonly sha256: string }>
  /** Plots left out for lack of data, one line each. */
  readonly absent: ReadonlyArray<string>
  /** Vega / Vega-Lite warnings, prefixed with the plot's id; empty for a clean render. */
  readonly warnings: ReadonlyArray<string>
  /** The fairness checks that failed, as `check: detail` (also in the page and summary.md). */
  readonly unfair: ReadonlyArray<string>
}

/**
 * Decodes a report input from its JSON form (as stored or written by hand).
 *
 * @since 0.1.0
 */
export const decodeReportInput = (value: unknown): Effect.Effect<ReportInput, ReportError> =>
  Schema.decodeUnknownEffect(ReportInput)(value, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError(
      (error) => new ReportError({ reason: "input", detail: `invalid report input: ${error.message}` })
    )
  )

/**
 * Writes the report of one or more pipeline runs into `outDir` (created if missing; files in it with
 * the same names are replaced).
 *
 * @since 0.1.0
 */
export const writeReport = (
  inputs: ReadonlyArray<ReportInput>,
  outDir: string
): Effect.Effect<ReportFiles, ReportError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (inputs.length === 0)
      return yield* new ReportError({ reason: "input", detail: "no pipeline results to report" })
    const names = inputs.map((input) => input.name)
    const twice = names.find((name, i) => names.indexOf(name) !== i)
    if (twice !== undefined) {
      return yield* new ReportError({
        reason: "input",
        detail: `pipeline name "${twice}" appears twice; a comparison needs distinct names`
      })
    }
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.resolve(outDir)
    const plotDir = path.join(dir, "plots")

    const analysis = analyze(inputs)
    const { plots, absent } = plotSpecs(analysis)
    const rendered: Array<RenderedPlot> = []
    const warnings: Array<string> = []
    for (const plot of plots) {
      const { svg, warnings: plotWarnings } = yield* renderSvg(plot.id, plot.spec)
      rendered.push({ plot, svg })
      warnings.push(...plotWarnings.map((warning) => `${plot.id}: ${warning}`))
    }

    yield* fs.makeDirectory(plotDir, { recursive: true }).pipe(Effect.mapError(writeFailure(plotDir)))
    const { write, written } = digestingWriter(fs)

    const plotFiles: Array<string> = []
    for (const { plot, svg } of rendered)
      plotFiles.push(yield* write(path.join(plotDir, `${plot.id}.svg`), svg))
    const encoded = yield* Schema.encodeEffect(ReportResults)(analysis.results).pipe(
      Effect.mapError(
        (error) => new ReportError({ reason: "input", detail: `results do not encode: ${error.message}` })
      )
    )
    const results = yield* write(path.join(dir, "results.json"), `${JSON.stringify(encoded, null, 2)}\n`)
    const summary = yield* write(
      path.join(dir, "summary.md"),
      summaryMarkdown(
        analysis,
        rendered.map(({ plot }) => ({ plot, file: `plots/${plot.id}.svg` })),
        absent
      )
    )
    const index = yield* write(path.join(dir, "index.html"), htmlPage(analysis, rendered, absent))
    const unfair = analysis.results.fairness
      .filter((row) => !row.fair)
      .map((row) => `${row.check}: ${row.detail}`)
    return { dir, index, summary, results, plots: plotFiles, written, absent, warnings, unfair }
  })

/**
 * The report of one pipeline run.
 *
 * @since 0.1.0
 */
export const report = (
  input: ReportInput,
  outDir: string
): Effect.Effect<ReportFiles, ReportError, FileSystem.FileSystem | Path.Path> => writeReport([input], outDir)

/**
 * A side-by-side report of two or more pipeline runs, with the fairness of the comparison checked.
 *
 * @since 0.1.0
 */
export const compare = (
  inputs: ReadonlyArray<ReportInput>,
  outDir: string
): Effect.Effect<ReportFiles, ReportError, FileSystem.FileSystem | Path.Path> =>
  inputs.length < 2
    ? Effect.fail(
        new ReportError({
          reason: "input",
          detail: `a comparison needs at least two pipelines, got ${inputs.length}`
        })
      )
    : writeReport(inputs, outDir)
