/**
 * The Vega-Lite specs of a report's plots, built from its analysis. Each plot states its units in its
 * axis titles (MB, %, seconds) and what its marks mean in its subtitle, so it reads without the page
 * around it.
 *
 * A plot with nothing to draw is not made; `absent` says which and why, so the page can say so.
 *
 * @since 0.1.0
 */
import type { TopLevelSpec } from "vega-lite"
import type { Analysis } from "./Analysis.ts"
import type { BestSoFarSeries } from "./BestSoFar.ts"
import {
  architectureLabel,
  formatMegabytes,
  formatNumber,
  formatSeconds,
  kernelsLabel,
  megabytes
} from "./Format.ts"
import { memoryFigure, memoryOf, onDevice } from "./ReportResults.ts"

/**
 * One plot of a report.
 *
 * @since 0.1.0
 */
export interface PlotSpec {
  /** File name stem and HTML id: `accuracy-memory`. */
  readonly id: string
  readonly title: string
  /** One or two sentences under the plot: what it shows and how to read it. */
  readonly caption: string
  readonly spec: TopLevelSpec
}

/**
 * The plots, and a line for each one left out.
 *
 * @since 0.1.0
 */
export interface PlotSpecs {
  readonly plots: ReadonlyArray<PlotSpec>
  readonly absent: ReadonlyArray<string>
}

const font = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

/**
 * The shared look of every plot (readable sizes, left-aligned titles, light grid): the `config` key
 * of every spec, also of the study reports.
 *
 * @since 0.1.0
 */
export const config = {
  font,
  background: "white",
  padding: 8,
  view: { stroke: "#d0d7de" },
  title: {
    fontSize: 15,
    fontWeight: 600,
    anchor: "start",
    subtitleFontSize: 12,
    subtitleColor: "#57606a",
    offset: 12
  },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: "#eaeef2", titlePadding: 8 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, labelLimit: 360, titleLimit: 360 },
  header: { labelFontSize: 12, labelFontWeight: 600, title: null }
} as const

// One layer of a layered spec, typed by Vega-Lite itself (the package exports only the top-level type).
type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

/**
 * One palette, assigned once per report: kernel sets take colours in report order, and strategies
 * (or pipeline · strategy series) take theirs in order too, so a set or a strategy has one colour in
 * every plot it appears in.
 *
 * @since 0.1.0
 */
export const palette = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac"
]

const colorScale = (domain: ReadonlyArray<string>): { domain: Array<string>; range: Array<string> } => ({
  domain: [...domain],
  range: domain.map((_, i) => palette[i % palette.length])
})

/**
 * A continuous domain with room around the data, so no mark sits on the plot's edge: 8 % of the span
 * on each side (or of the value when every point has the same one).
 *
 * @since 0.1.0
 */
export const paddedDomain = (values: ReadonlyArray<number>, floor?: number): [number, number] => {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return [0, 1]
  const lo = Math.min(...finite)
  const hi = Math.max(...finite)
  const span = hi > lo ? hi - lo : Math.max(Math.abs(hi) * 0.05, 1e-3)
  const pad = hi > lo ? span * 0.08 : span
  const low = floor === undefined ? lo - pad : Math.max(floor, lo - pad)
  return [roundTo(low, 6), roundTo(hi + pad, 6)]
}

/**
 * A layer name as a plot's axis shows it: `cell1.cell_architecture.3.0` → `cell1 op 3`,
 * `cell1.cell_architecture_back.3.0` → `cell1 back 3` (a backward edge), `downconv1.1` → `downconv1`, `last_act.1` → `last act`, `classifier.2` → `classifier`.
 *
 * @since 0.1.0
 */
export const shortLayerName = (layer: string): string => {
  const parts = layer.split(".")
  const cell = parts.findIndex((part) => part === "cell_architecture" || part === "cell_architecture_back")
  if (cell > 0 && parts.length > cell + 1)
    return `${parts.slice(0, cell).join(" ")} ${parts[cell] === "cell_architecture" ? "op" : "back"} ${parts[cell + 1]}`
  const trimmed = parts.length > 1 && /^\d+$/.test(parts[parts.length - 1]) ? parts.slice(0, -1) : parts
  return trimmed.join(" ").replace(/_/g, " ")
}

