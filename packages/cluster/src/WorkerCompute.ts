/**
 * What a worker does with a job. A score job: builds the step's scorers from the job's setup (once
 * per setup), checks that it is the same code and the same data as the run's, and computes the score
 * exactly as the in-process evaluator does (`ScoreEvaluator.localJobs`). A step job (`train`,
 * `evaluate`): resolves the step's executor here, opens its data set, and runs the executor as the
 * run's process would (`ExecutorStep.run`), on the upstream values the run sent; its checkpoints stay
 * in this thread's memory (a worker holds nothing outside PostgreSQL: a step redelivered after a
 * kill starts again from its beginning, and its seed gives it the same bytes).
 *
 * Checks, each a refusal naming what differs (never a result mixed from two versions):
 * - the key version of the run and of this worker;
 * - every plugin of the setup resolves in this worker's registry at the same version;
 * - the data set opens here and has the fingerprint the run computed;
 * - the job's score key, recomputed here from its inputs, is the key the run sent.
 *
 * It runs inside a worker thread (`ScoreThread.ts`), so a long computation never blocks the event
 * loop that refreshes the runner's shard locks.
 *
 * @since 0.1.0
 */
import { Architecture, CanonicalJson, DatasetLoader, Plugin } from "@spikernel/core"
import {
  CacheKey,
  Executor,
  ExecutorStep,
  Registry,
  ScoreEvaluator,
  SearchStep,
  type StepError,
  StepServices,
  type StoreError
} from "@spikernel/pipeline"
import { Backend, type BackendChoice } from "@spikernel/tensor"
import {
  Clock,
  Context,
  Deferred,
  Effect,
  type FileSystem,
  Layer,
  Option,
  type Path,
  Schema,
  type Scope
} from "effect"
import { decodeJson, encodeJson, JobFailure, ScoreJob, ScoreReply, type ScoreSetup } from "./ScoreMessage.ts"
import { StepJob, StepReply } from "./StepMessage.ts"

/**
 * @since 0.1.0
 */
export interface Computer {
  /** A score job as canonical JSON → the reply as canonical JSON. */
  readonly run: (job: string) => Effect.Effect<string, JobFailure>
  /** A step job as canonical JSON → the reply as canonical JSON. */
  readonly runStep: (job: string) => Effect.Effect<string, JobFailure>
  /** Starts the tensor backend now (a thread does it before it says it is ready). */
  readonly warm: Effect.Effect<void, JobFailure>
}

interface Built {
  readonly space: SearchStep.BuiltScoring["space"]
  readonly scorers: SearchStep.BuiltScoring["scorers"]
  readonly context: SearchStep.BuiltScoring["context"]
}

