/**
 * `spikernel worker`: an Effect Cluster runner on the cluster database that computes score jobs.
 *
 * The runner's own event loop only does I/O (messages, shard locks, the heartbeat); each job is
 * computed in one of `slots` worker threads (`ThreadPool.ts`), so at most `slots` candidates run at
 * once here whatever the cluster delivers. The worker holds no state outside PostgreSQL: a
 * `kill -9` loses only the candidates in flight, which the cluster delivers again to another runner
 * once this one's shard locks expire (`ClusterSettings.ts`).
 *
 * @since 0.1.0
 */
import { createServer } from "node:net"
import { hostname } from "node:os"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import type { Registry } from "@spikernel/pipeline"
import type { BackendChoice } from "@spikernel/tensor"
import { Cause, Effect, Exit, Layer, Option, Schedule } from "effect"
import { RunnerAddress, Sharding, ShardId } from "effect/cluster"
import { ClusterError } from "./ClusterError.ts"
import * as ClusterSettings from "./ClusterSettings.ts"
import * as CodeVersion from "./CodeVersion.ts"
import * as Database from "./Database.ts"
import { decodeJson, JobFailure, ScoreEntity, ScoreJob } from "./ScoreMessage.ts"
import { StepEntity, StepJob } from "./StepMessage.ts"
import * as ThreadPool from "./ThreadPool.ts"
import * as RunTable from "./RunTable.ts"
import * as WorkerTable from "./WorkerTable.ts"

/**
 * @since 0.1.0
 */
export interface WorkerOptions {
  readonly url: string
  readonly slots: number
  readonly backend: BackendChoice
  /** The address other processes reach this runner at (default 127.0.0.1). */
  readonly host?: string | undefined
  /** The runner's port (default: a free one). */
  readonly port?: number | undefined
  /** What the registry of this worker can run (reported in the workers table). */
  readonly registry: Registry.Registry
  /**
   * The module (URL) whose `registry` export the compute threads load — the same registry as
   * `registry` (a thread cannot be handed the object); default: the built-in registry.
   */
  readonly threadRegistry?: string | undefined
  /** Called once the runner is registered and its threads are starting. */
  readonly onReady?: (name: string) => Effect.Effect<void>
}