const seriesName = (series: BestSoFarSeries, several: boolean): string =>
  several ? `${series.pipeline} · ${series.strategy}` : series.strategy

const facetName = (
  series: { cellType: string; kernels: ReadonlyArray<number> },
  mixedCells: boolean
): string =>
  mixedCells ? `${series.cellType} ${kernelsLabel(series.kernels)}` : kernelsLabel(series.kernels)

const roundTo = (value: number, digits: number): number => Number(value.toFixed(digits))

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

interface Palettes {
  readonly kernels: ReadonlyArray<string>
  readonly series: ReadonlyArray<string>
}

const accuracyMemory = (analysis: Analysis, colors: Palettes): PlotSpec | string => {
  const { trained, pareto, pipelines } = analysis.results
  if (trained.length === 0) return "Accuracy vs memory: no trained models in the results."
  const several = pipelines.length > 1
  const device = onDevice(trained)
  const points = trained.map((model) => ({
    mb: roundTo(megabytes(memoryOf(model, device)), 4),
    accuracy: roundTo(model.accuracy * 100, 3),
    kernels: kernelsLabel(model.architecture.kernels),
    pipeline: model.pipeline,
    label: model.label,
    selected: model.selected
  }))
  const front = pareto.map((model) => ({
    mb: roundTo(megabytes(memoryOf(model, device)), 4),
    accuracy: roundTo(model.accuracy * 100, 3)
  }))
  const budgets = [
    ...new Set(pipelines.flatMap((p) => (p.memoryBudgetBytes === undefined ? [] : [p.memoryBudgetBytes])))
  ].map((bytes) => ({ mb: roundTo(megabytes(bytes), 4), label: `budget ${formatMegabytes(bytes)}` }))
  // Labels of neighbouring selected points alternate above and below, so two close ones do not collide,
  // and points on the right half are labelled on their left, away from the legend.
  const midMb = (Math.min(...points.map((p) => p.mb)) + Math.max(...points.map((p) => p.mb))) / 2
  const selected = points
    .filter((point) => point.selected)
    .sort((a, b) => a.mb - b.mb)
    .map((point, rank) => ({
      ...point,
      align: point.mb > midMb ? "right" : "left",
      dx: point.mb > midMb ? -11 : 11,
      dy: rank % 2 === 0 ? -10 : 12
    }))
  const x = {
    field: "mb",
    type: "quantitative",
    title: device ? `${capitalised(memoryFigure(trained))} (MB)` : "Weight memory (MB)",
    scale: { domain: paddedDomain([...points.map((p) => p.mb), ...budgets.map((b) => b.mb)], 0), nice: false }
  } as const
  const y = {
    field: "accuracy",
    type: "quantitative",
    title: "Top-1 test accuracy (%)",
    scale: {
      domain: paddedDomain(
        points.map((p) => p.accuracy),
        0
      ),
      nice: false
    }
  } as const
  const budgetLayers: Array<Layer> =
    budgets.length === 0
      ? []
      : [
          {
            data: { values: budgets },
            mark: { type: "rule", color: "#cf222e", strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { x }
          },
          {
            data: { values: budgets },
            mark: {
              type: "text",
              color: "#cf222e",
              align: "left",
              // At the foot of the line: the top is where the most accurate (often selected) models sit.
              baseline: "bottom",
              dx: 4,
              dy: -4,
              y: "height",
              fontSize: 11
            },
            encoding: { x, text: { field: "label", type: "nominal" } }
          }
        ]
  const selectedLayers: Array<Layer> =
    selected.length === 0
      ? []
      : [
          {
            data: { values: selected },
            mark: { type: "point", filled: false, size: 260, strokeWidth: 2, color: "#24292f" },
            encoding: { x, y }
          },
          {
            data: { values: selected },
            mark: {
              type: "text",
              align: { expr: "datum.align" },
              dx: { expr: "datum.dx" },
              dy: { expr: "datum.dy" },
              fontSize: 11,
              fontWeight: 600,
              color: "#24292f"
            },
            encoding: { x, y, text: { field: several ? "pipeline" : "kernels", type: "nominal" } }
          }
        ]
  const pointLayer: Layer = {
    data: { values: points },
    mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
    encoding: {
      x,
      y,
      color: { field: "kernels", type: "nominal", title: "Kernel set", scale: colorScale(colors.kernels) },
      ...(several ? { shape: { field: "pipeline", type: "nominal", title: "Pipeline" } } : {})
    }
  }
  return {
    id: "accuracy-memory",
    title: "Accuracy vs memory",
    caption:
      "Each point is a trained model, coloured by kernel set. " +
      (front.length > 1
        ? "The dark step line is the Pareto front (no other model is both smaller and more accurate)"
        : `The Pareto front is one model (${pareto.map((m) => m.label).join("")}): it is both the smallest and the most accurate`) +
      (budgets.length > 0 ? "; the dashed red line is the memory budget" : "") +
      (selected.length === 0
        ? "; no model was selected."
        : selected.length === 1
          ? "; the ringed, labelled point is the model the pipeline selected."
          : "; the ringed, labelled points are the models the pipelines selected."),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Trained accuracy vs weight memory",
        subtitle: `${trained.length} trained models · ${pareto.length} on the Pareto front${budgets.length > 0 ? ` · ${budgets.map((b) => b.label).join(", ")}` : ""}`
      },
      width: 620,
      height: 340,
      config,
      layer: [
        ...budgetLayers,
        ...(front.length > 1
          ? [
              {
                data: { values: front },
                mark: {
                  type: "line",
                  interpolate: "step-after",
                  color: "#24292f",
                  strokeWidth: 1.5,
                  opacity: 0.8
                },
                encoding: { x, y }
              } satisfies Layer
            ]
          : []),
        pointLayer,
        ...selectedLayers
      ]
    }
  }
}

