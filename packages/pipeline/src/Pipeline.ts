/**
 * A pipeline: a seed and named steps, default-exported by a pipeline file.
 *
 * ```ts
 * export default pipeline({ name: "quickstart", seed: 42, steps: { data, found, top, report } })
 * ```
 *
 * Steps reached only as another step's input need not be listed; they are named after the field
 * that reaches them (`top.from`). A pipeline may bring its own plugins and executors, added to the
 * registry the CLI passes in.
 *
 * @since 0.1.0
 */
import { ConfigError, type Plugin } from "@spikernel/core"
import { Effect, Schema } from "effect"
import type { AnyExecutor } from "./Executor.ts"
import { type Output, type Step, upstreamOf } from "./Step.ts"

/**
 * @since 0.1.0
 */
export interface Pipeline {
  readonly _tag: "Pipeline"
  readonly name: string | undefined
  readonly seed: number
  readonly steps: Readonly<Record<string, Step<Output>>>
  readonly plugins: ReadonlyArray<Plugin.AnyPlugin>
  readonly executors: ReadonlyArray<AnyExecutor>
}

/**
 * What a pipeline file writes.
 *
 * @since 0.1.0
 */
export interface PipelineInput {
  readonly name?: string
  /** The seed of every random draw: a search step's strategy starts from it (candidate i draws from
   * (seed, strategy, i)); a step may override it with its own `seed`. */
  readonly seed: number
  readonly steps: Readonly<Record<string, Step<Output>>>
  readonly plugins?: ReadonlyArray<Plugin.AnyPlugin>
  readonly executors?: ReadonlyArray<AnyExecutor>
}

/**
 * Declares a pipeline.
 *
 * @since 0.1.0
 */
export const pipeline = (input: PipelineInput): Pipeline => ({
  _tag: "Pipeline",
  name: input.name,
  seed: input.seed,
  steps: input.steps,
  plugins: input.plugins ?? [],
  executors: input.executors ?? []
})

/**
 * True for a value made by `pipeline` (what a pipeline file must default-export).
 *
 * @since 0.1.0
 */
export const isPipeline = (value: unknown): value is Pipeline =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "Pipeline"

/**
 * A pipeline seed: a non-negative safe integer (the counter-based generator's key).
 *
 * @since 0.1.0
 */
export const Seed = Schema.Int.check(
  Schema.isGreaterThanOrEqualTo(0),
  Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER)
)

/**
 * A step with its name and its upstream steps' names, by role.
 *
 * @since 0.1.0
 */
export interface NamedStep {
  readonly name: string
  readonly step: Step<Output>
  readonly upstream: ReadonlyArray<{ readonly role: string; readonly name: string }>
}

const StepName = /^[A-Za-z][A-Za-z0-9_.-]*$/

/**
 * The steps in dependency order (upstream first, otherwise in declaration order), every step named.
 *
 * @since 0.1.0
 */
export const orderSteps = (
  pipeline: Pipeline,
  source: string
): Effect.Effect<ReadonlyArray<NamedStep>, ConfigError> =>
  Effect.gen(function* () {
    const names = new Map<Step<Output>, string>()
    for (const [name, step] of Object.entries(pipeline.steps)) {
      if (!StepName.test(name)) {
        return yield* new ConfigError({ source, reason: `step name "${name}" must match ${StepName}` })
      }
      if (typeof step !== "object" || step === null || step._tag !== "Step") {
        return yield* new ConfigError({
          source,
          reason: `step "${name}" is not a step (use load, search, select, …)`
        })
      }
      const other = names.get(step)
      if (other !== undefined) {
        return yield* new ConfigError({
          source,
          reason: `the same step is listed as "${other}" and "${name}"`
        })
      }
      names.set(step, name)
    }
    const ordered: Array<NamedStep> = []
    const done = new Set<Step<Output>>()
    let miswired: ConfigError | undefined
    const visit = (step: Step<Output>, name: string): void => {
      if (done.has(step) || miswired !== undefined) return
      done.add(step)
      const upstream: Array<{ role: string; name: string }> = []
      for (const [role, input] of upstreamOf(step.spec)) {
        if (typeof input !== "object" || input === null || (input as { _tag?: unknown })._tag !== "Step") {
          miswired = new ConfigError({
            source,
            reason: `step "${name}": its "${role}" input is ${input === undefined ? "missing" : "not a step"} (give it a step made by load, search, select, …)`
          })
          return
        }
        let inputName = names.get(input)
        if (inputName === undefined) {
          inputName = `${name}.${role.replace(/^from\./, "")}`
          names.set(input, inputName)
        }
        visit(input, inputName)
        upstream.push({ role, name: inputName })
      }
      ordered.push({ name, step, upstream })
    }
    for (const [name, step] of Object.entries(pipeline.steps)) visit(step, name)
    if (miswired !== undefined) return yield* miswired
    const seen = new Set<string>()
    for (const { name } of ordered) {
      if (seen.has(name)) return yield* new ConfigError({ source, reason: `two steps are named "${name}"` })
      seen.add(name)
    }
    return ordered
  })
