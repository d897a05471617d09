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
import { formatMegabytes, formatNumber, formatSeconds, kernelsLabel, megabytes } from "./Format.ts"

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

// Shared look: readable sizes, left-aligned titles, light grid. The `config` key of every spec.
const config = {
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

// Kernel sets keep their colour across plots: the domain is every kernel set of the report, in order.
const kernelColor = (domain: ReadonlyArray<string>): { domain: Array<string>; scheme: "tableau10" } => ({
  domain: [...domain],
  scheme: "tableau10"
})

const seriesName = (series: BestSoFarSeries, several: boolean): string =>
  several ? `${series.pipeline} · ${series.strategy}` : series.strategy

const facetName = (
  series: { cellType: string; kernels: ReadonlyArray<number> },
  mixedCells: boolean
): string =>
  mixedCells ? `${series.cellType} ${kernelsLabel(series.kernels)}` : kernelsLabel(series.kernels)

const roundTo = (value: number, digits: number): number => Number(value.toFixed(digits))

const accuracyMemory = (analysis: Analysis, kernelOrder: ReadonlyArray<string>): PlotSpec | string => {
  const { trained, pareto, pipelines } = analysis.results
  if (trained.length === 0) return "Accuracy vs memory: no trained models in the results."
  const several = pipelines.length > 1
  const points = trained.map((model) => ({
    mb: roundTo(megabytes(model.bytes), 4),
    accuracy: roundTo(model.accuracy * 100, 3),
    kernels: kernelsLabel(model.architecture.kernels),
    pipeline: model.pipeline,
    label: model.label,
    selected: model.selected
  }))
  const front = pareto.map((model) => ({
    mb: roundTo(megabytes(model.bytes), 4),
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
    title: "Weight memory (MB)",
    scale: { zero: false, nice: true }
  } as const
  const y = {
    field: "accuracy",
    type: "quantitative",
    title: "Top-1 test accuracy (%)",
    scale: { zero: false }
  } as const
  const budgetLayers: Array<Layer> =
    budgets.length === 0
      ? []
      : [
          {
            data: { values: budgets },
            mark: { type: "rule", color: "#cf222e", strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { x: { field: "mb", type: "quantitative" } }
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
            encoding: { x: { field: "mb", type: "quantitative" }, text: { field: "label", type: "nominal" } }
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
      color: { field: "kernels", type: "nominal", title: "Kernel set", scale: kernelColor(kernelOrder) },
      ...(several ? { shape: { field: "pipeline", type: "nominal", title: "Pipeline" } } : {})
    }
  }
  return {
    id: "accuracy-memory",
    title: "Accuracy vs memory",
    caption:
      "Each point is a trained model. The dark step line is the Pareto front (no other model is both smaller and more accurate)" +
      (budgets.length > 0 ? "; the dashed red line is the memory budget" : "") +
      "; ringed points are the models the pipeline selected.",
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
        {
          data: { values: front },
          mark: { type: "line", interpolate: "step-after", color: "#24292f", strokeWidth: 1.5, opacity: 0.8 },
          encoding: { x, y }
        },
        pointLayer,
        ...selectedLayers
      ]
    }
  }
}

const scoreAccuracy = (analysis: Analysis, kernelOrder: ReadonlyArray<string>): PlotSpec | string => {
  const { trained, kendall } = analysis.results
  const finite = trained.filter((model) => Number.isFinite(model.score))
  if (finite.length === 0) return "Score vs accuracy: no trained model with a finite score."
  const all = kendall[0]
  const left = trained.length - finite.length
  const tauText = `Kendall's τ-b = ${formatNumber(all.tau, 3)}`
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
      data: {
        values: finite.map((model) => ({
          score: roundTo(model.score, 4),
          accuracy: roundTo(model.accuracy * 100, 3),
          kernels: kernelsLabel(model.architecture.kernels)
        }))
      },
      mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
      encoding: {
        x: {
          field: "score",
          type: "quantitative",
          title: "SAHD score (log-determinant, higher is better)",
          scale: { zero: false }
        },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "Top-1 test accuracy (%)",
          scale: { zero: false }
        },
        color: { field: "kernels", type: "nominal", title: "Kernel set", scale: kernelColor(kernelOrder) }
      }
    }
  }
}

