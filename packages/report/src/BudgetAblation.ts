/**
 * The search-budget ablation (issue 18; the paper's 1000 vs SNASNet's 5000 candidates): the best
 * score a random search reaches after b candidates, for several b, over several seeds per kernel
 * set. Each seed runs one search of the largest budget; a smaller search is a prefix of that one
 * random stream (candidate i draws from (seed, strategy, i) whatever the budget), so the budgets of
 * one seed are nested, not independent searches — the spread over seeds is what measures chance.
 *
 * @since 0.1.0
 */
import { KernelSet, Numbers } from "@spikernel/core"
import { Effect, type FileSystem, type Path, Schema } from "effect"
import { formatNumber, formatPercent, kernelsLabel } from "./Format.ts"
import { config, type PlotSpec, paddedDomain, palette } from "./PlotSpecs.ts"
import { ReportError } from "./ReportError.ts"
import { type StudyFiles, writeStudyFolder } from "./StudyFolder.ts"
import type { Table } from "./Tables.ts"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * One search: its kernel set, seed and primary scores in proposal order (−Infinity where the score
 * failed).
 *
 * @since 0.1.0
 */
export const AblationSearch = Schema.Struct({
  kernels: KernelSet.KernelSet,
  seed: Schema.Int,
  scores: Schema.Array(Numbers.JsonNumber)
})

/**
 * @since 0.1.0
 */
export const BudgetAblationInput = Schema.Struct({
  name: Schema.String,
  dataset: Schema.String,
  scorer: Schema.String,
  budgets: Schema.NonEmptyArray(Positive),
  searches: Schema.Array(AblationSearch)
})

/**
 * @since 0.1.0
 */
export type BudgetAblationInput = typeof BudgetAblationInput.Type

const Row = Schema.Struct({
  kernels: Schema.String,
  budget: Positive,
  seeds: Schema.Int,
  mean: Numbers.JsonNumber,
  sd: Numbers.JsonNumber,
  min: Numbers.JsonNumber,
  max: Numbers.JsonNumber,
  /** Share of seeds whose best after `budget` candidates is already their best after the largest. */
  reachedFinal: Numbers.JsonNumber
})

/**
 * `results.json` of an ablation.
 *
 * @since 0.1.0
 */
export const BudgetAblationResults = Schema.Struct({
  format: Schema.Literal("spikernel-budget-ablation"),
  version: Schema.Literal(1),
  name: Schema.String,
  dataset: Schema.String,
  scorer: Schema.String,
  budgets: Schema.Array(Positive),
  rows: Schema.Array(Row)
})

/**
 * @since 0.1.0
 */
export type BudgetAblationResults = typeof BudgetAblationResults.Type

/** The best of the first `n` scores (NaN is skipped; −Infinity is a score, the worst). */
const bestOf = (scores: ReadonlyArray<number>, n: number): number => {
  let best = Number.NEGATIVE_INFINITY
  for (let i = 0; i < Math.min(n, scores.length); i++) if (scores[i] > best) best = scores[i]
  return best
}

/**
 * Every row: per kernel set (in input order) and budget, the best score over seeds.
 *
 * @since 0.1.0
 */
export const analyzeBudgetAblation = (input: BudgetAblationInput): BudgetAblationResults => {
  const budgets = [...new Set(input.budgets)].sort((a, b) => a - b)
  const largest = budgets[budgets.length - 1]
  const sets = [...new Set(input.searches.map((s) => kernelsLabel(s.kernels)))]
  const rows = sets.flatMap((kernels) => {
    const searches = input.searches.filter((s) => kernelsLabel(s.kernels) === kernels)
    const finals = searches.map((s) => bestOf(s.scores, largest))
    return budgets.map((budget) => {
      const bests = searches.map((s) => bestOf(s.scores, budget))
      const finite = bests.filter(Number.isFinite)
      const mean = finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length
      const sd =
        finite.length < 2
          ? Number.NaN
          : Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1))
      return {
        kernels,
        budget,
        seeds: searches.length,
        mean,
        sd,
        min: finite.length === 0 ? Number.NaN : Math.min(...finite),
        max: finite.length === 0 ? Number.NaN : Math.max(...finite),
        reachedFinal:
          searches.length === 0
            ? Number.NaN
            : bests.filter((b, i) => b === finals[i]).length / searches.length
      }
    })
  })
  return {
    format: "spikernel-budget-ablation",
    version: 1,
    name: input.name,
    dataset: input.dataset,
    scorer: input.scorer,
    budgets,
    rows
  }
}

const column = (header: string, numeric = true) => ({ header, numeric, wrap: false })

/**
 * The table: one row per kernel set and budget.
 *
 * @since 0.1.0
 */