/**
 * A computer for one worker: `registry` is what it can run, `backend` its tensor backend (started
 * on the first job), `worker` its name in replies and refusals.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly registry: Registry.Registry
  readonly backend: BackendChoice
  readonly worker: string
}): Effect.Effect<Computer, never, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    // Loaders read files: the platform of the process (thread) the computer lives in.
    const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const { worker } = options
    const refuse = (reason: JobFailure["reason"], detail: string) =>
      new JobFailure({ reason, worker, detail })
    // Built services live for the worker's life, one entry per distinct setup.
    const setups = new Map<string, Deferred.Deferred<Built, JobFailure>>()
    let compute: Deferred.Deferred<Context.Context<Backend>, JobFailure> | undefined

    const computeServices = Effect.suspend(() => {
      if (compute !== undefined) return Deferred.await(compute)
      const deferred = Deferred.makeUnsafe<Context.Context<Backend>, JobFailure>()
      compute = deferred
      return Layer.buildWithScope(
        // One thread per computation: a slot is a thread, and the wasm backend's own pthreads do
        // not start from inside a worker thread.
        Backend.layer({ backend: options.backend, threads: 1 }),
        scope
      ).pipe(
        Effect.mapError((error) =>
          refuse("worker", `the ${options.backend} backend did not start: ${error.message}`)
        ),
        Effect.exit,
        Effect.flatMap((exit) => Effect.andThen(Deferred.done(deferred, exit), Deferred.await(deferred)))
      )
    })

    const resolve = (spec: {
      readonly kind: string
      readonly id: string
      readonly version: number
      readonly config: unknown
    }) =>
      Registry.resolvePlugin(
        options.registry,
        spec.kind as Plugin.PluginKind,
        { id: spec.id, version: spec.version, config: spec.config as never },
        "cluster job"
      ).pipe(
        Effect.mapError((error) =>
          refuse("version", `cannot run ${spec.kind} ${spec.id}@${spec.version}: ${error.reason}`)
        ),
        Effect.flatMap((resolved) =>
          // The run's canonical config must be this worker's canonical config of it.
          CanonicalJson.canonicalJson(resolved.identity.config) === CanonicalJson.canonicalJson(spec.config)
            ? Effect.succeed(resolved)
            : Effect.fail(
                refuse("version", `${spec.id}@${spec.version} reads its config differently on this worker`)
              )
        )
      )

    const stepFailure = (reason: JobFailure["reason"]) => (error: StepError) => refuse(reason, error.reason)

    const checkKeyVersion = (keyVersion: number) =>
      keyVersion === CacheKey.keyVersion
        ? Effect.void
        : Effect.fail(
            refuse(
              "version",
              `the run's cache keys are version ${keyVersion}, this worker's are version ${CacheKey.keyVersion}`
            )
          )

    /** Opens the run's data set here and checks that it is the same data (its fingerprint). */
    const openDataset = (spec: ScoreSetup["loader"], fingerprint: string | null) =>
      Effect.gen(function* () {
        const loader = yield* resolve(spec)
        const dataset = yield* StepServices.buildService(
          DatasetLoader.DatasetLoader,
          "cluster job",
          "loader",
          loader,
          Context.empty() as StepServices.Services,
          scope
        ).pipe(Effect.mapError(stepFailure("dataset")), Effect.provideContext(platform))
        const info = yield* dataset.service.info.pipe(
          Effect.mapError((error) =>
            refuse("dataset", `data set ${Plugin.label(loader.identity)}: ${error.message}`)
          )
        )
        if (fingerprint !== null && info.fingerprint !== fingerprint) {
          return yield* refuse(
            "dataset",
            `data set ${Plugin.label(loader.identity)} here has fingerprint ${info.fingerprint.slice(0, 12)}, the run's has ${fingerprint.slice(0, 12)}`
          )
        }
        return dataset
      })

    const build = (setup: ScoreSetup) =>
      Effect.gen(function* () {
        yield* checkKeyVersion(setup.keyVersion)
        const dataset = yield* openDataset(setup.loader, setup.fingerprint)
        const plugins = []
        for (const spec of setup.plugins) plugins.push({ role: spec.role, resolved: yield* resolve(spec) })
        const built = yield* SearchStep.buildScoring({
          step: "cluster job",
          plugins,
          dependencies: Context.merge(yield* computeServices, dataset.context),
          scope
        }).pipe(Effect.mapError(stepFailure("worker")), Effect.provideContext(platform))
        return { space: built.space, scorers: built.scorers, context: built.context }
      })

    /** `make()` once per id for the worker's life; a failure is not kept. */
    const memo = <A>(
      cache: Map<string, Deferred.Deferred<A, JobFailure>>,
      id: string,
      make: () => Effect.Effect<A, JobFailure>
    ) =>
      Effect.suspend(() => {
        const known = cache.get(id)
        if (known !== undefined) return Deferred.await(known)
        const deferred = Deferred.makeUnsafe<A, JobFailure>()
        cache.set(id, deferred)
        return make().pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            // A refusal is not kept: the data set may appear, or the worker be fixed, before the next job.
            if (exit._tag === "Failure") cache.delete(id)
            return Effect.andThen(Deferred.done(deferred, exit), Deferred.await(deferred))
          })
        )
      })

    const built = (setup: ScoreSetup) => memo(setups, encodeJson(SetupKey, setup), () => build(setup))

    const datasets = new Map<string, Deferred.Deferred<DatasetLoader.DatasetLoader["Service"], JobFailure>>()
    const datasetOf = (spec: ScoreSetup["loader"], fingerprint: string) =>
      Effect.map(
        memo(datasets, CanonicalJson.canonicalJson({ spec, fingerprint }), () =>
          Effect.map(openDataset(spec, fingerprint), (dataset) => dataset.service)
        ),
        (service) => Context.make(DatasetLoader.DatasetLoader, service)
      )

    /** A step job: the executor the run named, resolved and configured here, run on the run's inputs. */
    const runStep = (text: string) =>
      Effect.gen(function* () {
        const job = yield* decodeJson(StepJob, text, "the job").pipe(
          Effect.mapError((error) => refuse("message", error.detail))
        )
        yield* checkKeyVersion(job.keyVersion)
        const resolved = yield* Registry.resolveExecutor(
          options.registry,
          job.kind,
          { id: job.executor.id, version: job.executor.version, config: job.executor.config as never },
          "cluster job"
        ).pipe(
          Effect.mapError((error) =>
            refuse(
              "version",
              `cannot run ${job.kind} executor ${job.executor.id}@${job.executor.version}: ${error.reason}`
            )
          )
        )
        if (
          CanonicalJson.canonicalJson(resolved.identity.config) !==
          CanonicalJson.canonicalJson(job.executor.config)
        ) {
          return yield* refuse(
            "version",
            `${job.executor.id}@${job.executor.version} reads its config differently on this worker`
          )
        }
        const inputs: Record<string, Executor.ExecutorInput> = {}
        for (const [role, input] of Object.entries(job.inputs)) {
          inputs[role] = yield* ExecutorStep.fromRemoteInput(job.step, input).pipe(
            Effect.mapError(stepFailure("message"))
          )
        }
        // A step without a `dataset` input has no data set here either, exactly as in the run's process.
        const dataset = (
          job.dataset === null
            ? Context.empty()
            : yield* datasetOf(job.dataset.loader, job.dataset.fingerprint)
        ) as Context.Context<DatasetLoader.DatasetLoader>
        // The step's durable state lives in this thread for the job's length (encoded, as the store
        // would hold it): a redelivered job starts again.
        let saved: unknown
        const checkpoint = Executor.StepCheckpoint.of({
          load: (schema) =>
            saved === undefined
              ? Effect.succeed(Option.none())
              : Effect.map(Effect.orDie(Schema.decodeUnknownEffect(schema)(saved)), Option.some),
          save: (schema, value) =>
            Effect.sync(() => {
              saved = Schema.encodeSync(schema)(value)
            })
        })
        const started = yield* Clock.currentTimeMillis
        // What a built-in executor requires (Executor.ts): the data set, compute, platform, checkpoint.
        const execution = resolved.executor.execute({
          step: job.step,
          key: job.key,
          config: resolved.config,
          seed: job.seed,
          inputs,
          progress: () => Effect.void
        }) as Effect.Effect<
          unknown,
          Executor.ExecutorError | StoreError,
          Backend | DatasetLoader.DatasetLoader | FileSystem.FileSystem | Path.Path | Executor.StepCheckpoint
        >
        const services: Context.Context<
          Backend | DatasetLoader.DatasetLoader | FileSystem.FileSystem | Path.Path | Executor.StepCheckpoint
        > = Context.add(
          Context.merge(Context.merge(yield* computeServices, dataset), platform),
          Executor.StepCheckpoint,
          checkpoint
        )
        const output = yield* execution.pipe(
          Effect.provideContext(services),
          Effect.mapError((error) => refuse("evaluation", (error as { readonly message: string }).message))
        )
        const encoded = yield* Schema.encodeUnknownEffect(resolved.executor.output)(output).pipe(
          Effect.mapError((issue) => refuse("evaluation", `its output does not encode: ${issue.message}`))
        )
        const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
        return encodeJson(StepReply, { output: encoded as Schema.Json, worker, seconds })
      })

    return {
      warm: Effect.asVoid(computeServices),
      runStep,
      run: (text) =>
        Effect.gen(function* () {
          const job = yield* decodeJson(ScoreJob, text, "the job").pipe(
            Effect.mapError((error) => refuse("message", error.detail))
          )
          const services = yield* built(job.setup)
          const scorer = services.scorers[job.scorer]
          if (scorer === undefined)
            return yield* refuse(
              "message",
              `the job names scorer ${job.scorer} of ${services.scorers.length}`
            )
          const canonical = services.space.canonical(job.architecture)
          const label = Architecture.architectureLabel(canonical)
          const key = CacheKey.scoreKey({
            v: CacheKey.keyVersion,
            kind: "score",
            scorer: scorer.identity,
            context: services.context,
            architecture: label,
            fingerprint: job.setup.fingerprint,
            seed: job.seed,
            stream: job.stream
          })
          if (key !== job.key) {
            return yield* refuse(
              "version",
              `the score key of ${label} computed here (${key.slice(0, 12)}) is not the run's (${job.key.slice(0, 12)}): another code version`
            )
          }
          const entry = yield* ScoreEvaluator.localJobs(services.scorers.map((s) => s.scorer))
            .run({
              key: job.key,
              scorer: job.scorer,
              architecture: canonical,
              seed: job.seed,
              stream: job.stream,
              requestedBy: job.requestedBy
            })
            .pipe(
              Effect.mapError(
                (error) =>
                  new JobFailure({
                    reason: "evaluation",
                    worker,
                    detail: error.reason,
                    ...(error.memory === undefined ? {} : { memory: error.memory })
                  })
              )
            )
          return encodeJson(ScoreReply, { entry, worker })
        })
    }
  })

/** The part of a setup that decides which services are built. */
const SetupKey = ScoreJob.fields.setup