const scoreAccuracy = (analysis: Analysis, colors: Palettes): PlotSpec | string => {
  const { trained, kendall } = analysis.results
  const finite = trained.filter((model) => Number.isFinite(model.score))
  if (finite.length === 0) return "Score vs accuracy: no trained model with a finite score."
  const all = kendall[0]
  const left = trained.length - finite.length
  const tauText = `Kendall's τ-b = ${formatNumber(all.tau, 3)}`
  const scored = finite.map((model) => ({
    score: roundTo(model.score, 4),
    accuracy: roundTo(model.accuracy * 100, 3),
    kernels: kernelsLabel(model.architecture.kernels)
  }))
  return {
    id: "score-accuracy",
    title: "SAHD score vs trained accuracy",
    caption:
      "Does the training-free score order architectures the way training does? Kendall's τ-b counts concordant minus discordant pairs (ties corrected): 1 is the same order, 0 no relation." +
      (left > 0
        ? ` ${left} model${left === 1 ? "" : "s"} with a non-finite score (singular kernel) are not drawn but count in τ.`
        : ""),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `SAHD score vs trained accuracy (${tauText})`,
        subtitle: `${all.n} trained models · ${all.concordant} concordant, ${all.discordant} discordant pairs`
      },
      width: 620,
      height: 320,
      config,
      data: { values: scored },
      mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
      encoding: {
        x: {
          field: "score",
          type: "quantitative",
          title: "SAHD score (log-determinant, higher is better)",
          scale: { domain: paddedDomain(scored.map((p) => p.score)), nice: false }
        },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "Top-1 test accuracy (%)",
          scale: {
            domain: paddedDomain(
              scored.map((p) => p.accuracy),
              0
            ),
            nice: false
          }
        },
        color: { field: "kernels", type: "nominal", title: "Kernel set", scale: colorScale(colors.kernels) }
      }
    }
  }
}

const seriesFacet = (series: BestSoFarSeries, mixedCells: boolean): string =>
  `${facetName(series, mixedCells)}${series.baseline ? ` baseline × ${series.budget}` : ""}`

const bestSoFarPlot = (
  analysis: Analysis,
  axis: "candidates" | "seconds",
  colors: Palettes
): PlotSpec | string =>
  bestSoFarSpec(analysis.series, axis, {
    several: analysis.results.pipelines.length > 1,
    seriesColors: colors.series
  })

