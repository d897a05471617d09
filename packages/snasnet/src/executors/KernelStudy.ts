/**
 * The `kernel-study` report executor (issue 18; SpiKernel's step 1 at a scale where training
 * levels off): one fixed architecture with its cell convolutions at k×k for each k, trained from
 * scratch with several seeds, written as `@spikernel/report`'s KernelStudy folder (final accuracy
 * mean ± sd, the curves, the gain over the last epochs).
 *
 * @since 0.1.0
 */
import { Executor, report, type Step, search, select, train, use } from "@spikernel/pipeline"
import { KernelStudy } from "@spikernel/report"
import { params } from "@spikernel/scorers"
import { topK } from "@spikernel/selectors"
import { Effect, Schema } from "effect"
import { fixed } from "../Fixed.ts"
import { space } from "../KernelSetSteps.ts"
import type { bptt } from "./Bptt.ts"
import { studyReporter } from "./StudyReporter.ts"
import { TrainedModels } from "./TrainedModels.ts"

const id = "kernel-study"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * @since 0.1.0
 */
export const KernelStudyConfig = Schema.Struct({
  out: Schema.String,
  name: Schema.String,
  /** What the fixed architecture is, for the report's captions. */
  architecture: Schema.String,
  /** Per train step (its name in `from`), the kernel size and seed it trained with. */
  runs: Schema.Record(Schema.String, Schema.Struct({ kernel: Positive, seed: Schema.Int }))
})

/**
 * @since 0.1.0
 */
export type KernelStudyConfig = typeof KernelStudyConfig.Type

/**
 * @since 0.1.0
 */
export const kernelStudyReporter = studyReporter({
  id,
  version: 1,
  description: "The kernel-size study: test accuracy (curves and final, mean ± sd over seeds) by kernel size",
  config: KernelStudyConfig,
  write: ({ config, inputs, dataset, outDir, fail }) =>
    Effect.gen(function* () {
      const runs: Array<KernelStudy.KernelRun> = []
      for (const [name, { kernel, seed }] of Object.entries(config.runs).sort(([a], [b]) =>
        a.localeCompare(b)
      )) {
        const trained = yield* Executor.inputOf(id, inputs, `from.${name}`, ["train"])
        const models = yield* Schema.decodeUnknownEffect(TrainedModels)(trained.encoded).pipe(
          Effect.mapError(() => fail(`the output of "${name}" is not a bptt training's models`))
        )
        const model = models.models[0]
        if (model === undefined) return yield* fail(`"${name}" trained no model`)
        const [first, ...rest] = model.epochs.map((epoch) => epoch.testTop1)
        if (first === undefined) return yield* fail(`"${name}" has no epoch record`)
        runs.push({
          kernel,
          seed,
          params: model.params,
          bytes: model.bytes,
          testTop1: [first, ...rest],
          secondsPerEpoch: model.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0) / model.epochs.length
        })
      }
      const [head, ...tail] = runs
      if (head === undefined) return yield* fail("the study has no training")
      const written = yield* KernelStudy.writeKernelStudy(
        {
          name: config.name,
          dataset: dataset ?? "—",
          architecture: config.architecture,
          runs: [head, ...tail]
        },
        outDir
      ).pipe(Effect.mapError((error) => fail(error.message)))
      return {
        files: written,
        lines: written.analysis.rows.map(
          (row) =>
            `${row.kernel}×${row.kernel}: ${(row.final.mean * 100).toFixed(2)} ± ${Number.isNaN(row.final.sd) ? "—" : (row.final.sd * 100).toFixed(2)} % over ${row.seeds} seeds`
        )
      }
    })
})

/**
 * The steps of a kernel-size study: per kernel size k the fixed architecture in the {1, k} space
 * (`arch-k5`: a one-candidate search, scored by its parameter count), its selection, and one
 * training per seed (`train-k5-s2`); then the report.
 *
 * @since 0.1.0
 */
export const kernelStudySteps = (options: {
  readonly out: string
  readonly name: string
  readonly dataset: Step.Step<"dataset">
  /** The architecture in the `fixed` strategy's notation, and what to call it in the report. */
  readonly architecture: { readonly cells: string; readonly label: string }
  readonly kernels: ReadonlyArray<number>
  readonly seeds: ReadonlyArray<number>
  readonly trainer: ReturnType<typeof bptt>
  readonly network?: { readonly widths?: readonly [number, number] }
}): Readonly<Record<string, Step.Step<Step.Output>>> => {
  const steps: Record<string, Step.Step<Step.Output>> = {}
  const trainings: Record<string, Step.Step<"models">> = {}
  const runs: Record<string, { kernel: number; seed: number }> = {}
  for (const kernel of options.kernels) {
    const found = search({
      dataset: options.dataset,
      space: space("backward", [1, kernel]),
      strategy: use(fixed, { architectures: [options.architecture.cells] }),
      scorer: use(params, options.network === undefined ? {} : { network: options.network }),
      budget: 1
    })
    const picked = select({ from: found, selector: use(topK, { k: 1 }) })
    steps[`arch-k${kernel}`] = found
    steps[`pick-k${kernel}`] = picked
    for (const seed of options.seeds) {
      const name = `train-k${kernel}-s${seed}`
      trainings[name] = train({ from: picked, dataset: options.dataset, trainer: options.trainer, seed })
      runs[name] = { kernel, seed }
    }
  }
  const study = report({
    from: { data: options.dataset, ...trainings },
    reporter: {
      id,
      config: { out: options.out, name: options.name, architecture: options.architecture.label, runs }
    }
  })
  return { data: options.dataset, ...steps, ...trainings, study }
}