const freePort = Effect.callback<number, ClusterError>((resume) => {
  const server = createServer()
  server.once("error", (error) =>
    resume(Effect.fail(new ClusterError({ reason: "worker", detail: `no free port: ${error.message}` })))
  )
  server.listen(0, "0.0.0.0", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Shards per group, the same on every process of the cluster: fewer than Effect Cluster's 300, so a lock refresh (which must finish within `lockRefresh`) stays short on a loaded machine. */
export const shardsPerGroup = 60

/**
 * Runs a worker until interrupted.
 *
 * @since 0.1.0
 */
export const run = (options: WorkerOptions): Effect.Effect<never, ClusterError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const settings = yield* ClusterSettings.fromEnv()
      yield* ClusterSettings.parseUrl(options.url)
      if (!Number.isSafeInteger(options.slots) || options.slots < 1) {
        return yield* new ClusterError({
          reason: "setting",
          detail: `--slots ${options.slots}: must be a whole number ≥ 1`
        })
      }
      const host = options.host ?? "127.0.0.1"
      const port = options.port ?? (yield* freePort)
      const name = `${hostname()}:${port}`
      const version = CodeVersion.of(options.registry)
      const running = new Map<string, WorkerTable.Running>()
      let done = 0

      // One pool for both entities: `slots` threads in all, whatever kinds of job arrive.
      const threads = yield* ThreadPool.make({
        slots: options.slots,
        backend: options.backend,
        worker: name,
        registry: options.threadRegistry
      })

      // One job in a thread: listed as running while it runs, counted when done, and logged with
      // how it ended and how long it took.
      const tracked = <A, E, R>(key: string, what: string, success: string, job: Effect.Effect<A, E, R>) => {
        const started = Date.now()
        return job.pipe(
          Effect.onExit((exit) =>
            Effect.logInfo(
              `${what} ${
                exit._tag === "Success"
                  ? success
                  : Exit.hasInterrupts(exit)
                    ? "interrupted"
                    : `failed (${String(Cause.squash(exit.cause))})`
              } in ${((Date.now() - started) / 1000).toFixed(2)} s`
            )
          ),
          Effect.ensuring(
            Effect.sync(() => {
              running.delete(key)
              done++
            })
          )
        )
      }

      const entity = ScoreEntity.toLayer(
        Effect.sync(() => {
          return {
            Score: (request) =>
              Effect.gen(function* () {
                const { key, job } = request.payload
                const decoded = yield* decodeJson(ScoreJob, job, "the job").pipe(
                  Effect.mapError(
                    (error) => new JobFailure({ reason: "message", worker: name, detail: error.detail })
                  )
                )
                running.set(key, {
                  step: decoded.requestedBy.step.slice(0, 12),
                  index: decoded.requestedBy.index,
                  architecture: `${decoded.architecture.cellType}[${decoded.architecture.kernels.join(",")}]`
                })
                return yield* tracked(
                  key,
                  `candidate ${decoded.requestedBy.index}`,
                  "scored",
                  threads.run(job)
                )
              })
          }
        }),
        { concurrency: "unbounded", maxIdleTime: "10 minutes" }
      )

      // Train and evaluate steps: one job is a whole step, computed in a thread like a score.
      const stepEntity = StepEntity.toLayer(
        Effect.sync(() => {
          return {
            Step: (request) =>
              Effect.gen(function* () {
                const { key, job } = request.payload
                const decoded = yield* decodeJson(StepJob, job, "the job").pipe(
                  Effect.mapError(
                    (error) => new JobFailure({ reason: "message", worker: name, detail: error.detail })
                  )
                )
                running.set(key, { step: decoded.step, kind: decoded.kind })
                return yield* tracked(
                  key,
                  `step ${decoded.step}`,
                  decoded.kind === "train" ? "trained" : "evaluated",
                  threads.run(job, "step")
                )
              })
          }
        }),
        { concurrency: "unbounded", maxIdleTime: "10 minutes" }
      )

      const heartbeat = Effect.gen(function* () {
        const sharding = yield* Sharding.Sharding
        const beat = Effect.suspend(() => {
          const shards: Array<number> = []
          for (let i = 1; i <= shardsPerGroup; i++)
            if (sharding.hasShardId(ShardId.make("default", i))) shards.push(i)
          return WorkerTable.beat({
            name,
            address: `${host}:${port}`,
            slots: options.slots,
            keyVersion: version.keyVersion,
            plugins: version.plugins,
            backend: options.backend,
            shards,
            running: [...running.values()],
            done
          })
        })
        yield* WorkerTable.ensure
        yield* WorkerTable.remove(name, settings.workerStale)
        yield* beat
        yield* Effect.addFinalizer(() => WorkerTable.remove(name, settings.workerStale).pipe(Effect.ignore))
        if (options.onReady !== undefined) yield* options.onReady(name)
        yield* beat.pipe(
          Effect.catch((error) => Effect.logWarning(`worker ${name}: ${error.message}`)),
          Effect.repeat(Schedule.spaced(settings.heartbeat)),
          Effect.forkScoped
        )
      })

      const cluster = NodeClusterSocket.layer({
        storage: "sql",
        shardingConfig: {
          runnerAddress: Option.some(RunnerAddress.make(host, port)),
          runnerListenAddress: Option.some(RunnerAddress.make("0.0.0.0", port)),
          shardsPerGroup,
          ...ClusterSettings.shardingConfig(settings)
        }
      })

      // Before this worker takes shards: the unfinished jobs of runs that are gone are removed, so
      // they do not keep it from the next run's (RunTable).
      const dropAbandoned = Layer.effectDiscard(
        Effect.gen(function* () {
          yield* RunTable.ensure
          const removed = yield* RunTable.dropAbandoned(
            [ScoreEntity.type, StepEntity.type],
            settings.workerStale
          )
          if (removed > 0)
            yield* Effect.logInfo(
              `worker ${name}: removed ${removed} unfinished job${removed === 1 ? "" : "s"} of runs no longer connected`
            )
        })
      )

      return yield* Layer.launch(
        Layer.effectDiscard(heartbeat).pipe(
          Layer.provide(Layer.merge(entity, stepEntity)),
          Layer.provideMerge(cluster.pipe(Layer.provide(dropAbandoned))),
          Layer.provideMerge(Database.layer(options.url))
        )
      ).pipe(
        Effect.catchCause((cause) => {
          const error = cause.reasons.find((r) => r._tag === "Fail")
          return error !== undefined && (error as { error: unknown }).error instanceof ClusterError
            ? Effect.fail((error as unknown as { error: ClusterError }).error)
            : Effect.failCause(cause)
        })
      ) as Effect.Effect<never, ClusterError>
    })
  )
