/**
 * The folder of a study report (the proxy-quality study, the search-budget ablation): `index.html`
 * with the tables and inline SVG plots, `summary.md` with the tables as Markdown, `results.json`,
 * and `plots/*.svg` — the layout and look of the pipeline report.
 *
 * @since 0.1.0
 */
import { Digest } from "@spikernel/core"
import { Effect, FileSystem, Path } from "effect"
import { htmlDocument, plotHtml, type RenderedPlot, tableHtml } from "./HtmlPage.ts"
import type { PlotSpec } from "./PlotSpecs.ts"
import { ReportError } from "./ReportError.ts"
import { markdownTable } from "./SummaryMarkdown.ts"
import { renderSvg } from "./SvgRenderer.ts"
import type { Table } from "./Tables.ts"

/**
 * What a study wrote, as absolute paths with their SHA-256.
 *
 * @since 0.1.0
 */
export interface StudyFiles {
  readonly index: string
  readonly summary: string
  readonly results: string
  readonly written: ReadonlyArray<{ readonly path: string; readonly sha256: string }>
}

/**
 * One part of the page, in order: a table or a plot.
 *
 * @since 0.1.0
 */
export type StudySection = { readonly table: Table } | { readonly plot: PlotSpec }

/**
 * The error of a file or directory that cannot be written.
 *
 * @since 0.1.0
 */
export const writeFailure = (path: string) => (cause: { readonly message: string }) =>
  new ReportError({ reason: "write", detail: `cannot write ${path}: ${cause.message}` })

/**
 * A text-file writer that remembers every file it wrote with the SHA-256 of its bytes (what a
 * cache checks a report folder against).
 *
 * @since 0.1.0
 */
export const digestingWriter = (fs: FileSystem.FileSystem) => {
  const written: Array<{ readonly path: string; readonly sha256: string }> = []
  const write = (file: string, text: string): Effect.Effect<string, ReportError> =>
    fs.writeFileString(file, text).pipe(
      Effect.mapError(writeFailure(file)),
      Effect.tap(() => Effect.sync(() => written.push({ path: file, sha256: Digest.sha256Hex(text) }))),
      Effect.as(file)
    )
  return { write, written }
}

/**
 * Writes the folder into `outDir` (created if missing; files with the same names replaced).
 * `results` is the already-encoded JSON document.
 *
 * @since 0.1.0
 */
export const writeStudyFolder = (options: {
  readonly outDir: string
  readonly title: string
  readonly subtitle: string
  readonly sections: ReadonlyArray<StudySection>
  readonly results: unknown
}): Effect.Effect<StudyFiles, ReportError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.resolve(options.outDir)
    const plotDir = path.join(dir, "plots")
    const rendered = new Map<PlotSpec, RenderedPlot>()
    for (const section of options.sections) {
      if ("plot" in section) {
        const { svg } = yield* renderSvg(section.plot.id, section.plot.spec)
        rendered.set(section.plot, { plot: section.plot, svg })
      }
    }
    yield* fs.makeDirectory(plotDir, { recursive: true }).pipe(Effect.mapError(writeFailure(plotDir)))
    const { write, written } = digestingWriter(fs)
    for (const { plot, svg } of rendered.values()) yield* write(path.join(plotDir, `${plot.id}.svg`), svg)
    const results = yield* write(
      path.join(dir, "results.json"),
      `${JSON.stringify(options.results, null, 2)}\n`
    )
    const tables = options.sections.flatMap((section) => ("table" in section ? [section.table] : []))
    const summary = yield* write(
      path.join(dir, "summary.md"),
      [
        `# ${options.title}`,
        "",
        options.subtitle,
        "",
        ...tables.map(markdownTable),
        "## Plots",
        "",
        ...[...rendered.values()].map(({ plot }) => `- [${plot.title}](plots/${plot.id}.svg)`),
        ""
      ].join("\n")
    )
    const body = options.sections
      .map((section) =>
        "table" in section ? tableHtml(section.table) : plotHtml(rendered.get(section.plot)!)
      )
      .join("\n")
    const index = yield* write(
      path.join(dir, "index.html"),
      htmlDocument(options.title, options.subtitle, body)
    )
    return { index, summary, results, written }
  })
