/**
 * The cluster benchmark behind `spikernel bench cluster --cluster URL` (issue 15): what the cluster
 * path costs per candidate, how a search's throughput scales with workers, and how long a killed
 * worker's candidate takes to be delivered again.
 *
 * Method. The benchmark starts its workers itself (`spikernel worker --cluster URL --slots 1
 * --backend wasm`, child processes on this machine, stopped at the end) and runs the strategy side
 * in this process: searches of the bundled fashion-mnist-mini's {1,3} backward space scored by the
 * built-in `wait` scorer (waits, computes nothing), each in a fresh store so that nothing is cached.
 *
 * - **Overhead**: N candidates that wait 0 ms, one at a time, on one worker. For each candidate the
 *   round trip the run sees (job sent → reply back, Effect's clock around the cluster's job) minus
 *   the seconds the worker reports computing it: median, 90th percentile, mean and the first job's
 *   (a repeated draw is served from the store, not sent, so there are fewer jobs than candidates).
 *   Beside it, the search step's seconds over N, on the worker and in process.
 * - **Scaling**: M candidates that wait W ms, as many at a time as the most workers measured, with
 *   1, 2, … workers: the search step's seconds and candidates per second. The candidates wait, so
 *   workers on one machine show the cluster's scaling without the machine's cores.
 * - **Redelivery**: one candidate that waits 3 s, two workers; the worker that holds it is killed
 *   (SIGKILL) 1 s in; the time from the kill until the candidate starts again elsewhere (the step's
 *   end minus its 3 s of waiting). Bounded by the lock expiration (`SPIKERNEL_CLUSTER_…` settings).
 *
 * Runs under Node only (the workers are `process.execPath packages/cli/bin/spikernel.js`).
 *
 * @since 0.1.0
 */
import { Numbers } from "@spikernel/core"
import type { ClusterError } from "@spikernel/cluster"
import { type ExecutorStep, Progress, Runner, ScoreEvaluator, StepError, Store } from "@spikernel/pipeline"
import { Backend } from "@spikernel/tensor"
import { Clock, Context, Deferred, Effect, Fiber, FileSystem, Layer, Path, Schema, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { preparePipeline } from "./Run.ts"

/**
 * Why the benchmark could not measure.
 *
 * @since 0.1.0
 */
export class BenchClusterError extends Schema.TaggedError<BenchClusterError>()("BenchClusterError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `bench cluster: ${this.reason}`
  }
}

/**
 * The target for the median per-candidate cost of the cluster path, in milliseconds.
 *
 * @since 0.1.0
 */
export const targetOverheadMs = 20

/**
 * @since 0.1.0
 */
export const ScalingRow = Schema.Struct({
  workers: Schema.Int,
  candidates: Schema.Int,
  seconds: Schema.Finite,
  candidatesPerSecond: Schema.Finite
})

/**
 * The JSON document of `spikernel bench cluster --json`.
 *
 * @since 0.1.0
 */
export const BenchClusterResult = Schema.Struct({
  overhead: Schema.Struct({
    candidates: Schema.Int,
    /** Round trip minus the worker's compute time, per candidate, in milliseconds. */
    medianMs: Schema.Finite,
    p90Ms: Schema.Finite,
    meanMs: Schema.Finite,
    /** The first candidate's (the worker's first job: its entity and scorer are built). */
    firstMs: Schema.Finite,
    /** The search step's seconds over its candidates, in milliseconds: in this process, and on the worker. */
    inProcessMsPerCandidate: Schema.Finite,
    clusterMsPerCandidate: Schema.Finite,
    targetMs: Schema.Finite
  }),
  scaling: Schema.Struct({ waitMs: Schema.Int, rows: Schema.Array(ScalingRow) }),
  /** Seconds from the kill until the candidate started again on another worker; absent with `--no-redelivery`. */
  redeliverySeconds: Schema.optionalKey(Schema.Finite)
})

/**
 * @since 0.1.0
 */
export type BenchClusterResult = typeof BenchClusterResult.Type

/**
 * The benchmark's search: `candidates` draws that each wait `waitMs`, `concurrency` at a time.
 *
 * @since 0.1.0
 */
export const benchClusterPipelineSource = (candidates: number, waitMs: number, concurrency: number): string =>
  `import { Datasets, load, pipeline, Scorers, Search, search, space, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.wait, { ms: ${waitMs} }),
  budget: ${candidates},
  concurrency: ${concurrency}
})

export default pipeline({ name: "bench-cluster", seed: 1, steps: { data, found } })
`

const fail = (reason: string) => new BenchClusterError({ reason })

