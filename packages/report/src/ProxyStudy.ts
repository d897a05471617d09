/**
 * The proxy-quality study (issue 18): N architectures, each scored by several training-free proxies
 * and trained; how well each proxy ranks them — Kendall's τ-b and Spearman's ρ against test accuracy
 * with bootstrap 95 % intervals, top-k overlap, the accuracy the proxy's pick gives up, and how
 * often a small search's pick lands within x points of its best — and whether the training was long
 * enough for the ranking to be stable (τ between the accuracies after ⌈E/2⌉ and E epochs).
 *
 * Written as one folder like the pipeline report: `index.html` (inline SVG), `summary.md`,
 * `results.json` and `plots/*.svg`.
 *
 * @since 0.1.0
 */
import { Architecture, Numbers } from "@spikernel/core"
import { Effect, type FileSystem, type Path, Schema } from "effect"
import { formatCount, formatNumber, formatPercent, kernelsLabel } from "./Format.ts"
import { config, type PlotSpec, paddedDomain, palette } from "./PlotSpecs.ts"
import {
  type Interval,
  kendallInterval,
  pickWithinRate,
  regretOfPick,
  spearmanInterval,
  topKOverlap
} from "./RankStatistics.ts"
import { ReportError } from "./ReportError.ts"
import { type StudyFiles, writeStudyFolder } from "./StudyFolder.ts"
import type { Table } from "./Tables.ts"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * One trained architecture with its proxies' values (higher is better for every proxy: a cost such as
 * the parameter count enters as the figure itself when more is expected to be better).
 *
 * @since 0.1.0
 */
export const StudyModel = Schema.Struct({
  architecture: Architecture.Architecture,
  params: Count,
  /** Test top-1 after each epoch, in [0, 1]; the last is the model's accuracy. */
  accuracyByEpoch: Schema.NonEmptyArray(Schema.Finite),
  /** By proxy name; NaN or ±Infinity where the proxy failed (a singular SAHD kernel is −Infinity). */
  proxies: Schema.Record(Schema.String, Numbers.JsonNumber)
})

/**
 * @since 0.1.0
 */
export type StudyModel = typeof StudyModel.Type

/**
 * What the study is computed from.
 *
 * @since 0.1.0
 */
export const ProxyStudyInput = Schema.Struct({
  name: Schema.String,
  dataset: Schema.String,
  /** The seed of the bootstrap and of the pick-within simulation. */
  seed: Count,
  /** Proxy names in report order, each with one line saying what it is. */
  proxies: Schema.Array(Schema.Struct({ name: Schema.String, description: Schema.String })),
  models: Schema.Array(StudyModel),
  resamples: Positive,
  topK: Schema.Array(Positive),
  /** The simulated search: `subset` architectures, the proxy's pick within `points` of their best. */
  within: Schema.Struct({ subset: Positive, points: Schema.Array(Schema.Finite) })
})

/**
 * @since 0.1.0
 */
export type ProxyStudyInput = typeof ProxyStudyInput.Type

const IntervalSchema = Schema.Struct({
  value: Numbers.JsonNumber,
  low: Numbers.JsonNumber,
  high: Numbers.JsonNumber,
  level: Schema.Finite,
  resamples: Count,
  defined: Count
})

/**
 * One proxy's figures.
 *
 * @since 0.1.0
 */
export const ProxyQuality = Schema.Struct({
  proxy: Schema.String,
  description: Schema.String,
  /** Models with a defined (non-NaN) value of this proxy. */
  n: Count,
  kendall: IntervalSchema,
  spearman: IntervalSchema,
  topK: Schema.Array(Schema.Struct({ k: Positive, overlap: Numbers.JsonNumber })),
  /** Best trained accuracy minus the accuracy of the proxy's best architecture. */
  regret: Numbers.JsonNumber,
  pickWithin: Schema.Array(Schema.Struct({ points: Schema.Finite, rate: Numbers.JsonNumber }))
})

/**
 * `results.json` of a study.
 *
 * @since 0.1.0
 */