/**
 * The best-so-far plot of some series against candidates or paid seconds: the static report's, and
 * the live dashboard's (one search as it runs). A string says why there is nothing to draw.
 * `several` names series by pipeline and strategy; `seriesColors` is the palette's order of names
 * (by default, the series' own order).
 *
 * @since 0.1.0
 */
export const bestSoFarSpec = (
  drawn: ReadonlyArray<BestSoFarSeries>,
  axis: "candidates" | "seconds",
  options: { readonly several: boolean; readonly seriesColors?: ReadonlyArray<string> }
): PlotSpec | string => {
  const several = options.several
  const colors = {
    series: options.seriesColors ?? [...new Set(drawn.map((series) => seriesName(series, several)))]
  }
  // Every series has its panel, the baseline's too; panels keep their own x scale, so a baseline of
  // 5000 candidates does not squash searches of a few hundred.
  const mixedCells = new Set(drawn.map((s) => s.cellType)).size > 1
  const rows = drawn.flatMap((s) =>
    (axis === "candidates" ? s.byCandidates : s.bySeconds).map((p) => ({
      facet: seriesFacet(s, mixedCells),
      series: seriesName(s, several),
      x: roundTo(p.x, 3),
      median: roundTo(p.median, 4),
      lo: roundTo(p.lo, 4),
      hi: roundTo(p.hi, 4)
    }))
  )
  if (rows.length === 0) return `Best score vs ${axis}: no scored candidates.`
  const facets = [...new Set(rows.map((row) => row.facet))]
  const seedCounts = [...new Set(drawn.map((s) => s.seeds.length))].sort((a, b) => a - b)
  const oneSeed = seedCounts.length === 1 && seedCounts[0] === 1
  const bandText = drawn.every((s) => s.band === "min-max") ? "min–max" : "interquartile range"
  const seedText = seedCounts.join(" or ")
  const xTitle = axis === "candidates" ? "Candidates evaluated" : "Search time paid (s)"
  const yScale = { domain: paddedDomain(rows.flatMap((row) => [row.lo, row.hi, row.median])), nice: false }
  const color = {
    field: "series",
    type: "nominal",
    title: several ? "Pipeline · strategy" : "Strategy",
    scale: colorScale(colors.series),
    // Stroke symbols at full opacity: the legend names the lines, not the pale bands.
    legend: {
      orient: "bottom",
      direction: "horizontal",
      symbolType: "stroke",
      symbolStrokeWidth: 2.5,
      symbolOpacity: 1
    }
  } as const
  const bandLayers: Array<Layer> = oneSeed
    ? []
    : [
        {
          mark: { type: "area", interpolate: "step-after", opacity: 0.2 },
          encoding: {
            x: { field: "x", type: "quantitative", title: xTitle },
            y: { field: "lo", type: "quantitative", title: "Best SAHD score so far", scale: yScale },
            y2: { field: "hi" },
            // The same legend as the line's: a legend null on either layer would disable the merged one.
            color
          }
        }
      ]
  return {
    id: `best-so-far-${axis}`,
    title: `Best score so far vs ${axis}`,
    caption:
      (oneSeed
        ? "One line per search: the best score it had found so far (one seed, so no band)"
        : `One line per strategy: the median over ${seedText} seeds of the best score found so far, with the ${bandText} over seeds as a band`) +
      "; one panel per kernel set" +
      (drawn.some((s) => s.baseline) ? ", the baseline's included" : "") +
      ", each panel with its own x axis. A best-so-far curve never falls." +
      (axis === "seconds"
        ? " Time counts only work paid for in the run; candidates reused from the store add no time."
        : ""),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `Best SAHD score so far vs ${axis === "candidates" ? "candidates evaluated" : "search seconds"}`,
        subtitle: oneSeed ? "line: best so far (one seed)" : `line: median over seeds · band: ${bandText}`
      },
      config,
      data: { values: rows },
      columns: Math.min(3, facets.length),
      facet: { field: "facet", type: "nominal", sort: facets, title: null },
      resolve: { scale: { x: "independent" }, axis: { x: "independent" } },
      spec: {
        width: 250,
        height: 170,
        layer: [
          ...bandLayers,
          {
            mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
            encoding: {
              x: {
                field: "x",
                type: "quantitative",
                title: xTitle,
                scale: { nice: false, padding: 6 },
                axis: { labelOverlap: true, tickCount: 5 }
              },
              y: { field: "median", type: "quantitative", title: "Best SAHD score so far", scale: yScale },
              color
            }
          }
        ]
      }
    }
  }
}