/** The cluster's jobs and steps, as `spikernel run --cluster` has them. */
type ClusterLayer = Layer.Layer<ScoreEvaluator.RemoteJobs | ExecutorStep.RemoteSteps, ClusterError>

/** One round trip of a job: what the run waited and what the worker says it computed. */
interface Sample {
  readonly roundTripMs: number
  readonly computeMs: number
}

/** The cluster's remote jobs, each job's round trip recorded in `samples`. */
const timedJobs = (samples: Array<Sample>) =>
  Layer.effect(ScoreEvaluator.RemoteJobs)(
    Effect.gen(function* () {
      const inner = yield* ScoreEvaluator.RemoteJobs
      return ScoreEvaluator.RemoteJobs.of({
        forStep: (setup) =>
          Effect.map(inner.forStep(setup), (jobs) => ({
            run: (job: ScoreEvaluator.ScoreJob) =>
              Effect.gen(function* () {
                const sent = yield* Clock.currentTimeMillis
                const entry = yield* jobs.run(job)
                const back = yield* Clock.currentTimeMillis
                samples.push({ roundTripMs: back - sent, computeMs: entry.seconds * 1000 })
                return entry
              })
          }))
      })
    })
  )

/**
 * Runs the benchmark; its workers are stopped and its temporary directory removed when it ends.
 *
 * @since 0.1.0
 */
export const benchCluster = (options: {
  readonly url: string
  readonly candidates?: number
  readonly scalingCandidates?: number
  readonly waitMs?: number
  readonly workers?: ReadonlyArray<number>
  readonly redelivery?: boolean
}): Effect.Effect<
  BenchClusterResult,
  BenchClusterError,
  FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner
> =>
  Effect.scoped(
    Effect.gen(function* () {
      if ("Deno" in globalThis) return yield* fail("runs under Node only (it starts workers with Node)")
      const candidates = options.candidates ?? 50
      const scalingCandidates = options.scalingCandidates ?? 12
      const waitMs = options.waitMs ?? 1000
      const counts = options.workers ?? [1, 2, 3]
      for (const [flag, value] of [
        ["--candidates", candidates],
        ["--scaling-candidates", scalingCandidates],
        ...counts.map((n) => ["--workers", n] as const)
      ] as const) {
        if (!Number.isSafeInteger(value) || value < 1)
          return yield* fail(`${flag} must be a positive integer, got ${value}`)
      }
      if (!Number.isSafeInteger(waitMs) || waitMs < 0)
        return yield* fail(`--wait-ms must be a whole number ≥ 0, got ${waitMs}`)
      const { ClusterJobs, ClusterSettings, Database, WorkerTable } = yield* Effect.promise(
        () => import("@spikernel/cluster")
      )
      yield* ClusterSettings.parseUrl(options.url).pipe(Effect.mapError((error) => fail(error.message)))
      const settings = yield* ClusterSettings.fromEnv().pipe(Effect.mapError((error) => fail(error.message)))
      const database = yield* Layer.build(Database.layer(options.url)).pipe(
        Effect.mapError((error) => fail(error.message))
      )

      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const repoRoot = yield* path
        .fromFileUrl(new URL("../../../..", import.meta.url))
        .pipe(Effect.mapError((error) => fail(`repository root: ${error.message}`)))
      const dir = yield* fs
        .makeTempDirectoryScoped({ prefix: "spikernel-bench-cluster-" })
        .pipe(Effect.mapError((error) => fail(error.message)))
      yield* fs
        .writeFileString(path.join(dir, "package.json"), '{ "type": "module" }\n')
        .pipe(Effect.mapError((error) => fail(error.message)))
      let files = 0
      const pipelineFile = (n: number, ms: number, concurrency: number) =>
        Effect.gen(function* () {
          const file = path.join(dir, `bench-${++files}.ts`)
          yield* fs
            .writeFileString(file, benchClusterPipelineSource(n, ms, concurrency))
            .pipe(Effect.mapError((error) => fail(error.message)))
          return file
        })

      /** A worker process, its name once it is ready; killed when the benchmark's scope closes. */
      interface Worker {
        readonly name: string
        /** SIGKILL: the worker dies without a word (the redelivery measurement). */
        readonly kill: Effect.Effect<void>
        /** SIGTERM: the worker leaves the cluster cleanly, and is gone when this returns. */
        readonly stop: Effect.Effect<void>
      }
      const workers: Array<Worker> = []
      const startWorker = Effect.gen(function* () {
        const handle = yield* spawner
          .spawn(
            ChildProcess.make(
              process.execPath,
              [
                path.join(repoRoot, "packages/cli/bin/spikernel.js"),
                "worker",
                "--cluster",
                options.url,
                "--slots",
                "1",
                "--backend",
                "wasm"
              ],
              { cwd: repoRoot, killSignal: "SIGTERM" }
            )
          )
          .pipe(Effect.mapError((error) => fail(`could not start a worker: ${error.message}`)))
        const ready = yield* Deferred.make<string, BenchClusterError>()
        const lines: Array<string> = []
        // Its stderr is read to the end (a worker logs every job), the ready line picked out.
        yield* handle.stderr.pipe(
          Stream.decodeText(),
          Stream.splitLines,
          Stream.runForEach((line) => {
            lines.push(line)
            if (lines.length > 20) lines.shift()
            const match = /worker (\S+): ready/.exec(line)
            return match === null ? Effect.void : Deferred.succeed(ready, match[1]!)
          }),
          Effect.andThen(
            Deferred.fail(ready, fail(`a worker stopped before it was ready: ${lines.join(" | ")}`))
          ),
          Effect.ignore,
          Effect.forkScoped
        )
        yield* handle.stdout.pipe(Stream.runDrain, Effect.ignore, Effect.forkScoped)
        const name = yield* Deferred.await(ready).pipe(
          Effect.timeoutOrElse({
            duration: "60 seconds",
            orElse: () => Effect.fail(fail("a worker was not ready within 60 s"))
          })
        )
        const worker = {
          name,
          kill: handle.kill({ killSignal: "SIGKILL" }).pipe(Effect.ignore),
          stop: handle.kill({ killSignal: "SIGTERM" }).pipe(Effect.andThen(handle.exitCode), Effect.ignore)
        }
        workers.push(worker)
        return worker
      })

      /** Waits until `n` workers are connected and every one of them holds shards. */
      const connected = (n: number) =>
        Effect.gen(function* () {
          const started = yield* Clock.currentTimeMillis
          while (true) {
            const rows = yield* WorkerTable.list.pipe(
              Effect.provideContext(database),
              Effect.mapError((error) => fail(error.message))
            )
            const live = rows.filter((row) => row.ageMs < settings.workerStale)
            if (live.length === n && live.every((row) => row.shards.length > 0)) return
            if ((yield* Clock.currentTimeMillis) - started > 120_000)
              return yield* fail(`${n} workers did not all hold shards within 120 s`)
            yield* Effect.sleep(200)
          }
        })
      const withWorkers = (n: number) =>
        Effect.gen(function* () {
          while (workers.length < n) yield* startWorker
          yield* connected(n)
        })

      /** Runs a pipeline file in a fresh store: the search step's seconds. */
      let stores = 0
      const runSearch = (file: string, cluster: ClusterLayer | undefined, samples?: Array<Sample>) =>
        Effect.gen(function* () {
          const { loaded, prepared } = yield* preparePipeline(file, { typecheck: false })
          const compute: Runner.Compute = Effect.gen(function* () {
            const context = yield* Layer.build(Backend.layer({ backend: "wasm" }))
            return { context, backend: Context.get(context, Backend).info }
          }).pipe(Effect.mapError((error) => new StepError({ step: "backend", reason: error.message })))
          const remote =
            cluster === undefined
              ? Layer.empty
              : samples === undefined
                ? cluster
                : timedJobs(samples).pipe(Layer.provideMerge(cluster))
          const result = yield* Runner.run({
            prepared,
            pipelineFile: loaded.path,
            pipelineHash: loaded.hash,
            backend: { backend: "wasm (not started)", tfjsVersion: "", threads: 0, simd: false },
            compute
          }).pipe(
            Effect.provide(
              Layer.mergeAll(
                Store.layer({
                  root: path.join(dir, `store-${++stores}`),
                  mode: "write",
                  command: "spikernel bench cluster",
                  report: () => Effect.void
                }),
                Progress.layerWriter({ mode: "lines", write: () => {}, logs: false }),
                remote
              )
            )
          )
          const step = result.manifest.steps.find((s) => s.name === "found")
          return step?.seconds ?? Number.NaN
        }).pipe(
          Effect.mapError((error) =>
            error instanceof BenchClusterError ? error : fail(`a benchmark run failed: ${error.message}`)
          )
        )
      const cluster: ClusterLayer = ClusterJobs.layer(options.url)

      // Overhead: one at a time on one worker, against the same search in process.
      const overheadFile = yield* pipelineFile(candidates, 0, 1)
      const inProcessSeconds = yield* runSearch(overheadFile, undefined)
      yield* withWorkers(1)
      const samples: Array<Sample> = []
      const clusterSeconds = yield* runSearch(overheadFile, cluster, samples)
      const inOrder = samples.map((s) => s.roundTripMs - s.computeMs)
      const costs = [...inOrder].sort((a, b) => a - b)

      // Scaling: candidates that wait, as many at a time as the most workers measured.
      const most = Math.max(...counts)
      const scalingFile = yield* pipelineFile(scalingCandidates, waitMs, most)
      const rows: Array<typeof ScalingRow.Type> = []
      for (const n of [...counts].sort((a, b) => a - b)) {
        yield* withWorkers(n)
        const seconds = yield* runSearch(scalingFile, cluster)
        rows.push({
          workers: n,
          candidates: scalingCandidates,
          seconds,
          candidatesPerSecond: scalingCandidates / seconds
        })
      }

      // Redelivery: the worker holding a 3 s candidate is killed 1 s in.
      let redeliverySeconds: number | undefined
      if (options.redelivery !== false) {
        yield* withWorkers(Math.max(2, workers.length))
        const holdMs = 3000
        const file = yield* pipelineFile(1, holdMs, 1)
        const rowsNow = WorkerTable.list.pipe(
          Effect.provideContext(database),
          Effect.mapError((error) => fail(error.message))
        )
        // The rows are a heartbeat behind: first every worker says it is idle, then one says it runs.
        while ((yield* rowsNow).some((row) => row.running.length > 0)) yield* Effect.sleep(100)
        const run = yield* Effect.forkScoped(runSearch(file, cluster))
        let holder: Worker | undefined
        while (holder === undefined) {
          const busy = (yield* rowsNow).find((row) => row.running.length > 0)
          holder = busy === undefined ? undefined : workers.find((w) => w.name === busy.name)
          if (holder === undefined) yield* Effect.sleep(50)
        }
        yield* Effect.sleep(1000)
        const killedAt = yield* Clock.currentTimeMillis
        yield* holder.kill
        workers.splice(workers.indexOf(holder), 1)
        yield* Fiber.join(run)
        const endedAt = yield* Clock.currentTimeMillis
        redeliverySeconds = (endedAt - killedAt - holdMs) / 1000
        if (redeliverySeconds < 0)
          return yield* fail(
            `the candidate finished ${(endedAt - killedAt) / 1000} s after the kill, sooner than its ${holdMs / 1000} s: the killed worker was not computing it`
          )
      }
      yield* Effect.forEach(workers, (worker) => worker.stop, { concurrency: "unbounded", discard: true })

      return {
        overhead: {
          candidates: costs.length,
          medianMs: Numbers.quantile(costs, 0.5),
          p90Ms: Numbers.quantile(costs, 0.9),
          meanMs: costs.reduce((sum, c) => sum + c, 0) / Math.max(1, costs.length),
          firstMs: inOrder[0] ?? Number.NaN,
          inProcessMsPerCandidate: (inProcessSeconds * 1000) / candidates,
          clusterMsPerCandidate: (clusterSeconds * 1000) / candidates,
          targetMs: targetOverheadMs
        },
        scaling: { waitMs, rows },
        ...(redeliverySeconds === undefined ? {} : { redeliverySeconds })
      }
    })
  )