export const ProxyStudyResults = Schema.Struct({
  format: Schema.Literal("spikernel-proxy-study"),
  version: Schema.Literal(1),
  name: Schema.String,
  dataset: Schema.String,
  models: Count,
  epochs: Count,
  /** τ-b between the test accuracies after ⌈E/2⌉ epochs and after E: is the ranking stable? */
  stability: Schema.Struct({ fromEpoch: Count, toEpoch: Count, kendall: IntervalSchema }),
  subset: Positive,
  proxies: Schema.Array(ProxyQuality),
  /** Every model: its label, accuracy and proxy values, as the study used them. */
  table: Schema.Array(
    Schema.Struct({
      label: Schema.String,
      kernels: Schema.String,
      params: Count,
      accuracy: Schema.Finite,
      proxies: Schema.Record(Schema.String, Numbers.JsonNumber)
    })
  )
})

/**
 * @since 0.1.0
 */
export type ProxyStudyResults = typeof ProxyStudyResults.Type

const last = (values: ReadonlyArray<number>): number => values[values.length - 1]

/**
 * Every figure of the study.
 *
 * @since 0.1.0
 */
export const analyzeProxyStudy = (input: ProxyStudyInput): ProxyStudyResults => {
  const accuracy = input.models.map((m) => last(m.accuracyByEpoch))
  const epochs = Math.min(...input.models.map((m) => m.accuracyByEpoch.length))
  const half = Math.max(1, Math.ceil(epochs / 2))
  const options = { seed: input.seed, resamples: input.resamples }
  const stability = kendallInterval(
    input.models.map((m) => m.accuracyByEpoch[half - 1]),
    input.models.map((m) => m.accuracyByEpoch[epochs - 1]),
    options
  )
  const proxies = input.proxies.map(({ name, description }) => {
    const values = input.models.map((m) => m.proxies[name] ?? Number.NaN)
    return {
      proxy: name,
      description,
      n: values.filter((v) => !Number.isNaN(v)).length,
      kendall: kendallInterval(values, accuracy, options),
      spearman: spearmanInterval(values, accuracy, options),
      topK: input.topK.map((k) => ({ k, overlap: topKOverlap(values, accuracy, k) })),
      regret: regretOfPick(values, accuracy),
      pickWithin: input.within.points.map((points) => ({
        points,
        rate: pickWithinRate(values, accuracy, { subset: input.within.subset, points, seed: input.seed })
      }))
    }
  })
  return {
    format: "spikernel-proxy-study",
    version: 1,
    name: input.name,
    dataset: input.dataset,
    models: input.models.length,
    epochs,
    stability: { fromEpoch: input.models.length === 0 ? 0 : half, toEpoch: epochs, kendall: stability },
    subset: input.within.subset,
    proxies,
    table: input.models.map((m, i) => ({
      label: Architecture.architectureLabel(m.architecture),
      kernels: kernelsLabel(m.architecture.kernels),
      params: m.params,
      accuracy: accuracy[i],
      proxies: m.proxies
    }))
  }
}

const intervalText = (interval: Interval): string =>
  Number.isNaN(interval.value)
    ? "—"
    : `${formatNumber(interval.value, 3)} [${formatNumber(interval.low, 3)}, ${formatNumber(interval.high, 3)}]`

const column = (header: string, numeric = true) => ({ header, numeric, wrap: false })

/**
 * The tables of a study: proxy quality, and every model.
 *
 * @since 0.1.0
 */
