/**
 * The `budget-ablation` report executor (issue 18): for each kernel set and seed one random search
 * of the largest budget; the report reads the best score after each smaller budget off the prefix of
 * that search (`@spikernel/report`'s BudgetAblation says why prefixes are honest and what they are
 * not).
 *
 * @since 0.1.0
 */
import { Executor, report, type Step, search, use } from "@spikernel/pipeline"
import { BudgetAblation } from "@spikernel/report"
import { randomSearch } from "@spikernel/search"
import { Effect, Schema } from "effect"
import { setName, space } from "../KernelSetSteps.ts"
import { StudyReport, studyReporter } from "./StudyReporter.ts"

const id = "budget-ablation"

/**
 * @since 0.1.0
 */
export const BudgetAblationConfig = Schema.Struct({
  out: Schema.String,
  name: Schema.String,
  budgets: Schema.NonEmptyArray(Schema.Int.check(Schema.isGreaterThan(0))),
  /** Per search step (its name in `from`), the seed it drew from. */
  searches: Schema.Record(Schema.String, Schema.Struct({ seed: Schema.Int }))
})

/**
 * @since 0.1.0
 */
export type BudgetAblationConfig = typeof BudgetAblationConfig.Type

/**
 * What the `budget-ablation` step stores.
 *
 * @since 0.1.0
 */
export const BudgetAblationReport = StudyReport

/**
 * @since 0.1.0
 */
export const budgetAblationReporter = studyReporter({
  id,
  version: 1,
  description: "The search-budget ablation: best score after b candidates, over seeds, per kernel set",
  config: BudgetAblationConfig,
  write: ({ config, inputs, dataset, outDir, fail }) =>
    Effect.gen(function* () {
      const searches: Array<BudgetAblation.BudgetAblationInput["searches"][number]> = []
      let scorer = "—"
      for (const [name, { seed }] of Object.entries(config.searches).sort(([a], [b]) => a.localeCompare(b))) {
        const found = yield* Executor.inputOf(id, inputs, `from.${name}`, ["search"])
        const records = [...found.value.records].sort((a, b) => a.index - b.index)
        const first = records[0]
        if (first === undefined) return yield* fail(`search "${name}" has no candidates`)
        scorer = found.value.scorer
        searches.push({
          kernels: first.architecture.kernels,
          seed,
          scores: records.map((record) => record.scores[0]?.value ?? Number.NEGATIVE_INFINITY)
        })
      }
      const written = yield* BudgetAblation.writeBudgetAblation(
        { name: config.name, dataset: dataset ?? "—", scorer, budgets: config.budgets, searches },
        outDir
      ).pipe(Effect.mapError((error) => fail(error.message)))
      const largest = Math.max(...config.budgets)
      return {
        files: written,
        lines: written.analysis.rows
          .filter((row) => row.budget === largest)
          .map((row) => `${row.kernels}: best ${row.mean.toFixed(3)} ± ${row.sd.toFixed(3)} after ${largest}`)
      }
    })
})

/**
 * The steps of a budget ablation: per kernel set and seed one random search of the largest budget
 * (`search-k15-s3`), and the report.
 *
 * @since 0.1.0
 */
export const budgetAblationSteps = (options: {
  readonly out: string
  readonly name: string
  readonly dataset: Step.Step<"dataset">
  readonly kernelSets: ReadonlyArray<ReadonlyArray<number>>
  readonly seeds: ReadonlyArray<number>
  readonly budgets: readonly [number, ...Array<number>]
  readonly scorer: Step.PluginRef<"Scorer">
  readonly cell?: "backward" | "forward"
}): Readonly<Record<string, Step.Step<Step.Output>>> => {
  const largest = Math.max(...options.budgets)
  const searches: Record<string, Step.Step<"candidates">> = {}
  const info: Record<string, { seed: number }> = {}
  for (const kernels of options.kernelSets) {
    for (const seed of options.seeds) {
      const name = `search-${setName(kernels)}-s${seed}`
      searches[name] = search({
        dataset: options.dataset,
        space: space(options.cell ?? "backward", kernels),
        strategy: use(randomSearch, {}),
        scorer: options.scorer,
        budget: largest,
        seed
      })
      info[name] = { seed }
    }
  }
  const ablation = report({
    from: { data: options.dataset, ...searches },
    reporter: {
      id,
      config: { out: options.out, name: options.name, budgets: [...options.budgets], searches: info }
    }
  })
  return { data: options.dataset, ...searches, ablation }
}
