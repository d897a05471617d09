/**
 * The `html` report executor: writes the report folder of `@spikernel/report` (`index.html` with
 * SVG plots, `summary.md`, `results.json`) to the directory its config names, from the steps the
 * report step covers — the data set (`load`), the searches, and the evaluated models — and makes
 * SpiKernel's step 4 choice across all of them: the accuracy–memory Pareto front and the most
 * accurate model within the memory budget (METHOD.md §6.5; ties go to the smaller model).
 *
 * Why the trade-off is made here: `tradeoff` steps take one evaluation, and one evaluation covers one
 * `train` step, i.e. one kernel set's candidates; the report step is the one that sees every kernel
 * set. The rule is the `best-under-budget` and `pareto` selectors' own (`@spikernel/selectors`).
 *
 * A search step's output does not say which strategy ran it or with which seed; `htmlReport` reads
 * them off the declared steps into the config (pipelines should use it rather than write the
 * config by hand).
 *
 * @since 0.1.0
 */
import { Architecture, type CandidateRecord, DeploymentMemory, type Selector } from "@spikernel/core"
import { Executor, report, type Step, StepOutput } from "@spikernel/pipeline"
import { Report, type ReportInput } from "@spikernel/report"
import { Budget, paretoFront, selectBestUnderBudget } from "@spikernel/selectors"
import { Effect, type FileSystem, Path, Schema } from "effect"
import { Evaluation } from "./TestTop1.ts"

const id = "html"

/**
 * What the report needs to know of a search that its output does not carry.
 *
 * @since 0.1.0
 */
export const SearchInfo = Schema.Struct({
  strategy: Schema.String,
  seed: Schema.Int,
  /** The reference search speed-ups are measured against (default: kernels {1,3} with 5000 candidates). */
  baseline: Schema.optionalKey(Schema.Boolean),
  /** The primary scorer's config as declared: the report compares settings across searches. */
  scorer: Schema.optionalKey(Schema.Json)
})

/**
 * @since 0.1.0
 */
export const HtmlReporterConfig = Schema.Struct({
  /** The report folder (relative paths resolve against the working directory). */
  out: Schema.String,
  /** The report's title: the pipeline's name. */
  name: Schema.String,
  /** The memory budget of the pick; without it only the Pareto front is reported. */
  budget: Schema.optionalKey(Budget),
  /** Per search step (by its name in the report), its strategy and seed. */
  searches: Schema.Record(Schema.String, SearchInfo)
})

/**
 * @since 0.1.0
 */
export type HtmlReporterConfig = typeof HtmlReporterConfig.Type

const Item = Schema.Struct({
  label: Schema.String,
  architecture: Architecture.Architecture,
  accuracy: Schema.Finite,
  params: Schema.Int,
  bytes: Schema.Int,
  /** Its memory on a device at the budget's bit-width, when the budget states one. */
  device: Schema.optionalKey(Schema.Struct({ weightBits: DeploymentMemory.WeightBits, bytes: Schema.Int }))
})

/**
 * What the step stores: where the report went and the choice it made.
 *
 * @since 0.1.0
 */
export const HtmlReport = Schema.Struct({
  index: Schema.String,
  summary: Schema.String,
  results: Schema.String,
  /** Every file of the report folder with its SHA-256: a deleted or edited report makes the step stale. */
  files: Schema.Array(Schema.Struct({ path: Schema.String, sha256: Schema.String })),
  /** The most accurate model within the budget, if any fits (or the most accurate, without a budget). */
  pick: Schema.NullOr(Item),
  /** Why that one (or why none). */
  reason: Schema.String,
  /** The accuracy–memory Pareto front, smallest first. */
  front: Schema.Array(Item),
  /** A few lines for the end of `spikernel run`'s output. */
  note: Schema.String
})

/**
 * @since 0.1.0
 */
export type HtmlReport = typeof HtmlReport.Type

