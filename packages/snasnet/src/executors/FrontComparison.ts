/**
 * The `front-comparison` report executor (issue 19): multi-objective searches against single-
 * objective ones on equal budgets — each search's score–memory Pareto front and its hypervolume in
 * one common box, per strategy the mean ± sd over seeds (`@spikernel/report`'s FrontComparison).
 *
 * @since 0.1.0
 */
import { Executor, report, type Step, search } from "@spikernel/pipeline"
import { FrontComparison } from "@spikernel/report"
import { Effect, Schema } from "effect"
import { space } from "../KernelSetSteps.ts"
import { studyReporter } from "./StudyReporter.ts"

const id = "front-comparison"

/**
 * @since 0.1.0
 */
export const FrontComparisonConfig = Schema.Struct({
  out: Schema.String,
  name: Schema.String,
  /** Per search step (its name in `from`), the strategy's name in the report and the seed. */
  searches: Schema.Record(Schema.String, Schema.Struct({ strategy: Schema.String, seed: Schema.Int }))
})

/**
 * @since 0.1.0
 */
export type FrontComparisonConfig = typeof FrontComparisonConfig.Type

/**
 * @since 0.1.0
 */
export const frontComparisonReporter = studyReporter({
  id,
  version: 1,
  description: "Score–memory Pareto fronts of searches and their hypervolume, per strategy over seeds",
  config: FrontComparisonConfig,
  write: ({ config, inputs, dataset, outDir, fail }) =>
    Effect.gen(function* () {
      let scorer = "—"
      const searches: Array<FrontComparison.FrontSearch> = []
      for (const [name, { strategy, seed }] of Object.entries(config.searches).sort(([a], [b]) =>
        a.localeCompare(b)
      )) {
        const found = yield* Executor.inputOf(id, inputs, `from.${name}`, ["search"])
        scorer = found.value.scorer
        searches.push({
          strategy,
          seed,
          candidates: [...found.value.records]
            .sort((a, b) => a.index - b.index)
            .map((record) => ({ score: record.scores[0]?.value ?? Number.NaN, bytes: record.bytes }))
        })
      }
      const [head, ...tail] = searches
      if (head === undefined) return yield* fail("the comparison has no search")
      const written = yield* FrontComparison.writeFrontComparison(
        { name: config.name, dataset: dataset ?? "—", scorer, searches: [head, ...tail] },
        outDir
      ).pipe(Effect.mapError((error) => fail(error.message)))
      return {
        files: written,
        lines: written.analysis.strategies.map(
          (s) =>
            `${s.strategy}: hypervolume ${s.hypervolume.mean.toFixed(4)} ± ${Number.isNaN(s.hypervolume.sd) ? "—" : s.hypervolume.sd.toFixed(4)} over ${s.seeds} seeds, best on ${s.winsBySeed}`
        )
      }
    })
})

/**
 * The steps of a front comparison: per strategy and seed one search of `budget` candidates in the
 * {kernels} space (`search-nsga2-s3`), and the report.
 *
 * @since 0.1.0
 */
export const frontComparisonSteps = (options: {
  readonly out: string
  readonly name: string
  readonly dataset: Step.Step<"dataset">
  readonly kernels: ReadonlyArray<number>
  readonly cell?: "backward" | "forward"
  readonly strategies: Readonly<Record<string, Step.PluginRef<"SearchStrategy">>>
  readonly seeds: ReadonlyArray<number>
  readonly budget: number
  readonly scorer: Step.PluginRef<"Scorer">
  readonly concurrency?: number
}): Readonly<Record<string, Step.Step<Step.Output>>> => {
  const searches: Record<string, Step.Step<"candidates">> = {}
  const info: Record<string, { strategy: string; seed: number }> = {}
  for (const [strategy, ref] of Object.entries(options.strategies)) {
    for (const seed of options.seeds) {
      const name = `search-${strategy}-s${seed}`
      searches[name] = search({
        dataset: options.dataset,
        space: space(options.cell ?? "backward", options.kernels),
        strategy: ref,
        scorer: options.scorer,
        budget: options.budget,
        seed,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
      })
      info[name] = { strategy, seed }
    }
  }
  const comparison = report({
    from: { data: options.dataset, ...searches },
    reporter: { id, config: { out: options.out, name: options.name, searches: info } }
  })
  return { data: options.dataset, ...searches, comparison }
}
