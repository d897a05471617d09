/**
 * What `spikernel dashboard` shows, read from a store without writing it: the runs with their state,
 * each run's steps with theirs and their progress, and each search's candidates with its best-so-far
 * series and plots (the static report's Vega-Lite specs). Every value is read through the store's
 * checks and decoded with the Schema it was written with; the views are Schemas too (the JSON API).
 *
 * Each look reopens the store in read mode: the journal is parsed afresh (a torn last record, the
 * trace of an append in progress, is left out until it is complete; a corrupt line is reported and
 * skipped), and no lock is taken.
 *
 * @since 0.1.0
 */
import { Architecture, CandidateRecord } from "@spikernel/core"
import {
  Runner,
  Runs,
  Store,
  type StoreError,
  type StoreLocked,
  StoreLayout,
  StepOutput
} from "@spikernel/pipeline"
import { Reports } from "@spikernel/snasnet"
import { Effect, type FileSystem, Option, Schema } from "effect"
import { runState } from "../RunState.ts"

// ------------------------------------------------------------------------------------------- views

/**
 * A step's state on the dashboard: `running` is a pending step of a live run whose inputs are done.
 *
 * @since 0.1.0
 */
export const StepState = Schema.Literals(["cached", "running", "done", "failed", "interrupted", "pending"])

/**
 * @since 0.1.0
 */
export type StepState = typeof StepState.Type

/**
 * @since 0.1.0
 */
export const StepView = Schema.Struct({
  name: Schema.String,
  kind: Schema.String,
  key: Schema.String,
  state: StepState,
  seconds: Schema.optionalKey(Schema.Finite),
  /** A search's journaled candidates against its budget. */
  progress: Schema.optionalKey(Schema.Struct({ done: Schema.Int, total: Schema.Int, unit: Schema.String })),
  error: Schema.optionalKey(Schema.String)
})

/**
 * @since 0.1.0
 */
export type StepView = typeof StepView.Type

/**
 * @since 0.1.0
 */
export const RunView = Schema.Struct({
  runId: Schema.String,
  pipelineFile: Schema.String,
  startedAt: Schema.String,
  endedAt: Schema.optionalKey(Schema.String),
  state: Schema.Literals(["finished", "running", "stopped", "failed", "interrupted", "damaged"]),
  backend: Schema.String,
  steps: Schema.Array(StepView)
})

/**
 * @since 0.1.0
 */
export type RunView = typeof RunView.Type

/**
 * The runs of a store, newest first, and what reading it found wrong.
 *
 * @since 0.1.0
 */
export const Overview = Schema.Struct({
  store: Schema.String,
  /** Rises by one each time the store is seen to have changed. */
  version: Schema.Int,
  runs: Schema.Array(RunView),
  /** One line per problem the store reported while it was read (a corrupt journal line, …). */
  problems: Schema.Array(Schema.String)
})

/**
 * @since 0.1.0
 */
export type Overview = typeof Overview.Type

/**
 * One candidate of a search, as its table shows it.
 *
 * @since 0.1.0
 */
export const CandidateView = Schema.Struct({
  index: Schema.Int,
  /** `forward[1,3]:0302 0030 3003 0000`. */
  architecture: Schema.String,
  kernels: Schema.String,
  /** The primary scorer's value; null when not finite (or refused by a memory budget). */
  score: Schema.NullOr(Schema.Finite),
  params: Schema.Int,
  seconds: Schema.Finite,
  /** `paid` when computed in the run that journaled it, `reused` when taken from the store. */
  source: Schema.Literals(["paid", "reused"]),
  rejected: Schema.optionalKey(Schema.String)
})

/**
 * @since 0.1.0
 */
export type CandidateView = typeof CandidateView.Type

const Point = Schema.Struct({ x: Schema.Finite, best: Schema.Finite })

/**
 * A search step: its candidates, its best score so far (vs candidates and vs paid seconds) and the
 * report's best-so-far plots of it.
 *
 * @since 0.1.0
 */