export const studyTables = (results: ProxyStudyResults): ReadonlyArray<Table> => {
  const ks = results.proxies[0]?.topK.map((t) => t.k) ?? []
  const points = results.proxies[0]?.pickWithin.map((p) => p.points) ?? []
  const quality: Table = {
    id: "proxy-quality",
    title: "How well each proxy ranks the trained architectures",
    note:
      `${results.models} architectures, trained ${results.epochs} epochs on ${results.dataset}. ` +
      "τ-b and ρ against the final test accuracy, with percentile-bootstrap 95 % intervals; top-k overlap is the share of the proxy's k best among the k most accurate (k/n for chance); " +
      `regret is the accuracy the proxy's best gives up against the best model; "within x" is how often a search of ${results.subset} random architectures keeps one within x points of its best.`,
    columns: [
      column("Proxy", false),
      column("n"),
      column("Kendall τ-b [95 % CI]"),
      column("Spearman ρ [95 % CI]"),
      ...ks.map((k) => column(`top-${k} overlap`)),
      column("Regret of the pick"),
      ...points.map((p) => column(`within ${formatNumber(p * 100, 1)} pt`))
    ],
    rows: results.proxies.map((p) => ({
      warn: false,
      cells: [
        p.proxy,
        formatCount(p.n),
        intervalText(p.kendall),
        intervalText(p.spearman),
        ...p.topK.map((t) => (Number.isNaN(t.overlap) ? "—" : formatPercent(t.overlap, 0))),
        Number.isNaN(p.regret) ? "—" : `${formatNumber(p.regret * 100, 2)} pt`,
        ...p.pickWithin.map((w) => (Number.isNaN(w.rate) ? "—" : formatPercent(w.rate, 1)))
      ]
    }))
  }
  const stability: Table = {
    id: "ranking-stability",
    title: "Is the training long enough for the ranking to be stable?",
    note: "Kendall's τ-b between the architectures' test accuracies after the two epochs: near 1, longer training would not reorder them much.",
    columns: [column("Epochs compared", false), column("Kendall τ-b [95 % CI]")],
    rows: [
      {
        warn: results.stability.kendall.value < 0.7,
        cells: [
          `${results.stability.fromEpoch} → ${results.stability.toEpoch}`,
          intervalText(results.stability.kendall)
        ]
      }
    ]
  }
  const names = results.proxies.map((p) => p.proxy)
  const models: Table = {
    id: "study-models",
    title: "Every trained architecture",
    note: "Most accurate first; proxy values as the study used them (higher is better).",
    columns: [
      column("Architecture", false),
      column("Kernels", false),
      column("Params"),
      column("Test top-1"),
      ...names.map((n) => column(n))
    ],
    rows: [...results.table]
      .sort((a, b) => b.accuracy - a.accuracy || a.label.localeCompare(b.label))
      .map((m) => ({
        warn: false,
        cells: [
          m.label,
          m.kernels,
          formatCount(m.params),
          formatPercent(m.accuracy),
          ...names.map((n) => {
            const v = m.proxies[n] ?? Number.NaN
            return Number.isFinite(v) ? formatNumber(v, Math.abs(v) >= 1000 ? 0 : 3) : String(v)
          })
        ]
      }))
  }
  return [quality, stability, models]
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits))

/**
 * The plots: each proxy against accuracy (one panel per proxy, its own x scale), and τ-b and ρ with
 * their intervals per proxy.
 *
 * @since 0.1.0
 */