const bestSoFarPlot = (analysis: Analysis, axis: "candidates" | "seconds"): PlotSpec | string => {
  const several = analysis.results.pipelines.length > 1
  const all = analysis.series
  // Baseline runs (5000 candidates against a few hundred) would squash every other curve: they are drawn
  // as a reference level, unless they are all there is.
  const drawn = all.some((s) => !s.baseline) ? all.filter((s) => !s.baseline) : all
  const baselines = drawn === all ? [] : all.filter((s) => s.baseline)
  const mixedCells = new Set(drawn.map((s) => s.cellType)).size > 1
  const rows = drawn.flatMap((s) =>
    (axis === "candidates" ? s.byCandidates : s.bySeconds).map((p) => ({
      kind: "curve",
      facet: facetName(s, mixedCells),
      series: seriesName(s, several),
      x: roundTo(p.x, 3),
      median: roundTo(p.median, 4),
      lo: roundTo(p.lo, 4),
      hi: roundTo(p.hi, 4)
    }))
  )
  if (rows.length === 0) return `Best score vs ${axis}: no scored candidates.`
  const facets = [...new Set(rows.map((row) => row.facet))]
  const baselineBest = baselines.filter((s) => Number.isFinite(s.final.median))
  const reference =
    baselineBest.length === 0
      ? undefined
      : baselineBest.map((s) => s.final.median).reduce((a, b) => a + b, 0) / baselineBest.length
  const referenceRows =
    reference === undefined
      ? []
      : facets.map((facet) => ({ kind: "baseline", facet, median: roundTo(reference, 4) }))
  const bandText = drawn.every((s) => s.band === "min-max") ? "min–max" : "interquartile range"
  const seedCounts = [...new Set(drawn.map((s) => s.seeds.length))].join("/")
  const baselineText =
    reference === undefined
      ? ""
      : ` · dashed: best of the baseline ${baselines.map((s) => `${kernelsLabel(s.kernels)} × ${s.budget}`)[0]} (${formatNumber(reference, 1)})`
  const referenceLayers: Array<Layer> =
    referenceRows.length === 0
      ? []
      : [
          {
            transform: [{ filter: "datum.kind === 'baseline'" }],
            mark: { type: "rule", color: "#57606a", strokeDash: [5, 4], strokeWidth: 1.5 },
            encoding: { y: { field: "median", type: "quantitative" } }
          }
        ]
  const xTitle = axis === "candidates" ? "Candidates evaluated" : "Search time paid (s)"
  return {
    id: `best-so-far-${axis}`,
    title: `Best score so far vs ${axis}`,
    caption:
      `One line per strategy: the median over ${seedCounts} seeds of the best score found so far, with the ${bandText} over seeds as a band; one panel per kernel set.` +
      (axis === "seconds"
        ? " Time counts only work paid for in the run; candidates reused from the store add no time."
        : ""),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `Best SAHD score so far vs ${axis === "candidates" ? "candidates evaluated" : "search seconds"}`,
        subtitle: `line: median over seeds · band: ${bandText}${baselineText}`
      },
      config,
      data: { values: [...rows, ...referenceRows] },
      columns: Math.min(3, facets.length),
      facet: { field: "facet", type: "nominal", sort: facets, title: null },
      spec: {
        width: 250,
        height: 170,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'curve'" }],
            mark: { type: "area", interpolate: "step-after", opacity: 0.2 },
            encoding: {
              x: { field: "x", type: "quantitative", title: xTitle },
              y: {
                field: "lo",
                type: "quantitative",
                title: "Best SAHD score so far",
                scale: { zero: false }
              },
              y2: { field: "hi" },
              // The line layer's legend (strokes) names the series; the pale band needs none of its own.
              color: { field: "series", type: "nominal", legend: null }
            }
          },
          {
            transform: [{ filter: "datum.kind === 'curve'" }],
            mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
            encoding: {
              x: { field: "x", type: "quantitative", title: xTitle },
              y: {
                field: "median",
                type: "quantitative",
                title: "Best SAHD score so far",
                scale: { zero: false }
              },
              color: { field: "series", type: "nominal", title: several ? "Pipeline · strategy" : "Strategy" }
            }
          },
          ...referenceLayers
        ]
      }
    }
  }
}

