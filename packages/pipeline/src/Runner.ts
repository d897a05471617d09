/**
 * The runner: keys every step, then runs the steps whose outputs are not in the store, in
 * dependency order, and records a RunManifest as it goes.
 *
 * Keys first: a step's key depends on its upstream keys and its data set's fingerprint, not on
 * upstream values, so every key is known after the `load` steps (cheap: a data set's description)
 * and before any search starts. A step whose key has an output in the store is `cached` and is not
 * even read unless a step below it must compute; a cached output that turns out corrupt when read is
 * reported and recomputed.
 *
 * @since 0.1.0
 */
import {
  CanonicalJson,
  DatasetLoader,
  Digest,
  Plugin,
  RunManifest,
  type Selector,
  Selector as SelectorService
} from "@spikernel/core"
import {
  Clock,
  Context,
  Deferred,
  Effect,
  FileSystem,
  Option,
  type Path,
  Schema,
  Scope,
  Semaphore
} from "effect"
import { keyVersion, type StepPreimage, stepKey } from "./CacheKey.ts"
import type { ExecutorInput } from "./Executor.ts"
import * as DataSources from "./DataSources.ts"
import { SourceSignature } from "./DataSources.ts"
import * as ExecutorStep from "./ExecutorStep.ts"
import * as Runs from "./Runs.ts"
import type { Prepared, PreparedStep } from "./Prepare.ts"
import { Progress, type RunEnd } from "./Progress.ts"
import * as SearchStep from "./SearchStep.ts"
import { describeFailure, StepError } from "./StepError.ts"
import { buildService, type Services } from "./StepServices.ts"
import { DatasetOutput, EvaluationResult, SearchResult, SelectionOutput } from "./StepOutput.ts"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * The Schema of a step preimage, stored beside each step so `plan` can explain a changed key.
 *
 * @since 0.1.0
 */
export const StepPreimageSchema = Schema.Struct({
  v: Schema.Int,
  kind: Schema.String,
  plugins: Schema.Array(Schema.Struct({ role: Schema.String, ...Plugin.Identity.fields })),
  upstream: Schema.Array(Schema.Struct({ role: Schema.String, key: Schema.String })),
  fingerprint: Schema.NullOr(Schema.String),
  seed: Schema.NullOr(Schema.Int),
  params: Schema.Record(Schema.String, Schema.Json)
})

/**
 * The runtime a run executes on.
 *
 * @since 0.1.0
 */
export const currentRuntime = (): RunManifest.RunManifest["runtime"] => {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno
  return deno?.version?.deno !== undefined
    ? { name: "deno", version: deno.version.deno }
    : { name: "node", version: process.versions.node }
}

/**
 * The Schema a step's output is stored with.
 *
 * @since 0.1.0
 */
export const outputSchema = (step: PreparedStep): Schema.Codec<unknown, unknown> => {
  switch (step.kind) {
    case "load":
      return DatasetOutput as Schema.Codec<unknown, unknown>
    case "search":
      return SearchResult as Schema.Codec<unknown, unknown>
    case "select":
    case "tradeoff":
      return SelectionOutput as Schema.Codec<unknown, unknown>
    default:
      return step.executor!.executor.output as Schema.Codec<unknown, unknown>
  }
}

/**
 * A step with its key.
 *
 * @since 0.1.0
 */
export interface KeyedStep {
  readonly step: PreparedStep
  readonly key: string
  readonly preimage: StepPreimage
}

/**
 * A run's tensor backend as the manifest records it.
 *
 * @since 0.1.0
 */
export type BackendRecord = RunManifest.RunManifest["backend"]

/**
 * The services of computation (the tensor backend), started on first use so that a run that
 * computes nothing never initialises them; `backend` is what the manifest records. Every plugin
 * layer of a search step that computes, and every executor of a step that computes, gets them: a
 * plugin states that it computes by requiring the backend service in its Layer (an executor, in
 * its Effect). Loaders, selectors and reporters' inputs are plain data by contract.
 *
 * @since 0.1.0
 */
