/**
 * Turns a declared pipeline into prepared steps: named, in dependency order, every plugin and
 * executor found in the registry and every config decoded by its Schema. Nothing runs before this
 * succeeds, so a typo in the last step's config fails in milliseconds, not after the search.
 *
 * @since 0.1.0
 */
import { ConfigError, DeploymentMemory, Plugin } from "@spikernel/core"
import { Effect, Schema } from "effect"
import { orderSteps, type Pipeline, Seed } from "./Pipeline.ts"
import * as Registry from "./Registry.ts"
import type { Output, PluginRef, StepKind, StepSpec } from "./Step.ts"

/**
 * A search's memory budget: a candidate whose memory on a device at `weightBits` (32 | 16 | 8 | 4)
 * is over `maxBytes` is rejected before it is scored. It needs the `memory` scorer among the step's
 * measures, which measures the memory from the layer shapes.
 *
 * @since 0.1.0
 */
export const SearchMemoryBudget = Schema.Struct({
  maxBytes: Schema.Int.check(Schema.isGreaterThan(0)),
  weightBits: DeploymentMemory.WeightBits
})

/**
 * A search step's parameters. `budget`, `concurrency` and `memoryBudget` (when given) enter the
 * key; `checkpointEvery` and `retries` do not (they change when state is saved and how often a
 * failed candidate is tried again, never what a successful search computes).
 *
 * @since 0.1.0
 */
export const SearchParams = Schema.Struct({
  budget: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  concurrency: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1024 })),
  checkpointEvery: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  retries: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 })),
  memoryBudget: Schema.optionalKey(SearchMemoryBudget)
})

/**
 * The measure a search's memory budget reads: the first of its measures with this id.
 *
 * @since 0.1.0
 */
export const memoryMeasureId = "memory"

/**
 * @since 0.1.0
 */
export type SearchParams = typeof SearchParams.Type

/**
 * A step ready to be keyed and run.
 *
 * @since 0.1.0
 */
export interface PreparedStep {
  readonly name: string
  readonly kind: StepKind
  readonly output: Output
  readonly spec: StepSpec
  readonly upstream: ReadonlyArray<{ readonly role: string; readonly name: string }>
  /** Plugins by role, in key order. */
  readonly plugins: ReadonlyArray<{ readonly role: string; readonly resolved: Registry.ResolvedPlugin }>
  readonly executor: Registry.ResolvedExecutor | undefined
  /** Parameters that enter the key. */
  readonly params: Readonly<Record<string, unknown>>
  /** The step's seed; null for steps that draw nothing (their inputs' keys carry the seed). */
  readonly seed: number | null
  readonly search: SearchParams | undefined
}

/**
 * @since 0.1.0
 */
export interface Prepared {
  readonly pipeline: Pipeline
  readonly registry: Registry.Registry
  readonly steps: ReadonlyArray<PreparedStep>
}

/**
 * The plugin named in a role of a prepared step.
 *
 * @since 0.1.0
 */
export const pluginIn = (step: PreparedStep, role: string): Registry.ResolvedPlugin | undefined =>
  step.plugins.find((p) => p.role === role)?.resolved

const decode = <A, I>(schema: Schema.Codec<A, I>, value: unknown, source: string) =>
  Plugin.decodeStrict(schema, value, source)

/** The fields each step kind declares (what its builder accepts besides `kind`). */
const specFields: Readonly<Record<StepKind, ReadonlyArray<string>>> = {
  load: ["loader"],
  search: [
    "dataset",
    "space",
    "strategy",
    "scorer",
    "measures",
    "encoder",
    "neuron",
    "budget",
    "concurrency",
    "seed",
    "checkpointEvery",
    "retries",
    "memoryBudget"
  ],
  select: ["from", "selector"],
  train: ["from", "dataset", "trainer", "seed"],
  evaluate: ["models", "dataset", "evaluator", "seed"],
  tradeoff: ["from", "selector"],
  report: ["from", "reporter"]
}

/** The step kinds each input role of a step kind takes (a report takes any). */
const inputKinds: Readonly<Record<StepKind, Readonly<Record<string, ReadonlyArray<StepKind>>>>> = {
  load: {},
  search: { dataset: ["load"] },
  select: { from: ["search", "evaluate"] },
  train: { from: ["select", "tradeoff"], dataset: ["load"] },
  evaluate: { models: ["train"], dataset: ["load"] },
  tradeoff: { from: ["evaluate"] },
  report: {}
}

const builders: Readonly<Record<StepKind, string>> = {
  load: "load",
  search: "search",
  select: "select",
  train: "train",
  evaluate: "evaluate",
  tradeoff: "tradeoff",
  report: "report"
}

/**
 * Each input of a step is a step of a kind it takes — what the types of the builders promise,
 * checked again for a file that was not type-checked, before anything computes.
 */
