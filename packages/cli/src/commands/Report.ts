/**
 * `spikernel report <pipeline.ts> [--out DIR] [--store DIR] [--json]`: the HTML + SVG + Markdown report
 * of a pipeline's latest run in a store (DESIGN.md §5–6): the report the run's own report step
 * wrote (same inputs, same reporter, same bytes), in the folder it declares or in `--out DIR`.
 *
 * Also home of what `compare` shares: reading a run's results from the store as a `ReportInput`.
 * The run is found by its manifest (the pipeline file's absolute path) and read without the lock;
 * the pipeline file itself is not imported, so a report can be made of a run whose file has moved on
 * (the hash check says so on stderr).
 *
 * @since 0.1.0
 */
import { basename, extname, isAbsolute, resolve } from "node:path"
import {
  Architecture,
  type CandidateRecord,
  DeploymentMemory,
  Digest,
  Plugin,
  type RunManifest,
  type Selector
} from "@spikernel/core"
import {
  type Executor,
  Runner,
  Runs,
  StepOutput,
  Store,
  type StoreError,
  StoreLayout
} from "@spikernel/pipeline"
import { HtmlReporterConfig, htmlReporter, Reports, reportInputOf } from "@spikernel/snasnet"
import { Effect, FileSystem, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit, log } from "../Output.ts"

type StepRow = RunManifest.RunManifest["steps"][number]

/**
 * A pipeline file's path as runs record it: absolute, resolved against the working directory.
 *
 * @since 0.1.0
 */
export const pipelinePath = (file: string): string => (isAbsolute(file) ? file : resolve(process.cwd(), file))

/**
 * A store opened for reading (no lock); corruption reports go to stderr.
 *
 * @since 0.1.0
 */
export const readStore = (root: string, command: string) =>
  Store.layer({ root, mode: "read", command, report: log })

const finished = (step: StepRow): boolean => step.status === "cached" || step.status === "computed"

/**
 * The latest run of a pipeline file in the store: refused when there is none or it is damaged;
 * unfinished steps and a changed pipeline file are said on stderr.
 *
 * @since 0.1.0
 */
export const latestRun = (
  file: string
): Effect.Effect<
  { readonly runId: string; readonly manifest: RunManifest.RunManifest },
  Reports.ReportError | StoreError,
  Store.Store | FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const path = pipelinePath(file)
    const runs = yield* Runs.listRuns(path)
    if (runs.length === 0) {
      return yield* new Reports.ReportError({
        reason: "input",
        detail: `no run of ${path} in store ${store.root}; run \`spikernel run ${file}\` first (or pass --store)`
      })
    }
    const { runId, manifest, damage } = runs[0]
    if (damage !== undefined) {
      return yield* new Reports.ReportError({
        reason: "input",
        detail: `run ${runId} of ${path} is damaged: journal line ${damage.line} of its manifest was ${damage.reason}; run \`spikernel run ${file}\` again to recompute what it held`
      })
    }
    const unfinished = manifest.steps.filter((step) => !finished(step))
    if (unfinished.length > 0) {
      yield* log(
        `report: run ${runId} has unfinished steps (${unfinished.map((s) => `${s.name}: ${s.status}`).join(", ")}); they are left out`
      )
    }
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* Effect.option(fs.readFile(path))
    if (Option.isSome(bytes) && Digest.sha256Hex(bytes.value) !== manifest.pipelineHash) {
      yield* log(`report: ${file} has changed since run ${runId}; the report shows that run`)
    }
    return { runId, manifest }
  })

/**
 * A run's report as its own report step made it: the step's `html` reporter config and the stored
 * outputs of the steps it covers, put through the reporter's own `reportInputOf`, so that the
 * report written here is the run's, byte for byte. `out` is the folder the pipeline declared.
 * Undefined when the run has no finished `html` report step.
 *
 * @since 0.1.0
 */
export const reportStepInput = (
  runId: string,
  manifest: RunManifest.RunManifest,
  file: string
): Effect.Effect<
  | { readonly input: Reports.ReportInput.ReportInput; readonly out: string; readonly step: string }
  | undefined,
  Reports.ReportError | StoreError,
  Store.Store