export type Compute = Effect.Effect<
  { readonly context: Services; readonly backend: BackendRecord },
  StepError,
  Scope.Scope
>

/**
 * A value of a step, decoded and encoded.
 *
 * @since 0.1.0
 */
interface StepValue {
  readonly value: unknown
  readonly encoded: unknown
}

/**
 * The shared machinery of `plan` and `run`: keys, values and services of a prepared pipeline.
 *
 * In `plan` mode nothing is written: a `load` step that is not cached is run to learn its
 * fingerprint (a data set's description), and no other step computes.
 *
 * @since 0.1.0
 */
export const makeSession = (
  prepared: Prepared,
  mode: "plan" | "run",
  hooks: {
    readonly onComputed?: (name: string, seconds: number) => Effect.Effect<void, StoreError, Store.Store>
    readonly onStart?: (name: string) => Effect.Effect<void, StoreError, Store.Store>
    readonly compute?: Compute
  } = {}
) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const progress = yield* Progress
    const scope = yield* Effect.scope
    // The platform executors work with (files, paths): the run's own.
    const platform: Services = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const byName = new Map(prepared.steps.map((step) => [step.name, step]))
    const keyed = new Map<string, KeyedStep>()
    const values = new Map<string, StepValue>()
    const datasets = new Map<string, Context.Context<DatasetLoader.DatasetLoader>>()
    const computed = new Map<string, number>()
    /** Load steps whose data changed on disk since they were stored, with the files that did. */
    const dataChanges = new Map<string, ReadonlyArray<string>>()
    let computeStarted: { readonly context: Services; readonly backend: BackendRecord } | undefined

    /** The compute services (tensor backend), started the first time a layer that may compute is built. */
    const computeServices = Effect.gen(function* () {
      if (hooks.compute === undefined) return Context.empty() as Services
      if (computeStarted === undefined) computeStarted = yield* hooks.compute.pipe(Scope.provide(scope))
      return computeStarted.context
    })
    const withCompute = (dependencies: Services) =>
      Effect.map(computeServices, (services) => Context.merge(services, dependencies))

    const datasetContext = (name: string) =>
      Effect.gen(function* () {
        const known = datasets.get(name)
        if (known !== undefined) return known
        const step = byName.get(name)!
        const loader = step.plugins.find((p) => p.role === "loader")!.resolved
        const built = yield* buildService(
          DatasetLoader.DatasetLoader,
          name,
          "loader",
          loader,
          Context.empty() as Services,
          scope
        )
        datasets.set(name, built.context)
        return built.context
      })

    const encode = (step: PreparedStep, value: unknown) =>
      Effect.try({
        // Through canonical JSON, so a value computed now and one read back from the store are
        // the same object with the same key order (the results printed are then byte-identical).
        try: () =>
          JSON.parse(CanonicalJson.canonicalJson(Schema.encodeUnknownSync(outputSchema(step))(value))),
        catch: (error) =>
          new StepError({ step: step.name, reason: `its output does not encode: ${describeFailure(error)}` })
      })

    const upstreamName = (step: PreparedStep, role: string) =>
      step.upstream.find((u) => u.role === role)?.name

    /** Computes a step now (run mode stores it) and records it as computed. */
    const computeNow = (
      name: string
    ): Effect.Effect<StepValue, StepError | StoreError, Store.Store | Progress> =>
      Effect.gen(function* () {
        const { step, key } = keyed.get(name)!
        if (mode === "plan" && step.kind !== "load") {
          return yield* new StepError({
            step: name,
            reason: "plan computes nothing but data set descriptions"
          })
        }
        if (hooks.onStart !== undefined) yield* hooks.onStart(name)
        if (mode === "run") yield* progress.started({ step: name, kind: step.kind })
        const started = yield* Clock.currentTimeMillis
        const value = yield* compute(step, key)
        const encoded = yield* encode(step, value)
        if (mode === "run")
          yield* Store.putValue(outputSchema(step), StoreLayout.stepEntry(key), "step", value)
        const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
        computed.set(name, seconds)
        values.set(name, { value, encoded })
        if (mode === "run") {
          if (hooks.onComputed !== undefined) yield* hooks.onComputed(name, seconds)
          yield* progress.step({ step: name, kind: step.kind, key, status: "computed", seconds })
        }
        return { value, encoded }
      })

    /**
     * A load step's value: the stored description while its source files are as they were when it
     * was computed (sizes and times, a hash where those changed); otherwise decoded again, which
     * gives a new fingerprint — and new downstream keys — exactly when the content changed.
     */
    const loadValue = (name: string) =>
      Effect.gen(function* () {
        const { step, key } = keyed.get(name)!
        const stored = yield* Store.getValue(DatasetOutput, StoreLayout.stepEntry(key))
        const loader = Context.get(yield* datasetContext(name), DatasetLoader.DatasetLoader)
        const fail = (error: { readonly message: string }) =>
          new StepError({ step: name, reason: error.message })
        if (loader.sources === undefined) {
          if (Option.isNone(stored)) return yield* computeNow(name)
          const value = { value: stored.value, encoded: yield* encode(step, stored.value) }
          values.set(name, value)
          return value
        }
        const sources = yield* loader.sources.pipe(Effect.mapError(fail))
        const previous = yield* Store.getValue(SourceSignature, StoreLayout.sourcesEntry(key))
        const scan = yield* DataSources.scan(sources, Option.getOrUndefined(previous)).pipe(
          Effect.mapError(fail),
          Effect.provideContext(platform)
        )
        const signature = (fingerprint: string): SourceSignature => ({ fingerprint, files: scan.files })
        if (
          Option.isSome(stored) &&
          (!scan.touched || scan.changed.length === 0) &&
          Option.isSome(previous)
        ) {
          // Unchanged (or touched without a change of content): the stored description stands.
          if (scan.touched && mode === "run") {
            yield* Store.putValue(
              SourceSignature,
              StoreLayout.sourcesEntry(key),
              "sources",
              signature(stored.value.fingerprint)
            )
          }
          const value = { value: stored.value, encoded: yield* encode(step, stored.value) }
          values.set(name, value)
          return value
        }
        const fresh = yield* computeNow(name)
        const info = fresh.value as DatasetLoader.DatasetInfo
        if (Option.isSome(stored) && stored.value.fingerprint !== info.fingerprint) {
          dataChanges.set(name, scan.changed.length > 0 ? scan.changed : ["its files"])
          // `plan` says it in its table; a run says it once, as it acts on it.
          if (mode === "run") {
            yield* store.report(
              `step "${name}": data changed: ${(dataChanges.get(name) ?? []).join(", ")}; the steps that use it are computed again`
            )
          }
        }
        if (mode === "run") {
          yield* Store.putValue(
            SourceSignature,
            StoreLayout.sourcesEntry(key),
            "sources",
            signature(info.fingerprint)
          )
        }
        return fresh
      })

    /** The step's value: from this run, from the store (verified), or computed now (run mode). */
    const stepValue = (
      name: string
    ): Effect.Effect<StepValue, StepError | StoreError, Store.Store | Progress> =>
      Effect.gen(function* () {
        const known = values.get(name)
        if (known !== undefined) return known
        const { step } = keyed.get(name)!
        if (step.kind === "load") return yield* loadValue(name)
        const verified = yield* verify(name)
        if (verified.value !== undefined) return verified.value
        return yield* computeNow(name)
      })

    /**
     * Whether a step's stored output can be served: present, its blob's checksum right, it decodes,
     * and the files an executor wrote outside the store are there with the hashes it recorded. A
     * value that passes is kept for the run; `problem` says why one does not.
     */
    const verify = (
      name: string
    ): Effect.Effect<
      { readonly value?: StepValue; readonly problem?: string },
      StepError | StoreError,
      Store.Store
    > =>
      Effect.gen(function* () {
        const known = values.get(name)
        if (known !== undefined) return { value: known }
        const { step, key } = keyed.get(name)!
        if (Option.isNone(store.entry(StoreLayout.stepEntry(key)))) return {}
        const stored = yield* Store.getValue(outputSchema(step), StoreLayout.stepEntry(key))
        if (Option.isNone(stored)) return { problem: "its stored output is damaged or missing" }
        const outside = step.executor?.executor.files?.(stored.value) ?? []
        const fs = Context.get(platform as Context.Context<FileSystem.FileSystem>, FileSystem.FileSystem)
        for (const file of outside) {
          const bytes = yield* fs.readFile(file.path).pipe(Effect.option)
          if (Option.isNone(bytes)) return { problem: `${file.path} is missing` }
          if (Digest.sha256Hex(bytes.value) !== file.sha256) return { problem: `${file.path} has changed` }
        }
        const value = { value: stored.value, encoded: yield* encode(step, stored.value) }
        values.set(name, value)
        return { value }
      })

    const fingerprintOf = (step: PreparedStep) =>
      Effect.gen(function* () {
        const dataset = upstreamName(step, "dataset")
        if (dataset === undefined) return null
        const info = (yield* stepValue(dataset)).value as DatasetLoader.DatasetInfo
        return info.fingerprint
      })

    /** Keys every step, in order (running `load` steps that are not cached to learn fingerprints). */
    const keyAll = Effect.gen(function* () {
      for (const step of prepared.steps) {
        const preimage: StepPreimage = {
          v: keyVersion,
          kind: step.kind,
          plugins: [
            ...step.plugins.map(({ role, resolved }) => ({ role, ...resolved.identity })),
            ...(step.executor === undefined ? [] : [{ role: "executor", ...step.executor.identity }])
          ],
          upstream: step.upstream.map(({ role, name }) => ({ role, key: keyed.get(name)!.key })),
          fingerprint: yield* fingerprintOf(step),
          seed: step.seed,
          params: step.params
        }
        keyed.set(step.name, { step, key: stepKey(preimage), preimage })
      }
      return prepared.steps.map((step) => keyed.get(step.name)!)
    })

    const selectionItems = (step: PreparedStep, from: string) =>
      Effect.gen(function* () {
        const upstream = byName.get(from)!
        const { value, encoded } = yield* stepValue(from)
        if (upstream.kind === "search") {
          // Selectors see distinct architectures: the first occurrence of each canonical form.
          const seen = new Set<string>()
          const items: Array<Selector.SelectionItem> = []
          for (const record of (value as SearchResult).records) {
            const canonical = `${record.architecture.cellType}[${record.architecture.kernels.join(",")}]:${record.canonical}`
            // A candidate rejected before scoring (over the search's memory budget) is not a choice.
            if (seen.has(canonical) || record.rejected !== undefined) continue
            seen.add(canonical)
            items.push({
              id: String(record.index),
              architecture: record.architecture,
              metric: record.scores[0]?.value ?? Number.NaN,
              params: record.params,
              bytes: record.bytes,
              ...(record.memory === undefined ? {} : { memory: record.memory })
            })
          }
          return items
        }
        const evaluation = Schema.decodeUnknownExit(EvaluationResult)(encoded)
        if (evaluation._tag === "Failure") {
          return yield* new StepError({
            step: step.name,
            reason: `the output of "${from}" is not an evaluation result: ${evaluation.cause}`
          })
        }
        return evaluation.value.items
      })

    const compute = (
      step: PreparedStep,
      key: string
    ): Effect.Effect<unknown, StepError | StoreError, Store.Store | Progress> =>
      Effect.scoped(
        Effect.gen(function* () {
          const stepScope = yield* Effect.scope
          const plugin = (role: string) => step.plugins.find((p) => p.role === role)?.resolved
          switch (step.kind) {
            case "load": {
              const context = yield* datasetContext(step.name)
              return yield* Context.get(context, DatasetLoader.DatasetLoader).info.pipe(
                Effect.mapError((error) => new StepError({ step: step.name, reason: error.message }))
              )
            }
            case "search":
              // Every layer of a computing search step may compute: it gets the run's compute services.
              return yield* SearchStep.fromPlugins({
                step,
                key,
                loader: byName.get(upstreamName(step, "dataset")!)!.plugins.find((p) => p.role === "loader")!
                  .resolved,
                fingerprint: yield* fingerprintOf(step),
                dependencies: yield* withCompute(yield* datasetContext(upstreamName(step, "dataset")!)),
                scope: stepScope
              })
            case "select":
            case "tradeoff": {
              const items = yield* selectionItems(step, upstreamName(step, "from")!)
              const selector = yield* buildService(
                SelectorService.Selector,
                step.name,
                "selector",
                plugin("selector")!,
                Context.empty() as Services,
                stepScope
              )
              return selector.service.select(items)
            }
            default: {
              const inputs: Record<string, ExecutorInput> = {}
              for (const { role, name } of step.upstream) {
                inputs[role] = ExecutorStep.inputFrom(byName.get(name)!, yield* stepValue(name))
              }
              const dataset = upstreamName(step, "dataset")
              const fingerprint = yield* fingerprintOf(step)
              return yield* ExecutorStep.run({
                step,
                key,
                seed: step.seed ?? prepared.pipeline.seed,
                inputs,
                // Started only when the step runs here (not when a cluster worker computes it).
                services: Effect.gen(function* () {
                  return yield* withCompute(
                    Context.merge(
                      platform,
                      dataset === undefined ? Context.empty() : yield* datasetContext(dataset)
                    )
                  )
                }),
                dataset:
                  dataset === undefined || fingerprint === null
                    ? undefined
                    : {
                        loader: byName.get(dataset)!.plugins.find((p) => p.role === "loader")!.resolved,
                        fingerprint
                      }
              })
            }
          }
        })
      )

    return {
      keyAll,
      stepValue,
      keyOf: (name: string) => keyed.get(name)!,
      wasComputed: (name: string) => computed.has(name),
      /** Seconds a step computed in this session took. */
      secondsOf: (name: string) => computed.get(name),
      backendUsed: () => computeStarted?.backend,
      verify,
      /** Computes a step now even though the store may hold its output (a repair). */
      recompute: computeNow,
      /** The files that changed under each load step whose data changed on disk. */
      dataChanges: (name: string) => dataChanges.get(name)
    }
  })