const searchTime = (analysis: Analysis, colors: Palettes): PlotSpec | string => {
  const { groups, baselineSeconds } = analysis.cost
  if (groups.length === 0) return "Search time per kernel set: no searches in the results."
  const several = analysis.results.pipelines.length > 1
  const mixedCells = new Set(groups.map((g) => g.cellType)).size > 1
  const label = (g: (typeof groups)[number]): string =>
    `${several ? `${g.pipeline}: ` : ""}${facetName(g, mixedCells)} · ${g.budget} cand.${g.baseline ? " (baseline)" : ""}`
  const rows = groups.map((g) => ({
    group: label(g),
    series: several ? `${g.pipeline} · ${g.strategy}` : g.strategy,
    mean: roundTo(g.meanSeconds, 3),
    min: roundTo(g.minSeconds, 3),
    max: roundTo(g.maxSeconds, 3),
    speedup: Number.isFinite(g.speedup) ? `×${g.speedup.toFixed(1)}` : ""
  }))
  const order = [...new Set(rows.map((row) => row.group))]
  const baseline = groups.find((g) => g.baseline)
  const y = { field: "group", type: "nominal", title: null, sort: order, axis: { labelLimit: 0 } } as const
  const yOffset = { field: "series", type: "nominal", sort: colors.series } as const
  const color = {
    field: "series",
    type: "nominal",
    title: several ? "Pipeline · strategy" : "Strategy",
    scale: colorScale(colors.series)
  } as const
  const manySeeds = groups.some((g) => g.seeds.length > 1)
  const xMax = Math.max(...rows.map((row) => row.max))
  return {
    id: "search-time",
    title: "Search time per kernel set",
    caption:
      `Bars: paid search seconds per run${manySeeds ? ", mean over seeds; whiskers: min–max over seeds" : ""}` +
      (baseline === undefined
        ? "."
        : "; labels: speed-up over the baseline (its mean seconds over this bar's).") +
      " Candidates reused from the store are counted apart (see the cost table) and add no time.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Search time per kernel set",
        subtitle:
          baseline === undefined || baselineSeconds === undefined
            ? "no baseline search in these results: no speed-up shown"
            : `speed-up ×N over the SNASNet baseline ${kernelsLabel(baseline.kernels)} × ${baseline.budget} candidates (${formatSeconds(baselineSeconds)} per run)`
      },
      width: 560,
      height: { step: 16 },
      config,
      data: { values: rows },
      encoding: { y, yOffset },
      layer: [
        {
          mark: { type: "bar", cornerRadiusEnd: 2 },
          encoding: {
            x: {
              field: "mean",
              type: "quantitative",
              title: "Search time paid per run (s)",
              // Room on the right for the speed-up labels.
              scale: { domain: [0, roundTo(xMax * 1.15 || 1, 3)], nice: false }
            },
            color
          }
        },
        ...(manySeeds
          ? [
              {
                mark: { type: "rule", color: "#24292f", strokeWidth: 1.2 },
                encoding: { x: { field: "min", type: "quantitative" }, x2: { field: "max" } }
              } satisfies Layer
            ]
          : []),
        {
          mark: { type: "text", align: "left", dx: 5, fontSize: 11, fontWeight: 600, color: "#24292f" },
          encoding: { x: { field: "max", type: "quantitative" }, text: { field: "speedup", type: "nominal" } }
        }
      ]
    }
  }
}