> =>
  Effect.gen(function* () {
    const steps = manifest.steps.filter((step) => step.kind === "report" && finished(step))
    const failure = (detail: string) => new Reports.ReportError({ reason: "input", detail })
    // The last report step: a paper pipeline's main report comes after its kernel-size report.
    for (const step of [...steps].reverse()) {
      const preimage = yield* Store.getValue(Runner.StepPreimageSchema, StoreLayout.preimageEntry(step.key))
      if (Option.isNone(preimage)) continue
      const executor = preimage.value.plugins.find((plugin) => plugin.role === "executor")
      if (executor?.id !== htmlReporter.id) continue
      const config = yield* Schema.decodeUnknownEffect(HtmlReporterConfig)(executor.config).pipe(
        Effect.mapError((error) =>
          failure(
            `step "${step.name}" of run ${runId}: its reporter config does not decode: ${error.message}`
          )
        )
      )
      const inputs: Record<string, Executor.ExecutorInput> = {}
      for (const { role, key } of preimage.value.upstream) {
        const upstream = manifest.steps.find((candidate) => candidate.key === key)
        if (upstream === undefined || !finished(upstream)) {
          return yield* failure(
            `step "${step.name}" of run ${runId}: an input of it (${role}) is not a finished step of the run`
          )
        }
        const stored = yield* Store.getValue(Schema.Json, StoreLayout.stepEntry(key))
        if (Option.isNone(stored)) {
          return yield* failure(
            `step "${upstream.name}" of run ${runId}: its stored output is damaged or missing; run \`spikernel run ${file}\` to recompute it, then report again`
          )
        }
        const encoded = stored.value
        const decode = <A, I>(schema: Schema.Codec<A, I>) =>
          Schema.decodeUnknownEffect(schema)(encoded).pipe(
            Effect.mapError((error) =>
              failure(`step "${upstream.name}" of run ${runId}: its output does not decode: ${error.message}`)
            )
          )
        switch (upstream.kind) {
          case "load":
            inputs[role] = {
              kind: "load",
              step: upstream.name,
              value: yield* decode(StepOutput.DatasetOutput),
              encoded
            }
            break
          case "search":
            inputs[role] = {
              kind: "search",
              step: upstream.name,
              value: yield* decode(StepOutput.SearchResult),
              encoded
            }
            break
          case "select":
          case "tradeoff":
            inputs[role] = {
              kind: upstream.kind,
              step: upstream.name,
              value: yield* decode(StepOutput.SelectionOutput),
              encoded
            }
            break
          case "train":
          case "evaluate":
          case "report": {
            const made = Option.getOrUndefined(
              yield* Store.getValue(Runner.StepPreimageSchema, StoreLayout.preimageEntry(key))
            )?.plugins.find((plugin) => plugin.role === "executor")
            inputs[role] = {
              kind: upstream.kind,
              step: upstream.name,
              executor: made === undefined ? "" : Plugin.label(made),
              encoded
            }
            break
          }
          default:
            return yield* failure(
              `step "${upstream.name}" of run ${runId} has an unknown kind ${upstream.kind}`
            )
        }
      }
      const { input } = yield* reportInputOf(config, inputs).pipe(
        Effect.mapError((error) => failure(error.message))
      )
      return { input, out: config.out, step: step.name }
    }
    return undefined
  })

/**
 * What the report of a pipeline file's latest run is made of: its report step's input where the
 * run has one (the declared name and folder), else the input read off the store's steps, named
 * `name`.
 *
 * @since 0.1.0
 */
export const runReport = (
  file: string,
  name: string
): Effect.Effect<
  { readonly input: Reports.ReportInput.ReportInput; readonly out: string | undefined },
  Reports.ReportError | StoreError,
  Store.Store | FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const { runId, manifest } = yield* latestRun(file)
    const fromStep = yield* reportStepInput(runId, manifest, file)
    if (fromStep !== undefined) return { input: fromStep.input, out: fromStep.out }
    return { input: yield* runReportInput({ runId, manifest }, file, name), out: undefined }
  })

/**
 * What the report of one run is made of, read from the store (for a run without an `html` report
 * step; {@link runReport} prefers the run's own report step).
 *
 * - searches: every finished `search` step, its strategy and seed from the step's key preimage;
 * - trained models: the items of every `evaluate` step (metric = accuracy as a fraction), each with the
 *   primary score its architecture got in the searches;
 * - selected: the items a `select` / `tradeoff` step picked from an evaluation;
 * - memory budget: a `maxBytes` in such a selector's config.
 *
 * Firing rates are not among the plain evaluation outputs, so that plot is left out.
 *
 * @since 0.1.0
 */