/**
 * What a run is told about its circumstances, for the manifest.
 *
 * @since 0.1.0
 */
export interface RunOptions {
  readonly prepared: Prepared
  /** The pipeline file as resolved (absolute path). */
  readonly pipelineFile: string
  /** SHA-256 of the pipeline file's bytes. */
  readonly pipelineHash: string
  /** What the manifest records when no step started the compute services. */
  readonly backend: BackendRecord
  /** The compute services (tensor backend), started when a scorer, encoder or neuron layer is built. */
  readonly compute?: Compute
}

/**
 * What a run produced.
 *
 * @since 0.1.0
 */
export interface RunResult {
  readonly runId: string
  readonly manifest: RunManifest.RunManifest
  /** Encoded outputs of the steps no other step consumes (the pipeline's results), by step name. */
  readonly results: Readonly<Record<string, unknown>>
}

/**
 * The steps no other step consumes.
 *
 * @since 0.1.0
 */
export const leafSteps = (prepared: Prepared): ReadonlyArray<string> => {
  const consumed = new Set(prepared.steps.flatMap((step) => step.upstream.map((u) => u.name)))
  return prepared.steps.filter((step) => !consumed.has(step.name)).map((step) => step.name)
}

/**
 * Runs (or resumes) a prepared pipeline against the store.
 *
 * @since 0.1.0
 */