export const SearchView = Schema.Struct({
  key: Schema.String,
  strategy: Schema.String,
  scorer: Schema.String,
  budget: Schema.Int,
  candidates: Schema.Array(CandidateView),
  bestByCandidates: Schema.Array(Point),
  bestBySeconds: Schema.Array(Point),
  plots: Schema.Array(
    Schema.Struct({ id: Schema.String, title: Schema.String, caption: Schema.String, spec: Schema.Json })
  )
})

/**
 * @since 0.1.0
 */
export type SearchView = typeof SearchView.Type

// ---------------------------------------------------------------------------------------- reading

/**
 * The store at `root` as it stands now, opened read-only (its journal parsed once: the snapshot
 * every view of one look is made from); its reports are collected, not printed.
 *
 * @since 0.1.0
 */
export const openStore = (
  root: string
): Effect.Effect<
  { readonly store: Store.StoreShape; readonly problems: ReadonlyArray<string> },
  StoreError | StoreLocked,
  FileSystem.FileSystem
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const problems: Array<string> = []
      const store = yield* Store.make({
        root,
        mode: "read",
        report: (line) => Effect.sync(() => void problems.push(line))
      })
      return { store, problems }
    })
  )

const budgetOf = (preimage: Option.Option<typeof Runner.StepPreimageSchema.Type>): number | undefined =>
  Option.match(preimage, {
    onNone: () => undefined,
    onSome: (p) => (typeof p.params.budget === "number" ? p.params.budget : undefined)
  })

const preimageOf = (key: string) => Store.getValue(Runner.StepPreimageSchema, StoreLayout.preimageEntry(key))

/**
 * The runs of the store, newest first, with each step's state and progress.
 *
 * @since 0.1.0
 */
export const runViews: Effect.Effect<ReadonlyArray<RunView>, StoreError, Store.Store> = Effect.gen(
  function* () {
    const store = yield* Store.Store
    const views: Array<RunView> = []
    for (const { runId, manifest, damage } of yield* Runs.listRuns()) {
      const state = runState(runId, manifest, damage !== undefined)
      const doneKeys = new Set(
        manifest.steps.filter((s) => s.status === "cached" || s.status === "computed").map((s) => s.key)
      )
      const steps: Array<StepView> = []
      for (const step of manifest.steps) {
        const preimage = yield* preimageOf(step.key)
        const inputsDone = Option.match(preimage, {
          onNone: () => false,
          onSome: (p) => p.upstream.every((u) => doneKeys.has(u.key))
        })
        const stepState: StepState =
          step.status === "cached"
            ? "cached"
            : step.status === "computed"
              ? "done"
              : step.status === "failed"
                ? "failed"
                : step.status === "interrupted"
                  ? "interrupted"
                  : state === "running" && inputsDone
                    ? "running"
                    : "pending"
        const budget = step.kind === "search" ? budgetOf(preimage) : undefined
        const done = store.entries(StoreLayout.recordPrefix(step.key)).length
        steps.push({
          name: step.name,
          kind: step.kind,
          key: step.key,
          state: stepState,
          ...(step.seconds === undefined ? {} : { seconds: step.seconds }),
          ...(budget === undefined
            ? {}
            : { progress: { done: Math.min(done, budget), total: budget, unit: "candidates" } }),
          ...(step.error === undefined ? {} : { error: step.error.message })
        })
      }
      views.push({
        runId,
        pipelineFile: manifest.pipelineFile,
        startedAt: manifest.startedAt,
        ...(manifest.endedAt === undefined ? {} : { endedAt: manifest.endedAt }),
        state,
        backend: manifest.backend.backend,
        steps
      })
    }
    return views
  }
)

