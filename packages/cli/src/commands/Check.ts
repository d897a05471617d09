/**
 * `spikernel check <pipeline.ts> [--json]`: type-checks a pipeline file, imports it and prepares it
 * against the built-in registry (every config decoded strictly, every step's inputs of the kinds it
 * takes) — everything `run` checks before it computes, without a store. Prints every diagnostic.
 *
 * @since 0.1.0
 */
import { ConfigError } from "@spikernel/core"
import { Effect } from "effect"
import { Argument, Command } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit, log } from "../Output.ts"
import * as Typecheck from "../Typecheck.ts"
import { preparePipeline } from "./Run.ts"

/**
 * @since 0.1.0
 */
export interface CheckOutput {
  readonly file: string
  readonly checker: string
  readonly seconds: number
  /** Passed without running the checker: no file of its last passing check has changed. */
  readonly unchanged: boolean
  readonly steps: number
}

/**
 * @since 0.1.0
 */
export const check = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "check" as string,
  {
    pipeline: Argument.String("pipeline").pipe(Argument.withDescription("The pipeline file (.ts)")),
    json: Flags.json
  },
  Effect.fn("check")(function* ({ pipeline, json }) {
    const checked = yield* Typecheck.check(pipeline)
    if (!checked.passed) {
      for (const line of checked.diagnostics) yield* log(line)
      return yield* new ConfigError({
        source: pipeline,
        reason: `does not type-check: ${checked.diagnostics.length} error${checked.diagnostics.length === 1 ? "" : "s"} (${checked.checker}, ${checked.seconds.toFixed(1)} s)`
      })
    }
    const { prepared } = yield* preparePipeline(pipeline, { typecheck: false })
    const output: CheckOutput = {
      file: checked.file,
      checker: checked.checker,
      seconds: checked.seconds,
      unchanged: checked.unchanged,
      steps: prepared.steps.length
    }
    yield* emit(
      json,
      output,
      (o) =>
        `${o.file}: type-checks (${o.checker}, ${o.seconds.toFixed(1)} s${o.unchanged ? ", no file changed since it last passed" : ""}) and prepares: ${o.steps} steps`
    )
  })
).pipe(
  Command.withDescription("Type-check and prepare a pipeline file, as run and plan do before they compute"),
  Command.withExamples([
    { command: "spikernel check pipelines/quickstart.ts", description: "Before a long run" }
  ])
)
