/**
 * What the study report executors share (`proxy-study`, `budget-ablation`, `kernel-study`,
 * `front-comparison`): a `report` step that reads its inputs, writes a `@spikernel/report` study
 * folder to the config's `out`, and stores where the folder went, its headline lines and the digests
 * of its files (a deleted or edited file makes the step stale).
 *
 * @since 0.1.0
 */
import { Executor } from "@spikernel/pipeline"
import type { StudyFolder } from "@spikernel/report"
import { Effect, type FileSystem, Path, Schema } from "effect"

/**
 * What a study report step stores.
 *
 * @since 0.1.0
 */
export const StudyReport = Schema.Struct({
  index: Schema.String,
  summary: Schema.String,
  results: Schema.String,
  files: Schema.Array(Schema.Struct({ path: Schema.String, sha256: Schema.String })),
  note: Schema.String
})

/**
 * @since 0.1.0
 */
export type StudyReport = typeof StudyReport.Type

/**
 * A study's report executor: `write` reads the inputs and writes the folder into `outDir`; its
 * `lines` lead the step's note, followed by where the report is.
 *
 * @since 0.1.0
 */
export const studyReporter = <C extends { readonly out: string }, CE>(options: {
  readonly id: string
  readonly version: number
  readonly description: string
  readonly config: Schema.Codec<C, CE>
  readonly write: (study: {
    readonly config: C
    readonly inputs: Readonly<Record<string, Executor.ExecutorInput>>
    /** The data set's name, from the step's `from.data` input; undefined without one. */
    readonly dataset: string | undefined
    readonly outDir: string
    readonly fail: (reason: string) => Executor.ExecutorError
  }) => Effect.Effect<
    { readonly files: StudyFolder.StudyFiles; readonly lines: ReadonlyArray<string> },
    Executor.ExecutorError,
    FileSystem.FileSystem | Path.Path
  >
}): Executor.StepExecutor<
  C,
  CE,
  StudyReport,
  typeof StudyReport.Encoded,
  FileSystem.FileSystem | Path.Path
> => ({
  step: "report",
  id: options.id,
  version: options.version,
  description: options.description,
  config: options.config,
  output: StudyReport,
  files: (output) => output.files,
  execute: (context) =>
    Effect.gen(function* () {
      const data = context.inputs["from.data"]
      const path = yield* Path.Path
      const { files, lines } = yield* options.write({
        config: context.config,
        inputs: context.inputs,
        dataset: data?.kind === "load" ? data.value.name : undefined,
        outDir: path.resolve(context.config.out),
        fail: (reason) => new Executor.ExecutorError({ executor: options.id, reason })
      })
      return {
        index: files.index,
        summary: files.summary,
        results: files.results,
        files: files.written,
        note: [...lines, `report: ${files.index}`].join("\n")
      }
    })
})