const firingRate = (analysis: Analysis, colors: Palettes): PlotSpec | string => {
  const several = analysis.results.pipelines.length > 1
  // Every trained model with firing rates, in the report's order.
  const models = analysis.results.trained.flatMap((row) => {
    const input = analysis.inputs.find((i) => i.name === row.pipeline)
    const model = input?.trained.find(
      (m) => architectureLabel(m.architecture) === row.label && m.firingRates.length > 0
    )
    return model === undefined ? [] : [{ row, model }]
  })
  const byKernels =
    new Set(models.map(({ row }) => `${row.pipeline} ${kernelsLabel(row.architecture.kernels)}`)).size ===
      models.length && !several
  const rows = models.flatMap(({ row, model }) =>
    model.firingRates.map((rate, order) => ({
      model: `${several ? `${row.pipeline}: ` : ""}${row.label}${row.selected ? " (selected)" : ""}`,
      kernels: kernelsLabel(row.architecture.kernels),
      layer: shortLayerName(rate.layer),
      order,
      rate: roundTo(rate.rate * 100, 3)
    }))
  )
  if (rows.length === 0) return "Firing rate per layer: no firing rates recorded for the trained models."
  const modelOrder = [...new Set(rows.map((row) => row.model))]
  const modelCount = modelOrder.length
  const renamed = models.some(({ model }) =>
    model.firingRates.some((rate) => rate.layer.includes("cell_architecture"))
  )
  // One panel per model: each architecture has its own spiking layers (one LIF per edge of its cell).
  const widest = Math.max(...modelOrder.map((model) => rows.filter((row) => row.model === model).length))
  return {
    id: "firing-rate",
    title: "Firing rate per layer",
    caption:
      `Mean spikes per neuron per timestep of each spiking layer, one panel per trained model (${modelCount}), layers in network order; sparser layers cost less on neuromorphic hardware.` +
      (renamed
        ? " “cell1 op 3” is the LIF in front of module cell1.cell_architecture.3, “cell1 back 3” that of the backward edge cell1.cell_architecture_back.3."
        : ""),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Firing rate per layer of the trained models",
        subtitle: "share of neurons that spike in a timestep, averaged over the test set"
      },
      config,
      data: { values: rows },
      columns: Math.min(3, modelCount),
      facet: {
        field: "model",
        type: "nominal",
        sort: modelOrder,
        title: null,
        header: { labelLimit: 0, labelFontSize: 11 }
      },
      resolve: { scale: { x: "independent" } },
      spec: {
        // Wide enough that the panel's title (the model) fits over it.
        width: Math.max(widest * 16, 250),
        height: 200,
        mark: { type: "bar", cornerRadiusEnd: 2 },
        encoding: {
          x: {
            field: "layer",
            type: "nominal",
            title: "Layer (network order)",
            sort: { field: "order", op: "min" },
            axis: { labelAngle: -45, labelAlign: "right", labelLimit: 120 }
          },
          y: { field: "rate", type: "quantitative", title: "Firing rate (%)" },
          color: byKernels
            ? {
                field: "kernels",
                type: "nominal",
                title: "Kernel set",
                scale: colorScale(colors.kernels),
                legend: { orient: "bottom", direction: "horizontal" }
              }
            : {
                field: "model",
                type: "nominal",
                title: "Trained model",
                sort: modelOrder,
                legend: { orient: "bottom", columns: 1 }
              }
        }
      }
    }
  }
}

/**
 * The report's plots in page order.
 *
 * @since 0.1.0
 */
export const plotSpecs = (analysis: Analysis): PlotSpecs => {
  const several = analysis.results.pipelines.length > 1
  const colors: Palettes = {
    kernels: analysis.kernelOrder,
    // In the report's order (the series are sorted by it), so legends list strategies as tables do.
    series: [...new Set(analysis.series.map((series) => seriesName(series, several)))]
  }
  const made = [
    accuracyMemory(analysis, colors),
    scoreAccuracy(analysis, colors),
    bestSoFarPlot(analysis, "candidates", colors),
    bestSoFarPlot(analysis, "seconds", colors),
    searchTime(analysis, colors),
    firingRate(analysis, colors)
  ]
  return {
    plots: made.filter((plot): plot is PlotSpec => typeof plot !== "string"),
    absent: made.filter((plot): plot is string => typeof plot === "string")
  }
}
