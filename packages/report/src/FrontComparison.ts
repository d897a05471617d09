/**
 * Multi-objective searches compared on equal budgets (issue 19): each search's Pareto front of the
 * primary score (higher is better) against weight memory (fewer bytes is better), and its
 * hypervolume — the share of the box between the ideal corner (the smallest memory and the best
 * score any compared search met) and the reference corner (the largest memory and the worst finite
 * score) that the front dominates. One box for every search compared, so the figures compare;
 * per strategy the mean ± sd over seeds.
 *
 * @since 0.1.0
 */
import { Numbers, Pareto } from "@spikernel/core"
import { Effect, type FileSystem, type Path, Schema } from "effect"
import { formatNumber } from "./Format.ts"
import { config, type PlotSpec, paddedDomain, palette } from "./PlotSpecs.ts"
import { ReportError } from "./ReportError.ts"
import { type StudyFiles, writeStudyFolder } from "./StudyFolder.ts"
import type { Table } from "./Tables.ts"

/**
 * One search: its strategy, seed, and every candidate's primary score and weight bytes.
 *
 * @since 0.1.0
 */
export const FrontSearch = Schema.Struct({
  strategy: Schema.String,
  seed: Schema.Int,
  candidates: Schema.Array(Schema.Struct({ score: Numbers.JsonNumber, bytes: Schema.Int }))
})

/**
 * @since 0.1.0
 */
export type FrontSearch = typeof FrontSearch.Type

/**
 * @since 0.1.0
 */
export const FrontComparisonInput = Schema.Struct({
  name: Schema.String,
  dataset: Schema.String,
  scorer: Schema.String,
  searches: Schema.NonEmptyArray(FrontSearch)
})

/**
 * @since 0.1.0
 */
export type FrontComparisonInput = typeof FrontComparisonInput.Type

const Point = Schema.Struct({ bytes: Schema.Int, score: Schema.Finite })

/**
 * `results.json` of a front comparison.
 *
 * @since 0.1.0
 */
export const FrontComparisonResults = Schema.Struct({
  format: Schema.Literal("spikernel-front-comparison"),
  version: Schema.Literal(1),
  name: Schema.String,
  dataset: Schema.String,
  scorer: Schema.String,
  box: Schema.Struct({ ideal: Point, reference: Point }),
  searches: Schema.Array(
    Schema.Struct({
      strategy: Schema.String,
      seed: Schema.Int,
      candidates: Schema.Int,
      /** The front, smallest memory first. */
      front: Schema.Array(Point),
      hypervolume: Schema.Finite
    })
  ),
  strategies: Schema.Array(
    Schema.Struct({
      strategy: Schema.String,
      seeds: Schema.Int,
      hypervolume: Schema.Struct({ mean: Schema.Finite, sd: Numbers.JsonNumber }),
      frontSize: Schema.Finite,
      /** Searches whose hypervolume is above every other strategy's on the same seed. */
      winsBySeed: Schema.Int
    })
  )
})

/**
 * @since 0.1.0
 */
export type FrontComparisonResults = typeof FrontComparisonResults.Type

/**
 * Fronts, hypervolumes and the per-strategy summary.
 *
 * @since 0.1.0
 */
export const analyzeFronts = (input: FrontComparisonInput): FrontComparisonResults => {
  const usable = (search: FrontSearch) => search.candidates.filter((c) => Number.isFinite(c.score))
  const all = input.searches.flatMap(usable)
  const ideal = {
    bytes: Math.min(...all.map((c) => c.bytes)),
    score: Math.max(...all.map((c) => c.score))
  }
  const reference = {
    bytes: Math.max(...all.map((c) => c.bytes)),
    score: Math.min(...all.map((c) => c.score))
  }
  const area = (reference.bytes - ideal.bytes) * (ideal.score - reference.score)
  const searches = input.searches.map((search) => {
    const points = usable(search)
    const front = Pareto.paretoFront(
      points,
      (c) => c.bytes,
      (c) => c.score
    )
    const unique = front.filter(
      (p, i) => i === 0 || p.bytes !== front[i - 1].bytes || p.score !== front[i - 1].score
    )
    const hv = Pareto.hypervolume(
      points,
      (c) => c.bytes,
      (c) => c.score,
      { cost: reference.bytes, value: reference.score }
    )
    return {
      strategy: search.strategy,
      seed: search.seed,
      candidates: search.candidates.length,
      front: unique.map((p) => ({ bytes: p.bytes, score: p.score })),
      hypervolume: area > 0 ? hv / area : 0
    }
  })
  const strategyNames = [...new Set(searches.map((s) => s.strategy))]
  const strategies = strategyNames.map((strategy) => {
    const mine = searches.filter((s) => s.strategy === strategy)
    const values = mine.map((s) => s.hypervolume)
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const sd =
      values.length < 2
        ? Number.NaN
        : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
    const winsBySeed = mine.filter((s) =>
      searches.every((o) => o.strategy === strategy || o.seed !== s.seed || s.hypervolume > o.hypervolume)
    ).length
    return {
      strategy,
      seeds: mine.length,
      hypervolume: { mean, sd },
      frontSize: mine.reduce((sum, s) => sum + s.front.length, 0) / mine.length,
      winsBySeed
    }
  })
  return {
    format: "spikernel-front-comparison",
    version: 1,
    name: input.name,
    dataset: input.dataset,
    scorer: input.scorer,
    box: { ideal, reference },
    searches,
    strategies
  }
}