export const runReportInput = (
  { runId, manifest }: { readonly runId: string; readonly manifest: RunManifest.RunManifest },
  file: string,
  name: string
): Effect.Effect<Reports.ReportInput.ReportInput, Reports.ReportError | StoreError, Store.Store> =>
  Effect.gen(function* () {
    // A finished step's output is part of the report: one that is damaged or gone fails the report
    // (naming the step) rather than leaving a hole in it.
    const read = <A, I>(schema: Schema.Codec<A, I>, step: StepRow) =>
      Store.getValue(schema, StoreLayout.stepEntry(step.key)).pipe(
        Effect.flatMap((value) =>
          Option.isSome(value)
            ? Effect.succeed(value)
            : Effect.fail(
                new Reports.ReportError({
                  reason: "input",
                  detail: `step "${step.name}" of run ${runId}: its stored output is damaged or missing; run \`spikernel run ${file}\` to recompute it, then report again`
                })
              )
        )
      )
    const preimageOf = (step: StepRow) =>
      Store.getValue(Runner.StepPreimageSchema, StoreLayout.preimageEntry(step.key))

    let dataset = "—"
    let fingerprint: string | undefined
    const searches: Array<Reports.ReportInput.SearchRun> = []
    const evaluations = new Map<string, ReadonlyArray<Selector.SelectionItem>>()
    const selections: Array<{
      readonly from: string
      readonly selected: ReadonlyArray<Selector.SelectionItem>
    }> = []
    let memoryBudgetBytes: number | undefined
    let weightBits: DeploymentMemory.WeightBits | undefined

    for (const step of manifest.steps.filter(finished)) {
      const preimage = Option.getOrUndefined(yield* preimageOf(step))
      switch (step.kind) {
        case "load": {
          const info = yield* read(StepOutput.DatasetOutput, step)
          if (Option.isSome(info)) {
            dataset = info.value.name
            fingerprint = info.value.fingerprint
          }
          break
        }
        case "search": {
          const result = yield* read(StepOutput.SearchResult, step)
          if (Option.isNone(result) || result.value.records.length === 0) break
          const first: CandidateRecord.CandidateRecord = result.value.records[0]
          const strategy = preimage?.plugins.find((plugin) => plugin.role === "strategy")
          const scorer = preimage?.plugins.find((plugin) => plugin.role === "scorer")
          searches.push({
            strategy: strategy === undefined ? step.name : strategy.id,
            cellType: first.architecture.cellType,
            kernels: first.architecture.kernels,
            seed: preimage?.seed ?? manifest.seed,
            // The records carry the scorer's own id; the result names it with its version.
            scorer: first.scores[0]?.scorer ?? result.value.scorer,
            budget: result.value.budget,
            ...(scorer === undefined ? {} : { scorerConfig: scorer.config }),
            candidates: result.value.records
          })
          break
        }
        case "evaluate": {
          const result = yield* read(StepOutput.EvaluationResult, step)
          if (Option.isSome(result)) evaluations.set(step.key, result.value.items)
          break
        }
        case "select":
        case "tradeoff": {
          const result = yield* read(StepOutput.SelectionOutput, step)
          const from = preimage?.upstream.find((upstream) => upstream.role === "from")?.key
          if (Option.isSome(result) && from !== undefined)
            selections.push({ from, selected: result.value.selected })
          const config = preimage?.plugins.find((plugin) => plugin.role === "selector")?.config
          const maxBytes = (config as { readonly maxBytes?: unknown } | undefined)?.maxBytes
          if (typeof maxBytes === "number") memoryBudgetBytes = maxBytes
          // A budget at a bit-width: the report's memory figures are then the memory on a device.
          const bits = Schema.decodeUnknownOption(DeploymentMemory.WeightBits)(
            (config as { readonly weightBits?: unknown } | undefined)?.weightBits
          )
          if (Option.isSome(bits)) weightBits = bits.value
          break
        }
      }
    }

    // The primary score of each architecture the searches met, by its label (canonical or as proposed).
    const scores = new Map<string, number>()
    for (const run of searches) {
      for (const record of run.candidates) {
        const value = record.scores[0]?.value
        if (value === undefined) continue
        scores.set(Architecture.architectureLabel(record.architecture), value)
        scores.set(
          `${record.architecture.cellType}[${record.architecture.kernels.join(",")}]:${record.canonical}`,
          value
        )
      }
    }
    const trained: Array<Reports.ReportInput.TrainedModel> = []
    for (const [key, items] of evaluations) {
      const picked = new Set(
        selections.filter((s) => s.from === key).flatMap((s) => s.selected.map((item) => item.id))
      )
      for (const item of items) {
        if (!(item.metric >= 0 && item.metric <= 1)) {
          return yield* new Reports.ReportError({
            reason: "input",
            detail: `evaluated model ${item.id} has metric ${item.metric}; a report needs accuracy as a fraction in [0, 1]`
          })
        }
        trained.push({
          architecture: item.architecture,
          accuracy: item.metric,
          score: scores.get(Architecture.architectureLabel(item.architecture)) ?? Number.NaN,
          params: item.params,
          bytes: item.bytes,
          ...(item.memory === undefined ? {} : { memory: item.memory }),
          selected: picked.has(item.id),
          firingRates: []
        })
      }
    }
    const failures = manifest.steps.flatMap(
      (step): ReadonlyArray<Reports.ReportInput.FailedStep> =>
        step.status === "failed"
          ? [
              {
                step: step.name,
                message: step.error?.message ?? "failed (the manifest records no message)",
                ...(step.error?.candidate === undefined ? {} : { candidate: step.error.candidate }),
                ...(step.error?.memory === undefined ? {} : { memory: step.error.memory })
              }
            ]
          : []
    )
    return {
      name,
      dataset,
      ...(failures.length === 0 ? {} : { failures }),
      ...(fingerprint === undefined ? {} : { datasetFingerprint: fingerprint }),
      ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
      ...(weightBits === undefined ? {} : { weightBits }),
      searches,
      trained
    }
  })