/**
 * The benchmark's figures as text.
 *
 * @since 0.1.0
 */
export const renderBenchCluster = (result: BenchClusterResult): string => {
  const { overhead, scaling } = result
  const ms = (value: number) => `${value.toFixed(1)} ms`
  return [
    `overhead per candidate (${overhead.candidates} jobs waiting 0 ms, one at a time, 1 worker; round trip minus the worker's compute):`,
    `  median ${ms(overhead.medianMs)} (target ≤ ${overhead.targetMs} ms), p90 ${ms(overhead.p90Ms)}, mean ${ms(overhead.meanMs)}, first job ${ms(overhead.firstMs)}`,
    `  search step per candidate: ${ms(overhead.clusterMsPerCandidate)} on the worker, ${ms(overhead.inProcessMsPerCandidate)} in process`,
    `scaling (${scaling.rows[0]?.candidates ?? 0} candidates waiting ${scaling.waitMs} ms):`,
    ...scaling.rows.map(
      (row) =>
        `  ${row.workers} worker${row.workers === 1 ? " " : "s"}  ${row.seconds.toFixed(2)} s  ${row.candidatesPerSecond.toFixed(2)} candidates/s`
    ),
    ...(result.redeliverySeconds === undefined
      ? []
      : [`redelivery after a worker's SIGKILL: ${result.redeliverySeconds.toFixed(1)} s`])
  ].join("\n")
}
