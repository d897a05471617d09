/**
 * What a worker does with a score job: builds the step's scorers from the job's setup (once per
 * setup), checks that it is the same code and the same data as the run's, and computes the score
 * exactly as the in-process evaluator does (`ScoreEvaluator.localJobs`).
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
  Registry,
  ScoreEvaluator,
  SearchStep,
  type StepError,
  StepServices
} from "@spikernel/pipeline"
import { Backend, type BackendChoice } from "@spikernel/tensor"
import { Context, Deferred, Effect, type FileSystem, Layer, type Path, type Scope } from "effect"
import { decodeJson, encodeJson, JobFailure, ScoreJob, ScoreReply, type ScoreSetup } from "./ScoreMessage.ts"

/**
 * @since 0.1.0
 */
export interface Computer {
  /** A job as canonical JSON → the reply as canonical JSON. */
  readonly run: (job: string) => Effect.Effect<string, JobFailure>
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

    const build = (setup: ScoreSetup) =>
      Effect.gen(function* () {
        if (setup.keyVersion !== CacheKey.keyVersion) {
          return yield* refuse(
            "version",
            `the run's cache keys are version ${setup.keyVersion}, this worker's are version ${CacheKey.keyVersion}`
          )
        }
        const loader = yield* resolve(setup.loader)
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
        if (setup.fingerprint !== null && info.fingerprint !== setup.fingerprint) {
          return yield* refuse(
            "dataset",
            `data set ${Plugin.label(loader.identity)} here has fingerprint ${info.fingerprint.slice(0, 12)}, the run's has ${setup.fingerprint.slice(0, 12)}`
          )
        }
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

    const built = (setup: ScoreSetup) =>
      Effect.suspend(() => {
        const id = encodeJson(SetupKey, setup)
        const known = setups.get(id)
        if (known !== undefined) return Deferred.await(known)
        const deferred = Deferred.makeUnsafe<Built, JobFailure>()
        setups.set(id, deferred)
        return build(setup).pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            // A refusal is not kept: the data set may appear, or the worker be fixed, before the next job.
            if (exit._tag === "Failure") setups.delete(id)
            return Effect.andThen(Deferred.done(deferred, exit), Deferred.await(deferred))
          })
        )
      })

    return {
      warm: Effect.asVoid(computeServices),
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
