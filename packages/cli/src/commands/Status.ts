/**
 * `spikernel status [<pipeline.ts>] [--store DIR] [--json]`: the runs recorded in a store (of one
 * pipeline file, when given), newest first: when each started and ended, whether it is still running,
 * and each step's status, with journaled candidates for unfinished searches. Reads without the lock.
 *
 * @since 0.1.0
 */
import { isAbsolute, resolve } from "node:path"
import { ConfigError } from "@spikernel/core"
import { Runner, Runs, Store, StoreLayout } from "@spikernel/pipeline"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"
import { type RunState, runState } from "../RunState.ts"
import { storeLayer } from "./Run.ts"

/**
 * One run as `status` shows it.
 *
 * @since 0.1.0
 */
export interface RunStatus {
  readonly runId: string
  readonly pipelineFile: string
  readonly startedAt: string
  readonly endedAt: string | undefined
  /** `finished`, `running` (its process is alive), or `stopped` (killed, or failed without a word). */
  readonly state: RunState
  readonly runtime: string
  readonly backend: string
  readonly steps: ReadonlyArray<{
    readonly name: string
    readonly kind: string
    readonly status: string
    readonly key: string
    /** For searches not done that have journaled candidates: how many, and the budget. */
    readonly candidates?: { readonly done: number; readonly budget: number }
  }>
  /** A rerun that found every step in the store. */
  readonly computedNothing: boolean
}

/**
 * @since 0.1.0
 */
export interface StatusOutput {
  readonly store: string
  readonly runs: ReadonlyArray<RunStatus>
  readonly usage: Store.Usage
  /** With `--cluster`: the workers connected to the cluster database. */
  readonly workers?: ReadonlyArray<{
    readonly name: string
    readonly address: string
    readonly slots: number
    readonly backend: string
    readonly done: number
    /** A candidate's score (step, index, architecture), or a whole train / evaluate step. */
    readonly running: ReadonlyArray<
      | { readonly step: string; readonly index: number; readonly architecture: string }
      | { readonly step: string; readonly kind: "train" | "evaluate" }
    >
    readonly secondsSinceHeartbeat: number
  }>
}

/**
 * Runs as `status` lists them: each run, except that reruns of one pipeline in a row that computed
 * nothing are one group.
 *
 * @since 0.1.0
 */
export const groupRuns = (runs: ReadonlyArray<RunStatus>): ReadonlyArray<ReadonlyArray<RunStatus>> => {
  const groups: Array<Array<RunStatus>> = []
  for (const run of runs) {
    const last = groups.at(-1)
    if (run.computedNothing && last?.[0].computedNothing && last[0].pipelineFile === run.pipelineFile)
      last.push(run)
    else groups.push([run])
  }
  return groups
}

const renderGroup = (group: ReadonlyArray<RunStatus>): ReadonlyArray<string> => {
  const [run] = group
  if (run.computedNothing) {
    const steps = `all ${run.steps.length} step${run.steps.length === 1 ? "" : "s"} cached`
    const before =
      group.length === 1
        ? ""
        : `; so did the ${group.length - 1} rerun${group.length === 2 ? "" : "s"} before it, back to ${group.at(-1)!.runId}`
    return [`${run.runId}  ${run.state}  ${run.pipelineFile}  computed nothing (${steps})${before}`]
  }
  const head = `${run.runId}  ${run.state}  ${run.pipelineFile}  (${run.runtime}, ${run.backend})`
  return [
    head,
    ...run.steps.map((step) => {
      const candidates =
        step.candidates === undefined
          ? ""
          : `  ${step.candidates.done}/${step.candidates.budget} candidates in the store`
      return `  ${step.name.padEnd(16)} ${step.kind.padEnd(8)} ${step.status}${candidates}`
    })
  ]
}

const render = (output: StatusOutput): string => {
  const lines = [
    `store ${output.store}: ${output.usage.entries} entries, journal ${output.usage.journalBytes} B, ${output.usage.blobs} blobs ${output.usage.blobBytes} B`
  ]
  if (output.runs.length === 0) lines.push("no runs")
  for (const group of groupRuns(output.runs)) lines.push(...renderGroup(group))
  if (output.workers !== undefined) {
    lines.push(
      output.workers.length === 0
        ? "no workers connected"
        : `${output.workers.length} worker${output.workers.length === 1 ? "" : "s"} connected`
    )
    for (const w of output.workers) {
      const running =
        w.running.length === 0
          ? "idle"
          : `running ${w.running
              .map((r) =>
                "kind" in r ? `${r.kind} step ${r.step}` : `candidate ${r.index} (${r.architecture})`
              )
              .join(", ")}`
      lines.push(
        `  ${w.name} at ${w.address}: ${w.slots} slot${w.slots === 1 ? "" : "s"}, ${w.backend}, ${w.done} done, ${running}`
      )
    }
  }
  return lines.join("\n")
}