/**
 * Names for pipeline files in a report: the file name without extension, or the path as given where
 * two files share a name.
 *
 * @since 0.1.0
 */
export const pipelineNames = (files: ReadonlyArray<string>): ReadonlyArray<string> => {
  const stems = files.map((file) => basename(file, extname(file)))
  return stems.map((stem, i) => (stems.filter((other) => other === stem).length > 1 ? files[i] : stem))
}

/**
 * What `report` and `compare` print: where the files went, and what to look at first.
 *
 * @since 0.1.0
 */
export interface ReportOutput {
  readonly index: string
  readonly summary: string
  readonly results: string
  readonly plots: ReadonlyArray<string>
  readonly absent: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  readonly unfair: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 */
export const renderOutput = (output: ReportOutput): string =>
  [
    `wrote ${output.index}`,
    `      ${output.summary}`,
    `      ${output.results}`,
    `      ${output.plots.length} plots`,
    ...output.unfair.map((line) => `warning: not a fair comparison: ${line}`),
    ...output.absent.map((line) => `not drawn: ${line}`),
    ...output.warnings.map((line) => `plot warning: ${line}`)
  ].join("\n")

/**
 * @since 0.1.0
 */
export const report = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "report" as string,
  {
    pipeline: Argument.String("pipeline").pipe(
      Argument.withDescription("The pipeline file whose latest run to report")
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription(
        "The folder to write index.html, summary.md and results.json to (default: the folder the pipeline's report step declares)"
      ),
      Flag.optional
    ),
    store: Flags.store,
    json: Flags.json
  },
  Effect.fn("report")(function* ({ pipeline, out, store, json }) {
    const made = yield* runReport(pipeline, pipelineNames([pipeline])[0]).pipe(
      Effect.provide(readStore(store, "spikernel report"))
    )
    const dir = Option.getOrUndefined(out) ?? made.out
    if (dir === undefined) {
      return yield* new Reports.ReportError({
        reason: "input",
        detail: `${pipeline} has no html report step to say where its report goes; pass --out DIR`
      })
    }
    const files = yield* Reports.Report.report(made.input, resolve(process.cwd(), dir))
    yield* emit(json, files satisfies ReportOutput, renderOutput)
  })
).pipe(
  Command.withDescription("Write the HTML, SVG and Markdown report of a pipeline's latest run"),
  Command.withExamples([
    {
      command: "spikernel report pipelines/quickstart.ts",
      description: "Write the latest run's report again, where the pipeline declares (reports/quickstart)"
    },
    {
      command: "spikernel report pipelines/quickstart.ts --out reports/again",
      description: "The same report in another folder"
    }
  ])
)
