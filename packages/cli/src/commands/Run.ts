/**
 * `spikernel run <pipeline.ts> [--backend B] [--store DIR] [--json]`: runs a pipeline, or resumes it
 * where it stopped (DESIGN.md §5). Progress goes to stderr (redrawn on a terminal, plain lines
 * otherwise, JSON lines with `--json`); stdout gets the per-step summary, or with `--json` one
 * document `{ runId, manifest, results }`. Ctrl-C stops after the candidates in flight are journaled.
 *
 * Also home of what `plan`, `status` and `gc` share: the plugin registry seam and the store layer.
 *
 * @since 0.1.0
 */
import {
  PipelineFile,
  Prepare,
  Progress,
  type Registry,
  Runner,
  StepError,
  Store,
  type StoreError,
  type StoreLocked
} from "@spikernel/pipeline"
import { Backend, BackendChoice } from "@spikernel/tensor"
import { Context, Effect, type FileSystem, Layer, Logger } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { Builtins } from "@spikernel/snasnet"
import * as Flags from "../Flags.ts"
import * as Typecheck from "../Typecheck.ts"
import { emit, log } from "../Output.ts"
import { resumeCommand } from "../ResumeCommand.ts"

/**
 * The plugins and executors pipelines can name: `@spikernel/snasnet`'s registry of every built-in.
 * A pipeline file may bring more of its own (`pipeline({ plugins, executors })`).
 *
 * @since 0.1.0
 */
export const pluginRegistry: Registry.Registry = Builtins.registry

/**
 * A store directory as a layer; corruption and lock takeovers are reported on stderr.
 *
 * @since 0.1.0
 */
export const storeLayer = (
  root: string,
  mode: "read" | "write" | "plan",
  command: string,
  report: (line: string) => Effect.Effect<void> = log
): Layer.Layer<Store.Store, StoreError | StoreLocked, FileSystem.FileSystem> =>
  Store.layer({ root, mode, command, report })

/**
 * Type-checks (unless told not to), imports and prepares a pipeline file (every config decoded,
 * every step's inputs of the kinds it takes) against the registry.
 *
 * @since 0.1.0
 */
export const preparePipeline = (file: string, options: { readonly typecheck?: boolean } = {}) =>
  Effect.gen(function* () {
    if (options.typecheck !== false) {
      const checked = yield* Typecheck.typecheck(file)
      yield* Effect.logDebug(`type-checked ${file} in ${checked.seconds.toFixed(1)} s (${checked.checker})`)
    }
    const loaded = yield* PipelineFile.loadPipelineFile(file)
    const prepared = yield* Prepare.prepare(loaded.pipeline, pluginRegistry, file)
    return { loaded, prepared }
  })

/**
 * Progress on stderr: a live block on a terminal, plain lines otherwise, JSON lines for `--json`;
 * log lines are printed above the block. `resume` is the command a stopped run prints.
 *
 * @since 0.1.0
 */
export const progressLayer = (json: boolean, resume?: string): Layer.Layer<Progress.Progress> =>
  Progress.layerWriter({
    mode: json ? "json" : process.stderr.isTTY ? "tty" : "lines",
    write: (text) => void process.stderr.write(text),
    columns: () => process.stderr.columns,
    ...(resume === undefined ? {} : { resumeCommand: resume })
  })

/** The `note` of each result that has one (the html reporter's: the pick and where the report is). */
const notes = (result: Runner.RunResult): ReadonlyArray<string> =>
  Object.values(result.results).flatMap((value) => {
    const note =
      typeof value === "object" && value !== null ? (value as { readonly note?: unknown }).note : undefined
    return typeof note === "string" ? [note] : []
  })

const wallTime = (manifest: Runner.RunResult["manifest"]): string =>
  manifest.endedAt === undefined
    ? ""
    : ` (wall time ${((Date.parse(manifest.endedAt) - Date.parse(manifest.startedAt)) / 1000).toFixed(1)} s)`

