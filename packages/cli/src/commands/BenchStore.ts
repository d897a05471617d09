/**
 * The store benchmark behind `spikernel bench store` (issue 8): the wall time of a second `spikernel
 * run` of a finished N-candidate search, which must compute nothing (target: under 2 s for 1000
 * candidates), and the store's bytes per candidate.
 *
 * Method: a pipeline file written into a fresh temporary directory searches N random cells of the
 * SNASNet backward space {1,3} on the bundled fashion-mnist-mini, scored by `params` (the builder's
 * parameter model: no tensors, so the first run is quick and the store holds N real records), then
 * keeps the top 5. `spikernel run FILE --store DIR --json` runs twice as a child process: the first
 * run computes everything, the second must report every step `cached` (the benchmark fails
 * otherwise). Each run's wall time (Effect's Clock, around the whole process: start-up, pipeline
 * import, store open and the run) is reported, with the second run's step seconds and its runner
 * span (the manifest's `endedAt − startedAt`), and, for scale, the start-up alone (`spikernel
 * --version`). Bytes are the store directory's files after the first run: the journal, the blobs,
 * and their total over N.
 *
 * Runs under Node only: the child is `process.execPath packages/cli/bin/spikernel.js` (the tsx
 * launcher); under Deno it stops with an error that says so.
 *
 * @since 0.1.0
 */
import { RunManifest } from "@spikernel/core"
import { Clock, Effect, FileSystem, Path, Schema, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

/**
 * The issue's target for a second run of a finished 1000-candidate search, in seconds.
 *
 * @since 0.1.0
 */
export const targetSeconds = 2

/**
 * Why the benchmark could not measure: a child run that failed, output that is not a run document,
 * a step that was recomputed on the second run.
 *
 * @since 0.1.0
 */
export class BenchStoreError extends Schema.TaggedError<BenchStoreError>()("BenchStoreError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `bench store: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 */
export const BenchStoreStep = Schema.Struct({
  name: Schema.String,
  kind: Schema.String,
  status: RunManifest.StepStatus,
  seconds: Schema.Finite
})

/**
 * The JSON document of `spikernel bench store --json`.
 *
 * @since 0.1.0
 */
export const BenchStoreResult = Schema.Struct({
  candidates: Schema.Int,
  /** Wall time of the first `spikernel run` (computes every candidate). */
  firstRunSeconds: Schema.Finite,
  /** Wall time of the second `spikernel run` of the finished pipeline (computes nothing). */
  secondRunSeconds: Schema.Finite,
  /** The second run's step seconds, summed (every step cached). */
  secondRunStepsSeconds: Schema.Finite,
  /** The second run's manifest `endedAt − startedAt`: the runner, once the pipeline and store are open. */
  secondRunRunnerSeconds: Schema.Finite,
  /** Wall time of `spikernel --version`: the process start-up every run pays. */
  startupSeconds: Schema.Finite,
  targetSeconds: Schema.Finite,
  /** The second run's steps, as its manifest reports them. */
  secondRunSteps: Schema.Array(BenchStoreStep),
  /** Every file of the store after the first run. */
  storeBytes: Schema.Int,
  journalBytes: Schema.Int,
  blobBytes: Schema.Int,
  /** `storeBytes / candidates`. */
  bytesPerCandidate: Schema.Finite,
  /** What the second run added to the store (its run manifest). */
  secondRunAddedBytes: Schema.Int
})

/**
 * @since 0.1.0
 */
export type BenchStoreResult = typeof BenchStoreResult.Type

/** The part of `spikernel run --json` this benchmark reads. */
const RunDocument = Schema.Struct({ runId: Schema.String, manifest: RunManifest.RunManifest })

/**
 * The benchmark's pipeline: N random {1,3} backward cells scored by `params`, and the top 5. It
 * imports `@spikernel/snasnet` by name, as any pipeline outside the repository does (the launcher
 * resolves it).
 *
 * @since 0.1.0
 */
export const benchStorePipelineSource = (candidates: number): string =>
  `import { Datasets, load, pipeline, Scorers, Search, search, select, Selectors, space, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.params, {}),
  budget: ${candidates}
})

export default pipeline({
  name: "bench-store",
  seed: 1,
  steps: { data, found, best: select({ from: found, selector: use(Selectors.topK, { k: 5 }) }) }
})
`

const decoder = new TextDecoder()

const collect = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  Stream.runFold(
    stream,
    () => "",
    (text, chunk: Uint8Array) => text + decoder.decode(chunk, { stream: true })
  )

/**
 * Runs the CLI to completion with the given arguments; its wall time, exit code and output.
 */
const spikernel = (
  repoRoot: string,
  args: ReadonlyArray<string>
): Effect.Effect<
  { readonly seconds: number; readonly exitCode: number; readonly stdout: string; readonly stderr: string },
  BenchStoreError,
  ChildProcessSpawner.ChildProcessSpawner
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const start = yield* Clock.currentTimeMillis
      const handle = yield* spawner.spawn(
        ChildProcess.make(process.execPath, [`${repoRoot}/packages/cli/bin/spikernel.js`, ...args], {
          cwd: repoRoot
        })
      )
      const [stdout, stderr, exitCode] = yield* Effect.all(
        [collect(handle.stdout), collect(handle.stderr), handle.exitCode],
        { concurrency: "unbounded" }
      )
      const end = yield* Clock.currentTimeMillis
      return { seconds: (end - start) / 1000, exitCode, stdout, stderr }
    })
  ).pipe(
    Effect.mapError(
      (error) => new BenchStoreError({ reason: `could not run spikernel ${args[0]}: ${error.message}` })
    )
  )