const column = (header: string, numeric = true) => ({ header, numeric, wrap: false })

/**
 * The table: one row per strategy.
 *
 * @since 0.1.0
 */
export const frontTable = (results: FrontComparisonResults): Table => ({
  id: "front-comparison",
  title: "Hypervolume of the score–memory front, by strategy",
  note: `${results.scorer} against weight bytes on ${results.dataset}. Hypervolume: the share of the box from (${results.box.ideal.bytes.toLocaleString("en-US")} B, ${formatNumber(results.box.ideal.score, 1)}) to (${results.box.reference.bytes.toLocaleString("en-US")} B, ${formatNumber(results.box.reference.score, 1)}) that a search's front dominates; mean ± sd over seeds. "Wins" counts the seeds on which the strategy's front beats every other strategy's.`,
  columns: [
    column("Strategy", false),
    column("Seeds"),
    column("Hypervolume, mean ± sd"),
    column("Front size"),
    column("Wins")
  ],
  rows: results.strategies.map((row) => ({
    warn: false,
    cells: [
      row.strategy,
      String(row.seeds),
      `${formatNumber(row.hypervolume.mean, 4)} ± ${Number.isNaN(row.hypervolume.sd) ? "—" : formatNumber(row.hypervolume.sd, 4)}`,
      formatNumber(row.frontSize, 1),
      `${row.winsBySeed} of ${row.seeds}`
    ]
  }))
})

/**
 * The plot: every search's front (a step line from its smallest to its largest model), coloured by
 * strategy.
 *
 * @since 0.1.0
 */
export const frontPlot = (results: FrontComparisonResults): PlotSpec => {
  const strategies = results.strategies.map((s) => s.strategy)
  const colors = { domain: strategies, range: strategies.map((_, i) => palette[i % palette.length]) }
  const values = results.searches.flatMap((search) =>
    search.front.map((p) => ({
      strategy: search.strategy,
      search: `${search.strategy} seed ${search.seed}`,
      kib: Number((p.bytes / 1024).toFixed(2)),
      score: Number(p.score.toFixed(4))
    }))
  )
  return {
    id: "front-comparison",
    title: "Score–memory fronts",
    caption:
      "Each search's Pareto front of the score (higher is better) against weight memory (less is better), one line per seed. A front further up and to the left dominates more.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Score–memory fronts", subtitle: `${results.scorer} · every seed` },
      width: 560,
      height: 320,
      config,
      data: { values },
      mark: { type: "line", point: true, interpolate: "step-after", opacity: 0.8 },
      encoding: {
        x: {
          field: "kib",
          type: "quantitative",
          title: "weight memory (KiB, FP32)",
          scale: { domain: paddedDomain(values.map((v) => v.kib)), nice: false }
        },
        y: {
          field: "score",
          type: "quantitative",
          title: results.scorer,
          scale: { domain: paddedDomain(values.map((v) => v.score)), nice: false }
        },
        color: { field: "strategy", type: "nominal", scale: colors, title: "strategy" },
        detail: { field: "search" },
        tooltip: [{ field: "search" }, { field: "kib" }, { field: "score" }]
      }
    } as PlotSpec["spec"]
  }
}

/**
 * Writes the comparison folder into `outDir`; a search without a finite score is refused.
 *
 * @since 0.1.0
 */
export const writeFrontComparison = (
  input: FrontComparisonInput,
  outDir: string
): Effect.Effect<
  StudyFiles & { readonly analysis: FrontComparisonResults },
  ReportError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function* () {
    const empty = input.searches.find((s) => !s.candidates.some((c) => Number.isFinite(c.score)))
    if (empty !== undefined) {
      return yield* new ReportError({
        reason: "input",
        detail: `the ${empty.strategy} search with seed ${empty.seed} has no candidate with a finite score`
      })
    }
    const results = analyzeFronts(input)
    const encoded = yield* Schema.encodeEffect(FrontComparisonResults)(results).pipe(
      Effect.mapError(
        (error) => new ReportError({ reason: "input", detail: `results do not encode: ${error.message}` })
      )
    )
    const seeds = [...new Set(input.searches.map((s) => s.seed))].length
    const files = yield* writeStudyFolder({
      outDir,
      title: `Spikernel score–memory fronts: ${input.name}`,
      subtitle: `Dataset ${input.dataset} · ${input.scorer} · ${results.strategies.length} strategies · ${seeds} seeds`,
      sections: [{ plot: frontPlot(results) }, { table: frontTable(results) }],
      results: encoded
    })
    return { ...files, analysis: results }
  })