export const studyPlots = (results: ProxyStudyResults): ReadonlyArray<PlotSpec> => {
  const names = results.proxies.map((p) => p.proxy)
  const colors = { domain: names, range: names.map((_, i) => palette[i % palette.length]) }
  const scatter: Array<PlotSpec> = results.proxies.map((p, i) => {
    const points = results.table
      .map((m) => ({
        value: m.proxies[p.proxy] ?? Number.NaN,
        accuracy: round(m.accuracy * 100, 3),
        label: m.label
      }))
      .filter((point) => Number.isFinite(point.value))
      .map((point) => ({ ...point, value: round(point.value, 6) }))
    return {
      id: `proxy-accuracy-${i + 1}`,
      title: `${p.proxy} vs trained accuracy`,
      caption: `${p.description}. One point per trained architecture (${points.length} with a finite value); τ-b ${intervalText(p.kendall)}.`,
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
          text: `${p.proxy} vs test accuracy`,
          subtitle: `Kendall τ-b ${intervalText(p.kendall)} · Spearman ρ ${intervalText(p.spearman)}`
        },
        width: 300,
        height: 220,
        config,
        data: { values: points },
        mark: { type: "point", filled: true, size: 50, opacity: 0.85, color: colors.range[i] },
        encoding: {
          x: {
            field: "value",
            type: "quantitative",
            title: p.proxy,
            scale: { domain: paddedDomain(points.map((q) => q.value)), nice: false }
          },
          y: {
            field: "accuracy",
            type: "quantitative",
            title: "Test top-1 (%)",
            scale: { domain: paddedDomain(points.map((q) => q.accuracy)), nice: false }
          },
          tooltip: [
            { field: "label", title: "architecture" },
            { field: "value", title: p.proxy },
            { field: "accuracy", title: "top-1 %" }
          ]
        }
      }
    }
  })
  const rows = results.proxies.flatMap((p) =>
    (
      [
        ["Kendall τ-b", p.kendall],
        ["Spearman ρ", p.spearman]
      ] as const
    )
      .filter(([, interval]) => Number.isFinite(interval.value))
      .map(([statistic, interval]) => ({
        proxy: p.proxy,
        statistic,
        value: round(interval.value, 4),
        low: round(interval.low, 4),
        high: round(interval.high, 4)
      }))
  )
  const intervals: PlotSpec = {
    id: "proxy-correlation",
    title: "Rank correlation with accuracy, per proxy",
    caption:
      "Dots are the correlations over all trained architectures, bars their percentile-bootstrap 95 % intervals. A bar that crosses 0 means the data cannot tell the proxy from a random order.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: "Rank correlation with test accuracy",
        subtitle: `${results.models} architectures · 95 % bootstrap intervals`
      },
      width: 560,
      height: { step: 26 },
      config,
      data: { values: rows },
      facet: { row: { field: "statistic", type: "nominal", title: null } },
      spec: {
        width: 560,
        height: { step: 26 },
        layer: [
          { mark: { type: "rule", color: "#8c959f", strokeDash: [4, 3] }, encoding: { x: { datum: 0 } } },
          {
            mark: { type: "rule", strokeWidth: 2 },
            encoding: {
              y: { field: "proxy", type: "nominal", sort: names, title: null },
              x: {
                field: "low",
                type: "quantitative",
                title: "rank correlation",
                scale: { domain: [-1, 1] }
              },
              x2: { field: "high" },
              color: { field: "proxy", type: "nominal", scale: colors, legend: null }
            }
          },
          {
            mark: { type: "point", filled: true, size: 70 },
            encoding: {
              y: { field: "proxy", type: "nominal", sort: names, title: null },
              x: { field: "value", type: "quantitative" },
              color: { field: "proxy", type: "nominal", scale: colors, legend: null },
              tooltip: [
                { field: "proxy" },
                { field: "statistic" },
                { field: "value" },
                { field: "low" },
                { field: "high" }
              ]
            }
          }
        ]
      }
    } as PlotSpec["spec"]
  }
  return [intervals, ...scatter]
}

/**
 * What a study wrote, and its figures.
 *
 * @since 0.1.0
 */
export interface ProxyStudyFiles extends StudyFiles {
  readonly analysis: ProxyStudyResults
}

/**
 * Writes the study folder into `outDir` (created if missing; files with the same names replaced).
 *
 * @since 0.1.0
 */
export const writeProxyStudy = (
  input: ProxyStudyInput,
  outDir: string
): Effect.Effect<ProxyStudyFiles, ReportError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (input.models.length < 2) {
      return yield* new ReportError({
        reason: "input",
        detail: `a proxy study needs at least two trained architectures, got ${input.models.length}`
      })
    }
    const results = analyzeProxyStudy(input)
    const [quality, stability, models] = studyTables(results)
    // NaN and ±Infinity are not JSON: JsonNumber writes them as strings.
    const encoded = yield* Schema.encodeEffect(ProxyStudyResults)(results).pipe(
      Effect.mapError(
        (error) => new ReportError({ reason: "input", detail: `results do not encode: ${error.message}` })
      )
    )
    const files = yield* writeStudyFolder({
      outDir,
      title: `Spikernel proxy study: ${input.name}`,
      subtitle: `Dataset ${input.dataset} · ${results.models} architectures · ${results.epochs} epochs · proxies ${input.proxies.map((p) => p.name).join(", ")}`,
      sections: [
        { table: quality },
        ...studyPlots(results).map((plot) => ({ plot })),
        { table: stability },
        { table: models }
      ],
      results: encoded
    })
    return { ...files, analysis: results }
  })
