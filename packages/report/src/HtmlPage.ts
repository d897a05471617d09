/**
 * `index.html`: one self-contained page — tables, and the plots inlined as SVG. No scripts, no external
 * stylesheets or fonts, no network: it opens from disk and prints as it looks.
 *
 * @since 0.1.0
 */
import type { Analysis } from "./Analysis.ts"
import { kernelsLabel } from "./Format.ts"
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

/**
 * A plot with its rendered SVG.
 *
 * @since 0.1.0
 */
export interface RenderedPlot {
  readonly plot: PlotSpec
  readonly svg: string
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @since 0.1.0
 */
export const escapeHtml = (text: string): string =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")

const style = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 32px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header p { margin: 0; color: #57606a; }
section { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 18px 22px; margin: 20px 0; }
section h2 { font-size: 17px; margin: 0 0 4px; }
section p.note { margin: 0 0 12px; color: #57606a; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; }
.table-scroll { overflow-x: auto; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
tr.warn td { background: #fff8c5; }
tr.warn td:nth-child(2) { color: #9a6700; font-weight: 600; }
figure.plot { margin: 0; }
figure.plot .svg { overflow-x: auto; }
figure.plot svg { max-width: 100%; height: auto; display: block; }
figure.plot figcaption { color: #57606a; font-size: 13px; margin-top: 8px; }
ul.absent { color: #57606a; }
footer { color: #57606a; font-size: 12px; margin-top: 24px; }
`

/**
 * A table as a page section.
 *
 * @since 0.1.0
 */
export const tableHtml = (table: Table): string => {
  const head = table.columns
    .map((c) => `<th${c.numeric ? ` class="num"` : ""}>${escapeHtml(c.header)}</th>`)
    .join("")
  const body = table.rows
    .map(
      (r) =>
        `<tr${r.warn ? ` class="warn"` : ""}>${r.cells
          .map((cell, i) => {
            const classes = [
              table.columns[i]?.numeric ? "num" : "",
              table.columns[i]?.wrap ? "wrap" : ""
            ].filter(Boolean)
            return `<td${classes.length > 0 ? ` class="${classes.join(" ")}"` : ""}>${escapeHtml(cell)}</td>`
          })
          .join("")}</tr>`
    )
    .join("\n")
  return `<section id="table-${table.id}">
<h2>${escapeHtml(table.title)}</h2>
<p class="note">${escapeHtml(table.note)}</p>
<div class="table-scroll"><table data-table="${table.id}"><thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>
</section>`
}

/**
 * A rendered plot as a page section, with its caption.
 *
 * @since 0.1.0
 */
export const plotHtml = ({ plot, svg }: RenderedPlot): string => `<section id="plot-${plot.id}">
<h2>${escapeHtml(plot.title)}</h2>
<figure class="plot" data-plot="${plot.id}">
<div class="svg">${svg}</div>
<figcaption>${escapeHtml(plot.caption)}</figcaption>
</figure>
</section>`

/**
 * The page's title: the pipeline, or the pipelines compared.
 *
 * @since 0.1.0
 */
export const pageTitle = (analysis: Analysis): string =>
  analysis.results.kind === "comparison"
    ? `Spikernel comparison: ${analysis.results.pipelines.map((p) => p.name).join(" vs ")}`
    : `Spikernel report: ${analysis.results.pipelines[0]?.name ?? "—"}`

/**
 * The whole page.
 *
 * @since 0.1.0
 */
export const htmlPage = (
  analysis: Analysis,
  plots: ReadonlyArray<RenderedPlot>,
  absent: ReadonlyArray<string>
): string => {
  const { pipelines } = analysis.results
  const datasets = [...new Set(pipelines.map((p) => p.dataset))].join(", ")
  const kernelSets = [...new Set(pipelines.flatMap((p) => p.kernelSets.map(kernelsLabel)))].join(" ")
  const strategies = [...new Set(pipelines.flatMap((p) => p.strategies))].join(", ")
  const seeds = [...new Set(pipelines.flatMap((p) => p.seeds))].sort((a, b) => a - b).join(", ")
  const title = pageTitle(analysis)
  const byId = (id: string) => plots.filter((p) => p.plot.id === id || p.plot.id.startsWith(`${id}-`))
  return htmlDocument(
    title,
    `Dataset ${datasets} · kernel sets ${kernelSets || "—"} · strategies ${strategies || "—"} · seeds ${seeds || "—"}`,
    `${failuresTable(analysis).rows.length > 0 ? tableHtml(failuresTable(analysis)) : ""}
${selectedTable(analysis).rows.length > 0 ? tableHtml(selectedTable(analysis)) : ""}
${modelsTable(analysis).rows.length > 0 ? tableHtml(modelsTable(analysis)) : ""}
${deviceMemoryTable(analysis).rows.length > 0 ? tableHtml(deviceMemoryTable(analysis)) : ""}
${tableHtml(fairnessTable(analysis))}
${byId("accuracy-memory").map(plotHtml).join("\n")}
${byId("score-accuracy").map(plotHtml).join("\n")}
${analysis.results.trained.length > 0 ? tableHtml(kendallTable(analysis)) : ""}
${byId("best-so-far").map(plotHtml).join("\n")}
${tableHtml(bestTable(analysis))}
${byId("search-time").map(plotHtml).join("\n")}
${tableHtml(costTable(analysis))}
${byId("firing-rate").map(plotHtml).join("\n")}
${analysis.results.trained.length > 0 ? tableHtml(paretoTable(analysis)) : ""}
${tableHtml(pipelinesTable(analysis))}
${
  absent.length > 0
    ? `<section id="absent"><h2>Plots not drawn</h2><ul class="absent">${absent.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul></section>`
    : ""
}`
  )
}

/**
 * A whole static page: the title, a line under it, the sections' HTML, and the footer.
 *
 * @since 0.1.0
 */
export const htmlDocument = (title: string, subtitle: string, sections: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(subtitle)}</p>
</header>
${sections}
<footer>Made by @spikernel/report. A static page: no scripts, no network. Every number is also in results.json; summary.md has the tables as Markdown.</footer>
</main>
</body>
</html>
`