/** The candidate records of a search step in index order: journaled ones, else the step's output. */
const recordsOf = (key: string) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const records: Array<CandidateRecord.CandidateRecord> = []
    for (const entry of store.entries(StoreLayout.recordPrefix(key))) {
      const record = yield* Store.getValue(CandidateRecord.CandidateRecord, entry.key)
      if (Option.isSome(record)) records.push(record.value)
    }
    if (records.length === 0) {
      const output = yield* Store.getValue(StepOutput.SearchResult, StoreLayout.stepEntry(key))
      if (Option.isSome(output)) records.push(...output.value.records)
    }
    return records.sort((a, b) => a.index - b.index)
  })

const roleId = (preimage: typeof Runner.StepPreimageSchema.Type, role: string): string | undefined => {
  const plugin = preimage.plugins.find((p) => p.role === role)
  return plugin === undefined ? undefined : `${plugin.id}@${plugin.version}`
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null)

/**
 * A search step's candidates, best-so-far series and plots; none when the key is no search step.
 *
 * @since 0.1.0
 */
export const searchView = (
  key: string,
  pipeline: string
): Effect.Effect<Option.Option<SearchView>, StoreError, Store.Store> =>
  Effect.gen(function* () {
    const preimage = yield* preimageOf(key)
    if (Option.isNone(preimage) || preimage.value.kind !== "search") return Option.none()
    const scorer = roleId(preimage.value, "scorer") ?? "score"
    const strategy = roleId(preimage.value, "strategy") ?? "strategy"
    const records = yield* recordsOf(key)
    const budget = budgetOf(preimage) ?? records.length
    const first = records[0]
    const run: Reports.ReportInput.SearchRun | undefined =
      first === undefined
        ? undefined
        : {
            strategy: strategy.slice(0, strategy.lastIndexOf("@")),
            cellType: first.architecture.cellType,
            kernels: first.architecture.kernels,
            seed: Math.max(0, preimage.value.seed ?? 0),
            scorer,
            budget: Math.max(1, budget),
            candidates: records
          }
    const candidates = records.map((record): CandidateView => {
      const score = run === undefined ? Number.NaN : Reports.BestSoFar.candidateScore(run, record)
      return {
        index: record.index,
        architecture: Architecture.architectureLabel(record.architecture),
        kernels: `{${record.architecture.kernels.join(",")}}`,
        score: record.rejected === undefined ? finiteOrNull(score) : null,
        params: record.params,
        seconds: record.seconds,
        source: record.cached ? "reused" : "paid",
        ...(record.rejected === undefined ? {} : { rejected: record.rejected.reason })
      }
    })
    const series = run === undefined ? undefined : Reports.BestSoFar.searchSeries(pipeline, [run], false)
    const points = (axis: "byCandidates" | "bySeconds") =>
      series === undefined ? [] : series[axis].map((p) => ({ x: p.x, best: p.median }))
    const plots =
      series === undefined
        ? []
        : (["candidates", "seconds"] as const).flatMap((axis) => {
            const plot = Reports.PlotSpecs.bestSoFarSpec([series], axis, { several: false })
            return typeof plot === "string"
              ? []
              : [
                  {
                    id: plot.id,
                    title: plot.title,
                    caption: plot.caption,
                    // The spec is JSON by construction: canonical data rows and literal options.
                    spec: JSON.parse(JSON.stringify(plot.spec)) as Schema.Json
                  }
                ]
          })
    return Option.some({
      key,
      strategy,
      scorer,
      budget,
      candidates,
      bestByCandidates: points("byCandidates"),
      bestBySeconds: points("bySeconds"),
      plots
    })
  })

/**
 * The pipeline file's base name a search belongs to (the plots' series name), from the runs.
 *
 * @since 0.1.0
 */
export const pipelineOfStep = (runs: ReadonlyArray<RunView>, key: string): string => {
  const run = runs.find((r) => r.steps.some((s) => s.key === key))
  if (run === undefined) return "pipeline"
  const file = run.pipelineFile
  return file.slice(file.lastIndexOf("/") + 1).replace(/\.ts$/, "")
}
