/**
 * `spikernel plan <pipeline.ts> [--store DIR] [--json]`: what a run would do — each step cached,
 * partial, stale (with the reason: what changed against the last run of this pipeline file) or to
 * run — and an estimate of the work. Reads the store without taking its lock; writes nothing.
 *
 * @since 0.1.0
 */
import { Plan } from "@spikernel/pipeline"
import { Effect, Layer, Logger } from "effect"
import { Argument, Command } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"
import { preparePipeline, progressLayer, storeLayer } from "./Run.ts"

const duration = (seconds: number): string =>
  seconds < 120
    ? `${seconds.toFixed(0)} s`
    : seconds < 7200
      ? `${(seconds / 60).toFixed(0)} min`
      : `${(seconds / 3600).toFixed(1)} h`

const render = (plan: Plan.PlanResult): string => {
  const rows = plan.rows.map((row) => {
    const work =
      row.kind === "search" && row.status !== "cached" ? ` (${row.total - row.done} candidates to score)` : ""
    const why = row.reasons.length === 0 ? "" : `: ${row.reasons.join("; ")}`
    return `${row.name.padEnd(16)} ${row.kind.padEnd(8)} ${row.status}${work}${why}`
  })
  const estimate = plan.estimateSeconds === undefined ? "" : `, about ${duration(plan.estimateSeconds)}`
  const summary =
    plan.stepsToRun === 0
      ? "everything is cached: a run computes nothing"
      : `${plan.stepsToRun} step(s) to run, ${plan.candidatesToScore} candidate(s) to score${estimate}`
  return [...rows, summary].join("\n")
}

/**
 * @since 0.1.0
 */
export const plan = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "plan" as string,
  {
    pipeline: Argument.String("pipeline").pipe(Argument.withDescription("The pipeline file (.ts)")),
    store: Flags.store,
    typecheck: Flags.typecheck,
    json: Flags.json
  },
  Effect.fn("plan")(
    function* ({ pipeline, store, typecheck, json }) {
      const { loaded, prepared } = yield* preparePipeline(pipeline, { typecheck })
      const result = yield* Plan.plan(prepared, loaded.path).pipe(
        Effect.provide(
          Layer.mergeAll(storeLayer(store, "plan", `spikernel plan ${pipeline}`), progressLayer(json))
        )
      )
      yield* emit(json, result, render)
    },
    Effect.provideService(Logger.LogToStderr, true)
  )
).pipe(
  Command.withDescription("Show what a run would do: cached, stale (and why), to run, and the work left"),
  Command.withExamples([
    { command: "spikernel plan pipelines/quickstart.ts", description: "Before resuming a search" }
  ])
)