export const ablationTable = (results: BudgetAblationResults): Table => ({
  id: "budget-ablation",
  title: "Best score reached after b candidates",
  note: `Random search, ${results.scorer}, on ${results.dataset}; mean ± sd over seeds of the best score among the first b candidates of each seed's search (prefixes of one random stream per seed). "Reached" is the share of seeds whose best after b is already their best after ${results.budgets[results.budgets.length - 1]}.`,
  columns: [
    column("Kernels", false),
    column("Candidates"),
    column("Seeds"),
    column("Best score, mean ± sd"),
    column("Min"),
    column("Max"),
    column("Reached")
  ],
  rows: results.rows.map((row) => ({
    warn: false,
    cells: [
      row.kernels,
      String(row.budget),
      String(row.seeds),
      `${formatNumber(row.mean, 3)} ± ${Number.isNaN(row.sd) ? "—" : formatNumber(row.sd, 3)}`,
      formatNumber(row.min, 3),
      formatNumber(row.max, 3),
      Number.isNaN(row.reachedFinal) ? "—" : formatPercent(row.reachedFinal, 0)
    ]
  }))
})

/**
 * The plot: mean best score against candidates (log scale) per kernel set, with a ± sd band.
 *
 * @since 0.1.0
 */
export const ablationPlot = (results: BudgetAblationResults): PlotSpec => {
  const sets = [...new Set(results.rows.map((r) => r.kernels))]
  const colors = { domain: sets, range: sets.map((_, i) => palette[i % palette.length]) }
  const values = results.rows
    .filter((r) => Number.isFinite(r.mean))
    .map((r) => ({
      kernels: r.kernels,
      budget: r.budget,
      mean: Number(r.mean.toFixed(4)),
      low: Number((Number.isFinite(r.sd) ? r.mean - r.sd : r.mean).toFixed(4)),
      high: Number((Number.isFinite(r.sd) ? r.mean + r.sd : r.mean).toFixed(4))
    }))
  const domain: [number, number] = [
    results.budgets[0] * 0.8,
    results.budgets[results.budgets.length - 1] * 1.25
  ]
  const x = {
    field: "budget",
    type: "quantitative" as const,
    title: "candidates scored",
    scale: { type: "log" as const, domain, nice: false }
  }
  return {
    id: "budget-ablation",
    title: "Best score vs search budget",
    caption:
      "Mean best score over seeds after b candidates (log scale), the band ± one standard deviation. A flat line past some b says more candidates buy little.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Best score vs search budget", subtitle: `${results.scorer} · mean ± sd over seeds` },
      width: 560,
      height: 300,
      config,
      data: { values },
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: {
              field: "low",
              type: "quantitative",
              title: "best score",
              scale: { domain: paddedDomain(values.flatMap((v) => [v.low, v.high])), nice: false }
            },
            y2: { field: "high" },
            color: { field: "kernels", type: "nominal", scale: colors, title: "kernel set" }
          }
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative" },
            color: { field: "kernels", type: "nominal", scale: colors, title: "kernel set" },
            tooltip: [
              { field: "kernels" },
              { field: "budget" },
              { field: "mean" },
              { field: "low" },
              { field: "high" }
            ]
          }
        }
      ]
    } as PlotSpec["spec"]
  }
}

/**
 * Writes the ablation folder into `outDir`.
 *
 * @since 0.1.0
 */
export const writeBudgetAblation = (
  input: BudgetAblationInput,
  outDir: string
): Effect.Effect<
  StudyFiles & { readonly analysis: BudgetAblationResults },
  ReportError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function* () {
    const largest = Math.max(...input.budgets)
    const short = input.searches.find((s) => s.scores.length < largest)
    if (short !== undefined) {
      return yield* new ReportError({
        reason: "input",
        detail: `the search of ${kernelsLabel(short.kernels)} with seed ${short.seed} has ${short.scores.length} candidates; the largest budget is ${largest}`
      })
    }
    const results = analyzeBudgetAblation(input)
    const encoded = yield* Schema.encodeEffect(BudgetAblationResults)(results).pipe(
      Effect.mapError(
        (error) => new ReportError({ reason: "input", detail: `results do not encode: ${error.message}` })
      )
    )
    const seeds = [...new Set(input.searches.map((s) => s.seed))].length
    const files = yield* writeStudyFolder({
      outDir,
      title: `Spikernel search-budget ablation: ${input.name}`,
      subtitle: `Dataset ${input.dataset} · ${input.scorer} · ${seeds} seeds · budgets ${results.budgets.join(", ")}`,
      sections: [{ plot: ablationPlot(results) }, { table: ablationTable(results) }],
      results: encoded
    })
    return { ...files, analysis: results }
  })