/**
 * The summary of a finished run; each step was printed as it finished, so only the counts: `4 steps:
 * 3 computed, 1 cached; run … in … (wall time 5.5 s)`, then the results' notes (where the report is).
 *
 * @since 0.1.0
 */
export const render = (result: Runner.RunResult): string => {
  const steps = result.manifest.steps
  const counts = (["computed", "cached"] as const)
    .map((status) => [status, steps.filter((step) => step.status === status).length] as const)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
  return [
    `${steps.length} step${steps.length === 1 ? "" : "s"}: ${counts.join(", ") || "none"}; run ${result.runId} in ${result.manifest.store}${wallTime(result.manifest)}`,
    ...notes(result)
  ].join("\n")
}

/**
 * Score jobs on the cluster at `url` (imported only when asked for: the SQL driver and the cluster
 * runtime stay out of an in-process run's start-up).
 *
 * @since 0.1.0
 */
const clusterJobs = (url: string) =>
  Layer.unwrap(
    Effect.promise(() => import("@spikernel/cluster")).pipe(
      Effect.map(({ ClusterJobs }) =>
        ClusterJobs.layer(url, {
          onPlacement: (text) =>
            log(text === "" ? "cluster: nothing in flight" : `cluster: in flight ${text}`)
        })
      )
    )
  )

/**
 * @since 0.1.0
 */
export const run = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "run" as string,
  {
    pipeline: Argument.String("pipeline").pipe(Argument.withDescription("The pipeline file (.ts)")),
    backend: Flag.Literals("backend", BackendChoice.literals).pipe(
      Flag.withDescription(
        "Tensor backend: auto (node-gpu, node, wasm in that order), node-gpu, node, wasm, cpu"
      ),
      Flag.withDefault("auto" as const)
    ),
    computeKernels: Flags.computeKernels,
    store: Flags.store,
    typecheck: Flags.typecheck,
    cluster: Flags.cluster,
    json: Flags.json
  },
  Effect.fn("run")(
    function* ({ pipeline, backend, computeKernels, store, typecheck, cluster, json }) {
      const url = Flags.clusterUrl(cluster)
      const { loaded, prepared } = yield* preparePipeline(pipeline, { typecheck })
      const compute: Runner.Compute = Effect.gen(function* () {
        const context = yield* Layer.build(
          Backend.layer({ backend, ...Flags.computeKernelsOption(computeKernels) })
        )
        const { info } = Context.get(context, Backend)
        return { context, backend: info }
      }).pipe(Effect.mapError((error) => new StepError({ step: "backend", reason: error.message })))
      const result = yield* Runner.run({
        prepared,
        pipelineFile: loaded.path,
        pipelineHash: loaded.hash,
        backend: {
          backend: `${backend} (not started: no step computed)`,
          tfjsVersion: "",
          threads: 0,
          simd: false
        },
        compute
      }).pipe(
        Effect.provide(
          Layer.merge(
            // Text output: store reports (a lock taken over as the store opens, too) are warnings,
            // printed by the progress's logger, above the live block like every log line.
            storeLayer(store, "write", `spikernel run ${pipeline}`, json ? log : Effect.logWarning).pipe(
              Layer.provideMerge(progressLayer(json, resumeCommand(process.argv.slice(2), process.env)))
            ),
            url === undefined ? Layer.empty : clusterJobs(url)
          )
        )
      )
      yield* emit(json, result, render)
    },
    Effect.provideService(Logger.LogToStderr, true)
  )
).pipe(
  Command.withDescription("Run a pipeline, or resume it where it stopped"),
  Command.withExamples([
    { command: "spikernel run pipelines/quickstart.ts", description: "Run (or resume) the quickstart" },
    {
      command: "spikernel run pipelines/quickstart.ts --backend wasm --store /data/runs --json",
      description: "On the wasm backend, into another store, with a JSON result"
    },
    {
      command: "spikernel run pipelines/quickstart.ts --cluster postgres://spikernel@db:5432/spikernel",
      description: "Score candidates on the workers of a cluster (spikernel worker --cluster …)"
    }
  ])
)
