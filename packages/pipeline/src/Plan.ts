/**
 * `plan`: what a run of a pipeline would do — which steps are cached, which are stale (and why:
 * the key changed against the last run of the same pipeline file), which have never run — and an
 * estimate of the work. Nothing is written; only data set descriptions are computed.
 *
 * @since 0.1.0
 */
import { CandidateRecord } from "@spikernel/core"
import { Effect, type FileSystem, Option, type Path } from "effect"
import { explainChange } from "./CacheKey.ts"
import type { Prepared } from "./Prepare.ts"
import type { Progress } from "./Progress.ts"
import { makeSession, StepPreimageSchema } from "./Runner.ts"
import { listRuns } from "./Runs.ts"
import type { StepKind } from "./Step.ts"
import type { StepError } from "./StepError.ts"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * One step of a plan.
 *
 * @since 0.1.0
 */
export interface PlanRow {
  readonly name: string
  readonly kind: StepKind
  readonly key: string
  /** `cached`: its output is stored; `partial`: a search with journaled candidates; `stale`: its key
   * changed since the last run of this pipeline; `run`: never computed in this store. */
  readonly status: "cached" | "partial" | "stale" | "run"
  readonly reasons: ReadonlyArray<string>
  /** Units of work: candidates for a search, 1 for other steps. */
  readonly total: number
  readonly done: number
  /** Seconds the remaining work should take, from candidates measured in this store. */
  readonly estimateSeconds: number | undefined
}

/**
 * @since 0.1.0
 */
export interface PlanResult {
  readonly pipelineFile: string
  /** The run the staleness reasons compare against. */
  readonly previousRun: string | undefined
  readonly rows: ReadonlyArray<PlanRow>
  readonly candidatesToScore: number
  readonly stepsToRun: number
  readonly estimateSeconds: number | undefined
}

/** Mean wall seconds of the candidates a step computed itself (not reused). */
const secondsPerCandidate = (stepKey: string) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    let total = 0
    let count = 0
    for (const entry of store.entries(StoreLayout.recordPrefix(stepKey))) {
      const record = yield* Store.getValue(CandidateRecord.CandidateRecord, entry.key)
      if (Option.isNone(record) || record.value.cached) continue
      total += record.value.seconds
      count++
    }
    return count === 0 ? undefined : total / count
  })

/**
 * Plans a prepared pipeline against the store.
 *
 * @since 0.1.0
 */
export const plan = (
  prepared: Prepared,
  pipelineFile: string
): Effect.Effect<
  PlanResult,
  StepError | StoreError,
  Store.Store | Progress | FileSystem.FileSystem | Path.Path
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const store = yield* Store.Store
      const session = yield* makeSession(prepared, "plan")
      const keyed = yield* session.keyAll
      const previous = (yield* listRuns(pipelineFile))[0]
      const rows: Array<PlanRow> = []
      /** Steps a run would compute again although the store holds them (damaged, or made from one). */
      const repaired = new Set<string>()
      for (const { step, key, preimage } of keyed) {
        const previousKey = previous?.manifest.steps.find((s) => s.name === step.name)?.key
        const total = step.kind === "search" ? step.search!.budget : 1
        const changedData = step.kind === "load" ? session.dataChanges(step.name) : undefined
        if (changedData !== undefined) {
          rows.push({
            name: step.name,
            kind: step.kind,
            key,
            status: "stale",
            reasons: [`data changed: ${changedData.join(", ")}`],
            total,
            done: 0,
            estimateSeconds: 0
          })
          continue
        }
        const repairedInput = step.upstream.find(({ name }) => repaired.has(name))?.name
        const verified = repairedInput === undefined ? yield* session.verify(step.name) : {}
        if (repairedInput !== undefined || verified.problem !== undefined) {
          repaired.add(step.name)
          rows.push({
            name: step.name,
            kind: step.kind,
            key,
            status: "stale",
            reasons: [verified.problem ?? `made from "${repairedInput}", which is computed again`],
            total,
            done: 0,
            estimateSeconds: undefined
          })
          continue
        }
        if (verified.value !== undefined || session.wasComputed(step.name)) {
          rows.push({
            name: step.name,
            kind: step.kind,
            key,
            status: "cached",
            reasons: [],
            total,
            done: total,
            estimateSeconds: 0
          })
          continue
        }
        const done = step.kind === "search" ? store.entries(StoreLayout.recordPrefix(key)).length : 0
        const perCandidate =
          step.kind !== "search"
            ? undefined
            : ((yield* secondsPerCandidate(key)) ??
              (previousKey === undefined ? undefined : yield* secondsPerCandidate(previousKey)))
        const estimateSeconds = perCandidate === undefined ? undefined : perCandidate * (total - done)
        if (done > 0) {
          rows.push({
            name: step.name,
            kind: step.kind,
            key,
            status: "partial",
            reasons: [`${done} of ${total} candidates journaled`],
            total,
            done,
            estimateSeconds
          })
          continue
        }
        if (previousKey !== undefined && previousKey !== key) {
          const before = yield* Store.getValue(StepPreimageSchema, StoreLayout.preimageEntry(previousKey))
          const names = Object.fromEntries(step.upstream.map((u) => [u.role, u.name]))
          const dataset = step.upstream.find((u) => u.role === "dataset")?.name
          const files = dataset === undefined ? undefined : session.dataChanges(dataset)
          const reasons = (
            Option.isSome(before) ? explainChange(before.value, preimage, names) : ["its key changed"]
          ).map((reason) =>
            reason === "dataset fingerprint changed" && files !== undefined
              ? `data changed: ${files.join(", ")}`
              : reason
          )
          rows.push({
            name: step.name,
            kind: step.kind,
            key,
            status: "stale",
            reasons,
            total,
            done,
            estimateSeconds
          })
          continue
        }
        rows.push({
          name: step.name,
          kind: step.kind,
          key,
          status: "run",
          reasons: [previousKey === key ? "the last run did not finish it" : "not in the store"],
          total,
          done,
          estimateSeconds
        })
      }
      const pending = rows.filter((row) => row.status !== "cached")
      const estimates = pending.filter((row) => row.kind === "search").map((row) => row.estimateSeconds)
      return {
        pipelineFile,
        previousRun: previous?.runId,
        rows,
        candidatesToScore: pending
          .filter((row) => row.kind === "search")
          .reduce((sum, row) => sum + row.total - row.done, 0),
        stepsToRun: pending.length,
        estimateSeconds: estimates.some((e) => e === undefined)
          ? undefined
          : estimates.reduce<number>((sum, e) => sum + (e ?? 0), 0)
      }
    })
  )