const fail = (reason: string) => new Executor.ExecutorError({ executor: id, reason })

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`

const withoutPrefix = (role: string): string => (role.startsWith("from.") ? role.slice("from.".length) : role)

/**
 * The report input of the steps a report step covers, with the pick marked `selected`.
 *
 * @since 0.1.0
 */
export const reportInputOf = (
  config: HtmlReporterConfig,
  inputs: Readonly<Record<string, Executor.ExecutorInput>>
): Effect.Effect<
  {
    readonly input: ReportInput.ReportInput
    readonly pick: Selector.Selection | undefined
    readonly front: Selector.Selection
  },
  Executor.ExecutorError
> =>
  Effect.gen(function* () {
    let dataset = "—"
    let fingerprint: string | undefined
    const searches: Array<ReportInput.SearchRun> = []
    const evaluated: Array<{
      readonly item: Selector.SelectionItem
      readonly firingRates: ReportInput.TrainedModel["firingRates"]
      readonly operations?: ReportInput.TrainedModel["operations"]
      readonly quantized?: ReportInput.TrainedModel["quantized"]
    }> = []
    for (const [role, input] of Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) {
      const name = withoutPrefix(role)
      switch (input.kind) {
        case "load": {
          const info = input.value
          dataset = info.name
          fingerprint = info.fingerprint
          break
        }
        case "search": {
          const result = input.value
          const meta = config.searches[name]
          if (meta === undefined) {
            return yield* fail(
              `search step "${name}" has no strategy and seed in the reporter config (build the step with htmlReport)`
            )
          }
          const first: CandidateRecord.CandidateRecord | undefined = result.records[0]
          if (first === undefined) break
          searches.push({
            strategy: meta.strategy,
            cellType: first.architecture.cellType,
            kernels: first.architecture.kernels,
            seed: meta.seed,
            scorer: first.scores[0]?.scorer ?? result.scorer,
            budget: result.budget,
            ...(meta.baseline === undefined ? {} : { baseline: meta.baseline }),
            ...(meta.scorer === undefined ? {} : { scorerConfig: meta.scorer }),
            candidates: result.records
          })
          break
        }
        case "evaluate": {
          const full = Schema.decodeUnknownOption(Evaluation)(input.encoded)
          if (full._tag === "Some") {
            for (const [i, item] of full.value.items.entries()) {
              const model = full.value.models[i]
              const rates = model?.firingRates ?? []
              evaluated.push({
                item,
                firingRates: rates.map((r) => ({ layer: r.layer, rate: r.rate })),
                ...(model === undefined
                  ? {}
                  : {
                      operations: model.operations,
                      quantized: model.quantized.map((q) => ({ bits: q.bits, accuracy: q.top1 }))
                    })
              })
            }
            break
          }
          const plain = Schema.decodeUnknownOption(StepOutput.EvaluationResult)(input.encoded)
          if (plain._tag === "None") return yield* fail(`the output of "${input.step}" is not an evaluation`)
          for (const item of plain.value.items) evaluated.push({ item, firingRates: [] })
          break
        }
        default:
          break
      }
    }
    // Items by architecture label: ids repeat across kernel sets (each search numbers from 0).
    const items = evaluated.map(({ item }) => ({
      ...item,
      id: Architecture.architectureLabel(item.architecture)
    }))
    for (const item of items) {
      if (!(item.metric >= 0 && item.metric <= 1)) {
        return yield* fail(`model ${item.id} has metric ${item.metric}; a report needs accuracy in [0, 1]`)
      }
    }
    const pick = config.budget === undefined ? undefined : selectBestUnderBudget(config.budget, items)
    // The front and the pick trade against the same memory: on a device at the budget's bit-width
    // when it states one, the FP32 weights otherwise.
    const weightBits = config.budget?.weightBits
    const front = paretoFront({ memory: "bytes", ...(weightBits === undefined ? {} : { weightBits }) }, items)
    const picked = new Set(pick?.selected.map((item) => item.id) ?? [])
    const scores = new Map<string, number>()
    for (const run of searches) {
      for (const record of run.candidates) {
        const value = record.scores[0]?.value
        if (value !== undefined) scores.set(Architecture.architectureLabel(record.architecture), value)
      }
    }
    const memoryBudgetBytes =
      config.budget === undefined
        ? undefined
        : (config.budget.maxBytes ??
          (config.budget.maxParams === undefined ? undefined : config.budget.maxParams * 4))
    const input: ReportInput.ReportInput = {
      name: config.name,
      dataset,
      ...(fingerprint === undefined ? {} : { datasetFingerprint: fingerprint }),
      ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
      ...(weightBits === undefined ? {} : { weightBits }),
      searches,
      trained: items.map((item, i) => ({
        architecture: item.architecture,
        accuracy: item.metric,
        score: scores.get(item.id) ?? Number.NaN,
        params: item.params,
        bytes: item.bytes,
        ...(item.memory === undefined ? {} : { memory: item.memory }),
        selected: picked.has(item.id),
        firingRates: evaluated[i].firingRates,
        ...(evaluated[i].operations === undefined ? {} : { operations: evaluated[i].operations }),
        ...(evaluated[i].quantized === undefined ? {} : { quantized: evaluated[i].quantized })
      }))
    }
    return { input, pick, front }
  })

const itemOf =
  (weightBits: DeploymentMemory.WeightBits | undefined) =>
  (item: Selector.SelectionItem): typeof Item.Type => ({
    label: Architecture.architectureLabel(item.architecture),
    architecture: item.architecture,
    accuracy: item.metric,
    params: item.params,
    bytes: item.bytes,
    ...(weightBits === undefined || item.memory === undefined
      ? {}
      : { device: { weightBits, bytes: DeploymentMemory.at(item.memory, weightBits).total } })
  })

/**
 * @since 0.1.0
 */
export const htmlReporter: Executor.StepExecutor<
  HtmlReporterConfig,
  typeof HtmlReporterConfig.Encoded,
  HtmlReport,
  typeof HtmlReport.Encoded,
  FileSystem.FileSystem | Path.Path
> = {
  step: "report",
  id,
  // 5: with a budget's weightBits, the pick, the front and the report use the memory on a device.
  // 6: each trained model's synaptic operations, energy and quantized top-1 in the models table.
  version: 6,
  description:
    "The HTML + SVG + Markdown report folder, with the Pareto front and the most accurate model within the budget",
  config: HtmlReporterConfig,
  output: HtmlReport,
  files: (output) => output.files,
  execute: (context) =>
    Effect.gen(function* () {
      const { input, pick, front } = yield* reportInputOf(context.config, context.inputs)
      const path = yield* Path.Path
      const files = yield* Report.report(input, path.resolve(context.config.out)).pipe(
        Effect.mapError((error) => fail(error.message))
      )
      const chosen =
        pick?.selected[0] ?? (pick === undefined ? front.selected[front.selected.length - 1] : undefined)
      const toItem = itemOf(context.config.budget?.weightBits)
      const best = chosen === undefined ? null : toItem(chosen)
      const trained = input.trained.length
      const reason = trained === 0 ? "no trained models in the report" : (pick?.reason ?? front.reason)
      const choice =
        best !== null
          ? `selected ${best.label}: test top-1 ${percent(best.accuracy)}, ${best.params.toLocaleString("en-US")} params, ${best.bytes.toLocaleString("en-US")} bytes` +
            (best.device === undefined
              ? ""
              : `, ${best.device.bytes.toLocaleString("en-US")} bytes on a device at ${best.device.weightBits} bits`)
          : trained === 0
            ? undefined
            : `no model selected: ${reason}`
      const note = [...(choice === undefined ? [] : [choice]), `report: ${files.index}`].join("\n")
      return {
        index: files.index,
        summary: files.summary,
        results: files.results,
        files: files.written,
        pick: best,
        reason,
        front: front.selected.map(toItem),
        note
      }
    })
}

/**
 * A report step with the `html` reporter: `from` names the steps to cover (the data set, searches,
 * evaluations); the strategy and seed of every search among them are read off its declaration.
 *
 * @since 0.1.0
 */
export const htmlReport = (options: {
  readonly out: string
  readonly name: string
  /** The pipeline's seed (what a search without its own seed uses). */
  readonly seed: number
  readonly from: Readonly<Record<string, Step.Step<Step.Output>>>
  readonly budget?: typeof Budget.Encoded
  /** The names (in `from`) of the searches speed-ups are measured against. */
  readonly baseline?: ReadonlyArray<string>
}): Step.Step<"report"> => {
  const searches: Record<string, typeof SearchInfo.Encoded> = {}
  for (const [name, step] of Object.entries(options.from)) {
    if (step.spec.kind !== "search") continue
    searches[name] = {
      strategy: step.spec.strategy.id,
      seed: step.spec.seed ?? options.seed,
      ...(step.spec.scorer.config === undefined ? {} : { scorer: step.spec.scorer.config as Schema.Json }),
      ...(options.baseline === undefined ? {} : { baseline: options.baseline.includes(name) })
    }
  }
  const config: typeof HtmlReporterConfig.Encoded = {
    out: options.out,
    name: options.name,
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    searches
  }
  return report({ from: options.from, reporter: { id, config } })
}