/** `spikernel run FILE --store DIR --json`, its wall time and manifest. */
const runPipeline = (repoRoot: string, file: string, store: string, which: string) =>
  Effect.gen(function* () {
    const child = yield* spikernel(repoRoot, ["run", file, "--store", store, "--json"])
    if (child.exitCode !== 0) {
      const lastLine = child.stderr.trim().split("\n").at(-1) ?? ""
      return yield* new BenchStoreError({
        reason: `the ${which} run exited with status ${child.exitCode}: ${lastLine}`
      })
    }
    const document = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(RunDocument))(child.stdout).pipe(
      Effect.mapError(
        (error) =>
          new BenchStoreError({ reason: `the ${which} run's output is not a run document: ${error.message}` })
      )
    )
    return { seconds: child.seconds, manifest: document.manifest }
  })

/** Bytes of every file under `root`, of the journal, and of the blobs. */
const storeSize = (root: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files = yield* fs.readDirectory(root, { recursive: true })
    let total = 0
    let journal = 0
    let blobs = 0
    for (const file of files) {
      const info = yield* fs.stat(path.join(root, file))
      if (info.type !== "File") continue
      const size = Number(info.size)
      total += size
      if (file === "journal") journal += size
      else if (file.startsWith(`blobs${path.sep}`)) blobs += size
    }
    return { total, journal, blobs }
  })

/**
 * Runs the store benchmark; the temporary directory is removed when it ends.
 *
 * @since 0.1.0
 */
export const benchStore = (
  options: { readonly candidates?: number } = {}
): Effect.Effect<
  BenchStoreResult,
  BenchStoreError,
  FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner
> =>
  Effect.scoped(
    Effect.gen(function* () {
      if ("Deno" in globalThis) {
        return yield* new BenchStoreError({
          reason: "runs under Node only (it starts the CLI with Node's tsx launcher)"
        })
      }
      const candidates = options.candidates ?? 1000
      if (!Number.isInteger(candidates) || candidates < 1) {
        return yield* new BenchStoreError({
          reason: `--candidates must be a positive integer, got ${candidates}`
        })
      }
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const repoRoot = yield* path
        .fromFileUrl(new URL("../../../..", import.meta.url))
        .pipe(
          Effect.mapError((error) => new BenchStoreError({ reason: `repository root: ${error.message}` }))
        )
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "spikernel-bench-store-" })
      const file = path.join(dir, "bench-store.ts")
      const store = path.join(dir, "store")
      // The pipeline file is an ES module outside any package.
      yield* fs.writeFileString(path.join(dir, "package.json"), '{ "type": "module" }\n')
      yield* fs.writeFileString(file, benchStorePipelineSource(candidates))

      const startup = yield* spikernel(repoRoot, ["--version"])
      const first = yield* runPipeline(repoRoot, file, store, "first")
      const size = yield* storeSize(store)
      const second = yield* runPipeline(repoRoot, file, store, "second")
      const sizeAfter = yield* storeSize(store)

      const recomputed = second.manifest.steps.filter((step) => step.status !== "cached")
      if (recomputed.length > 0) {
        return yield* new BenchStoreError({
          reason: `the second run of the finished pipeline was not all cached: ${recomputed
            .map((step) => `${step.name} ${step.status}`)
            .join(", ")}`
        })
      }
      const steps = second.manifest.steps.map((step) => ({
        name: step.name,
        kind: step.kind,
        status: step.status,
        seconds: step.seconds ?? 0
      }))
      const { startedAt, endedAt } = second.manifest
      return {
        candidates,
        firstRunSeconds: first.seconds,
        secondRunSeconds: second.seconds,
        secondRunStepsSeconds: steps.reduce((sum, step) => sum + step.seconds, 0),
        secondRunRunnerSeconds:
          endedAt === undefined ? 0 : (Date.parse(endedAt) - Date.parse(startedAt)) / 1000,
        startupSeconds: startup.seconds,
        targetSeconds,
        secondRunSteps: steps,
        storeBytes: size.total,
        journalBytes: size.journal,
        blobBytes: size.blobs,
        bytesPerCandidate: size.total / candidates,
        secondRunAddedBytes: sizeAfter.total - size.total
      }
    })
  ).pipe(
    Effect.catchTag("PlatformError", (error) =>
      Effect.fail(new BenchStoreError({ reason: `temporary directory: ${error.message}` }))
    )
  )

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`

/**
 * One line per figure, for the text form of `spikernel bench store`.
 *
 * @since 0.1.0
 */
export const renderBenchStore = (result: BenchStoreResult): string => {
  const met = result.secondRunSeconds < result.targetSeconds
  return [
    `store: a ${result.candidates}-candidate search (params scorer), run twice`,
    `  first run: ${result.firstRunSeconds.toFixed(2)} s (computes every candidate)`,
    `  second run: ${result.secondRunSeconds.toFixed(2)} s, every step cached (${result.secondRunSteps
      .map((step) => step.name)
      .join(", ")}) — target < ${result.targetSeconds} s: ${met ? "met" : "NOT met"}`,
    `    of which the runner ${result.secondRunRunnerSeconds.toFixed(3)} s, steps ${result.secondRunStepsSeconds.toFixed(3)} s; start-up alone (spikernel --version) ${result.startupSeconds.toFixed(2)} s`,
    `  store after the first run: ${kib(result.storeBytes)} (journal ${kib(result.journalBytes)}, blobs ${kib(result.blobBytes)}), ${result.bytesPerCandidate.toFixed(0)} bytes per candidate`,
    `  the second run added ${result.secondRunAddedBytes} bytes (the journal lines of its run manifest)`
  ].join("\n")
}