/**
 * @since 0.1.0
 */
export const status = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "status" as string,
  {
    pipeline: Argument.String("pipeline").pipe(
      Argument.withDescription("Only the runs of this pipeline file"),
      Argument.optional
    ),
    limit: Flag.Int("limit").pipe(Flag.withDescription("Show at most this many runs"), Flag.withDefault(10)),
    store: Flags.store,
    cluster: Flags.cluster,
    json: Flags.json
  },
  Effect.fn("status")(function* ({ pipeline, limit, store, cluster, json }) {
    if (limit < 0)
      return yield* new ConfigError({
        source: "--limit",
        reason: `${limit} is not a count of runs (0 or more)`
      })
    const file = Option.map(pipeline, (path) => (isAbsolute(path) ? path : resolve(process.cwd(), path)))
    const output = yield* Effect.gen(function* () {
      const opened = yield* Store.Store
      const runs = yield* Runs.listRuns(Option.getOrUndefined(file))
      const statuses: Array<RunStatus> = []
      for (const { runId, manifest, damage } of runs) {
        const state = runState(runId, manifest, damage !== undefined)
        const steps: Array<RunStatus["steps"][number]> = []
        for (const step of manifest.steps) {
          const unfinished = step.status !== "cached" && step.status !== "computed"
          if (step.kind === "search" && unfinished) {
            const preimage = yield* Store.getValue(
              Runner.StepPreimageSchema,
              StoreLayout.preimageEntry(step.key)
            )
            const budget = Option.match(preimage, {
              onNone: () => undefined,
              onSome: (p) => (typeof p.params.budget === "number" ? p.params.budget : undefined)
            })
            const done = opened.entries(StoreLayout.recordPrefix(step.key)).length
            // A search that never started has nothing to count (no `pending 0/0`).
            const started = step.status !== "pending" || done > 0
            steps.push({
              name: step.name,
              kind: step.kind,
              status: step.status,
              key: step.key,
              ...(started && budget !== undefined ? { candidates: { done, budget } } : {})
            })
          } else {
            steps.push({ name: step.name, kind: step.kind, status: step.status, key: step.key })
          }
        }
        statuses.push({
          runId,
          pipelineFile: manifest.pipelineFile,
          startedAt: manifest.startedAt,
          endedAt: manifest.endedAt,
          state,
          runtime: `${manifest.runtime.name} ${manifest.runtime.version}`,
          backend: manifest.backend.backend,
          steps,
          computedNothing:
            state === "finished" &&
            manifest.steps.length > 0 &&
            manifest.steps.every((s) => s.status === "cached")
        })
      }
      // `--limit` counts what is listed: a group of reruns that computed nothing is one.
      const shown = groupRuns(statuses).slice(0, Math.max(0, limit)).flat()
      return { store: opened.root, runs: shown, usage: yield* opened.usage }
    }).pipe(Effect.provide(storeLayer(store, "read", "spikernel status")))
    const url = Flags.clusterUrl(cluster)
    if (url === undefined) return yield* emit(json, output, render)
    const { ClusterJobs, ClusterSettings } = yield* Effect.promise(() => import("@spikernel/cluster"))
    const settings = yield* ClusterSettings.fromEnv()
    const rows = yield* ClusterJobs.workers(url)
    const workers = rows
      .filter((w) => w.ageMs < settings.workerStale)
      .map((w) => ({
        name: w.name,
        address: w.address,
        slots: w.slots,
        backend: w.backend,
        done: w.done,
        running: w.running,
        secondsSinceHeartbeat: Math.round(w.ageMs) / 1000
      }))
    yield* emit(json, { ...output, workers }, render)
  })
).pipe(
  Command.withDescription("Show the runs in a store and how far each got"),
  Command.withExamples([
    { command: "spikernel status", description: "Every run in ./.spikernel" },
    { command: "spikernel status pipelines/quickstart.ts --json", description: "The runs of one pipeline" },
    {
      command: "spikernel status --cluster postgres://spikernel@db:5432/spikernel",
      description: "Also the workers connected to a cluster, their slots and what each is running"
    }
  ])
)
