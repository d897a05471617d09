/**
 * The runs connected to a cluster, and what becomes of the jobs of a run that is gone.
 *
 * A run (`spikernel run --cluster`) writes its row every heartbeat while it is connected and
 * deletes it when it stops. Its jobs stay in Effect Cluster's message table when it is stopped or
 * killed, so that the same run, started again, gets the stored replies instead of computing them
 * again. A worker that starts while no run is connected removes the jobs no worker has finished:
 * nobody waits for them, and computing them would keep the new worker from the next run's jobs
 * (a run started later computes such a candidate again, with the same result). Finished jobs'
 * replies are kept for a resume.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "./Database.ts"

const table = "spikernel_runs"

/**
 * Creates the table if it is not there (serialised by the advisory lock the workers table uses).
 *
 * @since 0.1.0
 */
export const ensure = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Database.createTable(
    sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
          name TEXT PRIMARY KEY,
          started_at TIMESTAMPTZ NOT NULL,
          seen_at TIMESTAMPTZ NOT NULL
        )`,
    "creating the runs table"
  )
})

/**
 * Writes a run's row (insert or refresh).
 *
 * @since 0.1.0
 */
export const beat = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO ${sql(table)} (name, started_at, seen_at) VALUES (${name}, now(), now())
      ON CONFLICT (name) DO UPDATE SET seen_at = now()`.pipe(
      Effect.mapError(Database.sqlFailure("writing the run's row"))
    )
  })

/**
 * Removes a run's row, and the rows of runs silent for longer than `staleMs`.
 *
 * @since 0.1.0
 */
export const remove = (name: string, staleMs: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DELETE FROM ${sql(table)} WHERE name = ${name}
      OR seen_at < now() - make_interval(secs => ${staleMs / 1000})`.pipe(
      Effect.mapError(Database.sqlFailure("removing run rows"))
    )
  })

/**
 * Deletes the unfinished jobs of `entityTypes` when no run has been seen within `staleMs`, in one
 * statement (a run writes its row before it sends a job, so a run that starts meanwhile keeps its
 * jobs). Returns how many were removed.
 *
 * @since 0.1.0
 */
export const dropAbandoned = (entityTypes: ReadonlyArray<string>, staleMs: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const exists = yield* sql<{
      readonly present: boolean
    }>`SELECT to_regclass('cluster_messages') IS NOT NULL AS present`.pipe(
      Effect.mapError(Database.sqlFailure("reading the cluster's messages"))
    )
    if (exists[0]?.present !== true) return 0
    const removed = yield* sql<{ readonly id: string }>`DELETE FROM cluster_messages
      WHERE entity_type IN ${sql.in(entityTypes)} AND NOT processed
      AND NOT EXISTS (SELECT 1 FROM ${sql(table)}
        WHERE seen_at >= now() - make_interval(secs => ${staleMs / 1000}))
      RETURNING id`.pipe(Effect.mapError(Database.sqlFailure("removing the jobs of runs that are gone")))
    return removed.length
  })