export const run = (
  options: RunOptions
): Effect.Effect<
  RunResult,
  StepError | StoreError,
  Store.Store | Progress | FileSystem.FileSystem | Path.Path
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { prepared } = options
      const store = yield* Store.Store
      const progress = yield* Progress
      const startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
      const runId = `${startedAt.replace(/[:.]/g, "-")}-${process.pid}`
      const plugins = new Map<string, { kind: string; id: string; version: number }>()
      for (const step of prepared.steps) {
        for (const { resolved } of step.plugins) {
          const { kind, id, version } = resolved.plugin
          plugins.set(`${kind}/${id}@${version}`, { kind, id, version })
        }
        if (step.executor !== undefined) {
          const { step: kind, id, version } = step.executor.executor
          plugins.set(`${kind}-executor/${id}@${version}`, { kind: `${kind}-executor`, id, version })
        }
      }
      let manifest: RunManifest.RunManifest = {
        pipelineFile: options.pipelineFile,
        pipelineHash: options.pipelineHash,
        seed: prepared.pipeline.seed,
        plugins: [...plugins.values()],
        backend: options.backend,
        runtime: currentRuntime(),
        store: store.root,
        startedAt,
        steps: []
      }
      // Steps may finish at once (on a cluster): one write at a time, each of the latest manifest.
      const manifestWrites = yield* Semaphore.make(1)
      const saveManifest = manifestWrites.withPermit(
        Effect.suspend(() => {
          const backend = session.backendUsed()
          if (backend !== undefined) manifest = { ...manifest, backend }
          return Store.putValue(RunManifest.RunManifest, StoreLayout.runEntry(runId), "run", manifest)
        })
      )
      const setStep = (
        name: string,
        status: RunManifest.RunManifest["steps"][number]["status"],
        seconds?: number,
        error?: RunManifest.StepFailure
      ) =>
        Effect.suspend(() => {
          manifest = {
            ...manifest,
            steps: manifest.steps.map((s) =>
              s.name === name
                ? {
                    ...s,
                    status,
                    ...(seconds === undefined ? {} : { seconds }),
                    ...(error === undefined ? {} : { error })
                  }
                : s
            )
          }
          return saveManifest
        })
      /** The steps computing now, in the order they started. */
      const running = new Set<string>()
      const session = yield* makeSession(prepared, "run", {
        ...(options.compute === undefined ? {} : { compute: options.compute }),
        onStart: (name) =>
          Effect.sync(() => {
            running.add(name)
          }),
        onComputed: (name, seconds) =>
          Effect.andThen(
            Effect.sync(() => {
              running.delete(name)
            }),
            setStep(name, "computed", seconds)
          )
      })
      /** The step a run stopped in, with what the store keeps of it. */
      const stoppedIn = (name: string | undefined): NonNullable<RunEnd["stopped"]> | undefined => {
        const stopped = manifest.steps.find((s) => s.name === name)
        const step = prepared.steps.find((s) => s.name === name)
        if (stopped === undefined || step === undefined) return undefined
        const checkpoint = Option.isSome(store.entry(StoreLayout.checkpointEntry(stopped.key)))
        return {
          step: stopped.name,
          kind: stopped.kind,
          checkpoint,
          ...(step.kind === "search" && step.search !== undefined
            ? {
                kept: {
                  done: store.entries(StoreLayout.recordPrefix(stopped.key)).length,
                  total: step.search.budget,
                  unit: "candidates"
                }
              }
            : {})
        }
      }
      const stepsDone = () =>
        manifest.steps.filter((s) => s.status === "cached" || s.status === "computed").length
      const finish = (status: "failed" | "interrupted", error?: StepError | StoreError) =>
        Effect.suspend(() => {
          const name = error?._tag === "StepError" ? error.step : [...running][0]
          manifest = { ...manifest, endedAt: new Date().toISOString() }
          const failure: RunManifest.StepFailure | undefined =
            error === undefined
              ? undefined
              : {
                  message: error.message,
                  ...(error._tag === "StepError" && error.candidate !== undefined
                    ? { candidate: error.candidate }
                    : {}),
                  ...(error._tag === "StepError" && error.memory !== undefined
                    ? { memory: error.memory }
                    : {})
                }
          return Effect.andThen(
            name === undefined ? saveManifest : setStep(name, status, undefined, failure),
            Effect.suspend(() => {
              const stopped = stoppedIn(name)
              return progress.ended({
                outcome: status,
                done: stepsDone(),
                total: prepared.steps.length,
                ...(stopped === undefined ? {} : { stopped })
              })
            })
          )
        }).pipe(Effect.ignore)

      // How long each step took the last time a run of this pipeline computed it: the overall ETA.
      const estimates = new Map<string, number>()
      for (const { manifest: earlier } of yield* Runs.listRuns(options.pipelineFile)) {
        for (const step of earlier.steps) {
          if (step.status === "computed" && step.seconds !== undefined && !estimates.has(step.name))
            estimates.set(step.name, step.seconds)
        }
      }

      /** The steps of the run for the progress: before keys are known every step may compute. */
      const plan = (willCompute: (name: string) => boolean) =>
        progress.planned({
          steps: prepared.steps.map((step) => ({
            name: step.name,
            kind: step.kind,
            willCompute: willCompute(step.name),
            // A selection is a pure function of records: no time worth estimating.
            estimateSeconds:
              estimates.get(step.name) ?? (step.kind === "select" || step.kind === "tradeoff" ? 0 : undefined)
          }))
        })

      const body = Effect.gen(function* () {
        yield* plan(() => true)
        const keyedSteps = yield* session.keyAll
        manifest = {
          ...manifest,
          steps: keyedSteps.map(({ step, key }) => {
            const seconds = session.secondsOf(step.name)
            return seconds === undefined
              ? { name: step.name, kind: step.kind, key, status: "pending" as const }
              : { name: step.name, kind: step.kind, key, status: "computed" as const, seconds }
          })
        }
        yield* saveManifest
        yield* plan(
          (name) =>
            !session.wasComputed(name) &&
            Option.isNone(store.entry(StoreLayout.stepEntry(session.keyOf(name).key)))
        )
        for (const { key, preimage } of keyedSteps) {
          yield* Store.putValue(StepPreimageSchema, StoreLayout.preimageEntry(key), "keyinfo", {
            ...preimage,
            params: preimage.params as Record<string, Schema.Json>
          })
        }
        /** Steps computed again in this run although the store held them: their downstream too. */
        const repaired = new Set<string>()
        const settled = new Map(keyedSteps.map(({ step }) => [step.name, Deferred.makeUnsafe<void>()]))
        const settle = ({ step, key }: (typeof keyedSteps)[number]) =>
          Effect.gen(function* () {
            for (const { name } of step.upstream) yield* Deferred.await(settled.get(name)!)
            if (session.wasComputed(step.name)) return
            // A step is served from the store only when its output verifies and nothing it was made
            // from had to be repaired in this run; otherwise it is computed again.
            const repairedInput = step.upstream.find(({ name }) => repaired.has(name))?.name
            if (repairedInput === undefined) {
              const verified = yield* session.verify(step.name)
              if (verified.value !== undefined) {
                yield* setStep(step.name, "cached", 0)
                yield* progress.step({ step: step.name, kind: step.kind, key, status: "cached", seconds: 0 })
                return
              }
              if (verified.problem !== undefined) {
                repaired.add(step.name)
                yield* store.report(
                  `step "${step.name}": ${verified.problem}; computing it again, and the steps made from it`
                )
              }
            } else repaired.add(step.name)
            yield* session.recompute(step.name)
          }).pipe(Effect.andThen(Deferred.succeed(settled.get(step.name)!, undefined)))
        // In this process, steps compute one at a time in the pipeline's order (they share one tensor
        // backend). When train and evaluate steps are computed on a cluster's workers, every step
        // whose inputs are ready starts at once: seven trainings on seven workers. Outputs are the
        // same either way: what a step draws is keyed by the step, never by timing.
        const remote = yield* Effect.serviceOption(ExecutorStep.RemoteSteps)
        yield* Effect.forEach(keyedSteps, settle, {
          concurrency: Option.isSome(remote) ? "unbounded" : 1,
          discard: true
        })
        const results: Record<string, unknown> = {}
        for (const name of leafSteps(prepared)) results[name] = (yield* session.stepValue(name)).encoded
        manifest = { ...manifest, endedAt: new Date(yield* Clock.currentTimeMillis).toISOString() }
        yield* saveManifest
        yield* progress.ended({ outcome: "finished", done: stepsDone(), total: prepared.steps.length })
        return { runId, manifest, results }
      })

      return yield* body.pipe(
        Effect.onInterrupt(() => finish("interrupted")),
        Effect.tapError((error) => finish("failed", error))
      )
    })
  )
