/**
 * `summary.md`: the report's tables as Markdown, for terminals and code review, with links to the
 * plots' SVG files.
 *
 * @since 0.1.0
 */
import type { Analysis } from "./Analysis.ts"
import { pageTitle } from "./HtmlPage.ts"
import type { PlotSpec } from "./PlotSpecs.ts"
import {
  bestTable,
  deviceMemoryTable,
  costTable,
  failuresTable,
  fairnessTable,
  kendallTable,
  modelsTable,
  paretoTable,
  pipelinesTable,
  selectedTable,
  type Table
} from "./Tables.ts"

// A pipe or a line break would end a Markdown cell early.
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")

/**
 * A table as GitHub-flavoured Markdown, numbers right-aligned.
 *
 * @since 0.1.0
 */
export const markdownTable = (table: Table): string => {
  const header = `| ${table.columns.map((c) => cell(c.header)).join(" | ")} |`
  const rule = `| ${table.columns.map((c) => (c.numeric ? "---:" : "---")).join(" | ")} |`
  const rows = table.rows.map((r) => `| ${r.cells.map(cell).join(" | ")} |`)
  return [`## ${table.title}`, "", table.note, "", header, rule, ...rows, ""].join("\n")
}

/**
 * The whole summary; `plotFiles` are the plots written next to it, for links.
 *
 * @since 0.1.0
 */
export const summaryMarkdown = (
  analysis: Analysis,
  plotFiles: ReadonlyArray<{ readonly plot: PlotSpec; readonly file: string }>,
  absent: ReadonlyArray<string>
): string => {
  const warnings = analysis.results.fairness.filter((check) => !check.fair)
  return [
    `# ${pageTitle(analysis)}`,
    "",
    ...(warnings.length > 0
      ? [
          `> **Warning: this comparison is not fair in ${warnings.length} respect${warnings.length === 1 ? "" : "s"}:** ${warnings.map((w) => w.check).join(", ")} (see below).`,
          ""
        ]
      : []),
    ...(failuresTable(analysis).rows.length > 0 ? [markdownTable(failuresTable(analysis))] : []),
    ...(selectedTable(analysis).rows.length > 0 ? [markdownTable(selectedTable(analysis))] : []),
    ...(modelsTable(analysis).rows.length > 0 ? [markdownTable(modelsTable(analysis))] : []),
    ...(deviceMemoryTable(analysis).rows.length > 0 ? [markdownTable(deviceMemoryTable(analysis))] : []),
    markdownTable(fairnessTable(analysis)),
    markdownTable(costTable(analysis)),
    markdownTable(bestTable(analysis)),
    // Without trained models there is no correlation and no front to show.
    ...(analysis.results.trained.length > 0
      ? [markdownTable(kendallTable(analysis)), markdownTable(paretoTable(analysis))]
      : []),
    markdownTable(pipelinesTable(analysis)),
    "## Plots",
    "",
    ...plotFiles.map(({ plot, file }) => `- [${plot.title}](${file})`),
    ...absent.map((line) => `- not drawn: ${line}`),
    ""
  ].join("\n")
}