const searchTime = (analysis: Analysis): PlotSpec | string => {
  const { groups, baselineSeconds } = analysis.cost
  if (groups.length === 0) return "Search time per kernel set: no searches in the results."
  const several = analysis.results.pipelines.length > 1
  const mixedCells = new Set(groups.map((g) => g.cellType)).size > 1
  const label = (g: (typeof groups)[number]): string =>
    `${several ? `${g.pipeline}: ` : ""}${facetName(g, mixedCells)} · ${g.budget} cand.${g.baseline ? " (baseline)" : ""}`
  const rows = groups.map((g) => ({
    group: label(g),
    strategy: g.strategy,
    mean: roundTo(g.meanSeconds, 3),
    min: roundTo(g.minSeconds, 3),
    max: roundTo(g.maxSeconds, 3),
    speedup: Number.isFinite(g.speedup) ? `×${g.speedup.toFixed(1)}` : ""
  }))
  const order = [...new Set(rows.map((row) => row.group))]
  const baseline = groups.find((g) => g.baseline)
  const y = { field: "group", type: "nominal", title: null, sort: order, axis: { labelLimit: 0 } } as const
  const yOffset = { field: "strategy", type: "nominal" } as const
  const color = { field: "strategy", type: "nominal", title: "Strategy", scale: { scheme: "set2" } } as const
  return {
    id: "search-time",
    title: "Search time per kernel set",
    caption:
      "Bars: paid search seconds per run, mean over seeds; whiskers: min–max over seeds; labels: speed-up over the baseline (its mean seconds over this bar's)." +
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
            x: { field: "mean", type: "quantitative", title: "Search time paid per run (s)" },
            color
          }
        },
        {
          mark: { type: "rule", color: "#24292f", strokeWidth: 1.2 },
          encoding: { x: { field: "min", type: "quantitative" }, x2: { field: "max" } }
        },
        {
          mark: { type: "text", align: "left", dx: 5, fontSize: 11, fontWeight: 600, color: "#24292f" },
          encoding: { x: { field: "max", type: "quantitative" }, text: { field: "speedup", type: "nominal" } }
        }
      ]
    }
  }
}

const firingRate = (analysis: Analysis): PlotSpec | string => {
  const several = analysis.results.pipelines.length > 1
  const rows = analysis.inputs.flatMap((input) =>
    input.trained
      .filter((model) => model.selected)
      .flatMap((model) =>
        model.firingRates.map((rate, order) => ({
          model: `${several ? `${input.name}: ` : ""}${kernelsLabel(model.architecture.kernels)} ${model.architecture.matrix.map((row) => row.join("")).join(" ")}`,
          layer: rate.layer,
          order,
          rate: roundTo(rate.rate * 100, 3)
        }))
      )
  )
  if (rows.length === 0) return "Firing rate per layer: no firing rates recorded for the selected models."
  const layers = [...new Set(rows.map((row) => row.layer))]
  const models = new Set(rows.map((row) => row.model)).size
  return {
    id: "firing-rate",
    title: "Firing rate per layer",
    caption:
      "Mean spikes per neuron per timestep of each spiking layer of the selected models, in network order; sparser layers cost less on neuromorphic hardware.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Firing rate per layer of the selected models",
        subtitle: "share of neurons that spike in a timestep, averaged over the test set"
      },
      // With an xOffset the step is one bar's width; keep a layer's group wide enough for its label.
      width: { step: Math.max(30, Math.ceil(84 / models)) },
      height: 260,
      config,
      data: { values: rows },
      mark: { type: "bar", cornerRadiusEnd: 2 },
      encoding: {
        x: {
          field: "layer",
          type: "nominal",
          title: "Layer (network order)",
          sort: layers,
          axis: { labelAngle: 0 }
        },
        xOffset: { field: "model", type: "nominal" },
        y: { field: "rate", type: "quantitative", title: "Firing rate (%)" },
        color: {
          field: "model",
          type: "nominal",
          title: "Selected model",
          legend: { orient: "bottom", columns: 1 }
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
  const kernelOrder = [
    ...new Set([
      ...analysis.inputs.flatMap((input) => input.searches.map((run) => kernelsLabel(run.kernels))),
      ...analysis.results.trained.map((model) => kernelsLabel(model.architecture.kernels))
    ])
  ]
  const made = [
    accuracyMemory(analysis, kernelOrder),
    scoreAccuracy(analysis, kernelOrder),
    bestSoFarPlot(analysis, "candidates"),
    bestSoFarPlot(analysis, "seconds"),
    searchTime(analysis),
    firingRate(analysis)
  ]
  return {
    plots: made.filter((plot): plot is PlotSpec => typeof plot !== "string"),
    absent: made.filter((plot): plot is string => typeof plot === "string")
  }
}
