/**
 * The runs recorded in a store: their manifests, newest first.
 *
 * @since 0.1.0
 */
import { RunManifest } from "@spikernel/core"
import { Effect, Option, Schema } from "effect"
import * as Store from "./Store.ts"
import type { StoreError } from "./StoreError.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * A run and its manifest.
 *
 * @since 0.1.0
 */
export interface RecordedRun {
  readonly runId: string
  readonly manifest: RunManifest.RunManifest
  /** Set when a record of this run's manifest was found out of order in the journal. */
  readonly damage?: { readonly line: number; readonly reason: string }
}

const Damage = Schema.Struct({ line: Schema.Int, reason: Schema.String })

/**
 * Every run in the store, newest first (optionally only those of one pipeline file).
 *
 * @since 0.1.0
 */
export const listRuns = (
  pipelineFile?: string
): Effect.Effect<ReadonlyArray<RecordedRun>, StoreError, Store.Store> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const runs: Array<RecordedRun> = []
    for (const entry of store.entries(StoreLayout.runPrefix)) {
      const manifest = yield* Store.getValue(RunManifest.RunManifest, entry.key)
      if (Option.isNone(manifest)) continue
      if (pipelineFile !== undefined && manifest.value.pipelineFile !== pipelineFile) continue
      const damage = yield* Store.getValue(Damage, `damage/${entry.key}`)
      runs.push({
        runId: entry.key.slice(StoreLayout.runPrefix.length),
        manifest: manifest.value,
        ...(Option.isSome(damage) ? { damage: damage.value } : {})
      })
    }
    return runs.sort((a, b) =>
      a.manifest.startedAt < b.manifest.startedAt ? 1 : a.manifest.startedAt > b.manifest.startedAt ? -1 : 0
    )
  })

/**
 * The pid a run id was made with (`<startedAt>-<pid>`).
 *
 * @since 0.1.0
 */
export const runPid = (runId: string): number => Number(runId.slice(runId.lastIndexOf("-") + 1))