const checkWiring = (
  named: ReadonlyArray<{
    readonly name: string
    readonly step: { readonly spec: StepSpec }
    readonly upstream: ReadonlyArray<{ readonly role: string; readonly name: string }>
  }>,
  source: string
): Effect.Effect<void, ConfigError> => {
  const kinds = new Map(named.map(({ name, step }) => [name, step.spec.kind]))
  for (const { name, step, upstream } of named) {
    for (const { role, name: input } of upstream) {
      const takes = inputKinds[step.spec.kind][role]
      const kind = kinds.get(input)
      if (takes === undefined || kind === undefined || takes.includes(kind)) continue
      return Effect.fail(
        new ConfigError({
          source: `${source}: step "${name}"`,
          reason: `its "${role}" input is the ${kind} step "${input}"; a ${step.spec.kind} step's "${role}" takes a ${takes.map((k) => builders[k]).join(" or ")} step`
        })
      )
    }
  }
  return Effect.void
}

/** A step's unknown fields (a typo TypeScript would catch, for a file that was not type-checked). */
const checkFields = (spec: StepSpec, where: string): Effect.Effect<void, ConfigError> => {
  const known = specFields[spec.kind]
  const unknown = Object.keys(spec).filter((field) => field !== "kind" && !known.includes(field))
  return unknown.length === 0
    ? Effect.void
    : Effect.fail(
        new ConfigError({
          source: where,
          reason: `unknown ${unknown.length === 1 ? "field" : "fields"} ${unknown.map((f) => `"${f}"`).join(", ")} of a ${spec.kind} step (known: ${[...known].sort().join(", ")})`
        })
      )
}

/**
 * Prepares a pipeline against a registry (merged with the pipeline's own plugins and executors).
 *
 * @since 0.1.0
 */
export const prepare = (
  pipeline: Pipeline,
  registry: Registry.Registry,
  source: string
): Effect.Effect<Prepared, ConfigError> =>
  Effect.gen(function* () {
    const merged = Registry.merge(registry, Registry.make(pipeline.plugins, pipeline.executors))
    const pipelineSeed = yield* decode(Seed, pipeline.seed, `${source}: seed`)
    const named = yield* orderSteps(pipeline, source)
    yield* checkWiring(named, source)
    const steps: Array<PreparedStep> = []
    for (const { name, step, upstream } of named) {
      const where = `${source}: step "${name}"`
      const plugins: Array<{ role: string; resolved: Registry.ResolvedPlugin }> = []
      const plugin = (role: string, kind: Plugin.PluginKind, ref: PluginRef | undefined) =>
        ref === undefined
          ? Effect.void
          : Effect.map(Registry.resolvePlugin(merged, kind, ref, `${where} ${role}`), (resolved) => {
              plugins.push({ role, resolved })
            })
      const spec = step.spec
      yield* checkFields(spec, where)
      let executor: Registry.ResolvedExecutor | undefined
      let params: Record<string, unknown> = {}
      let seed: number | null = null
      let search: SearchParams | undefined
      switch (spec.kind) {
        case "load":
          yield* plugin("loader", "DatasetLoader", spec.loader)
          break
        case "search": {
          yield* plugin("space", "SearchSpace", spec.space)
          yield* plugin("strategy", "SearchStrategy", spec.strategy)
          yield* plugin("scorer", "Scorer", spec.scorer)
          for (const [i, measure] of (spec.measures ?? []).entries())
            yield* plugin(`measure.${i}`, "Scorer", measure)
          yield* plugin("encoder", "Encoder", spec.encoder)
          yield* plugin("neuron", "NeuronModel", spec.neuron)
          search = yield* decode(
            SearchParams,
            {
              budget: spec.budget,
              concurrency: spec.concurrency ?? 1,
              checkpointEvery: spec.checkpointEvery ?? 25,
              retries: spec.retries ?? 0,
              ...(spec.memoryBudget === undefined ? {} : { memoryBudget: spec.memoryBudget })
            },
            where
          )
          if (
            search.memoryBudget !== undefined &&
            !plugins.some(
              ({ role, resolved }) => role.startsWith("measure.") && resolved.identity.id === memoryMeasureId
            )
          ) {
            return yield* new ConfigError({
              source: `${where}: memoryBudget`,
              reason: `a memory budget needs the "${memoryMeasureId}" scorer among the step's measures (measures: [use(memory, {})]), which measures each candidate before it is scored`
            })
          }
          params = {
            budget: search.budget,
            concurrency: search.concurrency,
            // Only when given, so the keys of searches without one are what they were.
            ...(search.memoryBudget === undefined ? {} : { memoryBudget: search.memoryBudget })
          }
          seed = yield* decode(Seed, spec.seed ?? pipelineSeed, `${where} seed`)
          break
        }
        case "select":
        case "tradeoff":
          yield* plugin("selector", "Selector", spec.selector)
          break
        case "train":
          executor = yield* Registry.resolveExecutor(merged, "train", spec.trainer, `${where} trainer`)
          seed = yield* decode(Seed, spec.seed ?? pipelineSeed, `${where} seed`)
          break
        case "evaluate":
          executor = yield* Registry.resolveExecutor(merged, "evaluate", spec.evaluator, `${where} evaluator`)
          seed = yield* decode(Seed, spec.seed ?? pipelineSeed, `${where} seed`)
          break
        case "report":
          executor = yield* Registry.resolveExecutor(
            merged,
            "report",
            spec.reporter ?? { id: "json" },
            `${where} reporter`
          )
          break
      }
      steps.push({
        name,
        kind: spec.kind,
        output: step.output,
        spec,
        upstream,
        plugins,
        executor,
        params,
        seed,
        search
      })
    }
    return { pipeline, registry: merged, steps }
  })
