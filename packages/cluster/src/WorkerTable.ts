/**
 * Spikernel's table of connected workers, beside Effect Cluster's own: each worker writes its row
 * every heartbeat — its slots, code version (key version and plugin list), the shards it holds
 * and the candidates it is running — and deletes it when it stops cleanly. The run reads it to send
 * each job to a worker with a free slot (load balancing) and to refuse workers of another code
 * version; `spikernel status --cluster` prints it. A row not refreshed for `workerStale` is a
 * dead worker's, and is ignored (and removed by the next worker that starts).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { ClusterError } from "./ClusterError.ts"
import * as Database from "./Database.ts"

/**
 * One job a worker is computing: a candidate's score (its step, index and architecture), or a
 * whole `train` / `evaluate` step.
 *
 * @since 0.1.0
 */
export const Running = Schema.Union([
  Schema.Struct({ step: Schema.String, index: Schema.Int, architecture: Schema.String }),
  Schema.Struct({ step: Schema.String, kind: Schema.Literals(["train", "evaluate"]) })
])

/**
 * @since 0.1.0
 */
export type Running = typeof Running.Type

/**
 * @since 0.1.0
 */
export const WorkerRow = Schema.Struct({
  name: Schema.String,
  address: Schema.String,
  slots: Schema.Int,
  keyVersion: Schema.Int,
  /** `kind/id@version` of every plugin the worker can run. */
  plugins: Schema.Array(Schema.String),
  backend: Schema.String,
  /** Shard numbers (group `default`) this worker holds now. */
  shards: Schema.Array(Schema.Int),
  running: Schema.Array(Running),
  done: Schema.Int,
  startedAt: Schema.String,
  /** Milliseconds since the row was written, by the database's clock. */
  ageMs: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type WorkerRow = typeof WorkerRow.Type

const table = "spikernel_workers"

/**
 * Creates the table if it is not there (serialised by an advisory lock: workers start together).
 *
 * @since 0.1.0
 */
export const ensure = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* Database.createTable(
    sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
          name TEXT PRIMARY KEY,
          address TEXT NOT NULL,
          slots INT NOT NULL,
          key_version INT NOT NULL,
          plugins JSONB NOT NULL,
          backend TEXT NOT NULL,
          shards JSONB NOT NULL,
          running JSONB NOT NULL,
          done INT NOT NULL,
          started_at TIMESTAMPTZ NOT NULL,
          seen_at TIMESTAMPTZ NOT NULL
        )`,
    "creating the workers table"
  )
})

/**
 * Writes a worker's row (insert or update).
 *
 * @since 0.1.0
 */
export const beat = (row: Omit<WorkerRow, "ageMs" | "startedAt">) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO ${sql(table)}
        (name, address, slots, key_version, plugins, backend, shards, running, done, started_at, seen_at)
      VALUES (${row.name}, ${row.address}, ${row.slots}, ${row.keyVersion}, ${JSON.stringify(row.plugins)}::jsonb,
        ${row.backend}, ${JSON.stringify(row.shards)}::jsonb, ${JSON.stringify(row.running)}::jsonb, ${row.done}, now(), now())
      ON CONFLICT (name) DO UPDATE SET address = EXCLUDED.address, slots = EXCLUDED.slots,
        key_version = EXCLUDED.key_version, plugins = EXCLUDED.plugins, backend = EXCLUDED.backend,
        shards = EXCLUDED.shards, running = EXCLUDED.running, done = EXCLUDED.done, seen_at = now()`.pipe(
      Effect.mapError(Database.sqlFailure("writing the worker's row"))
    )
  })

/**
 * Removes a worker's row, and the rows of workers silent for longer than `staleMs`.
 *
 * @since 0.1.0
 */
export const remove = (name: string, staleMs: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DELETE FROM ${sql(table)} WHERE name = ${name}
      OR seen_at < now() - make_interval(secs => ${staleMs / 1000})`.pipe(
      Effect.mapError(Database.sqlFailure("removing worker rows"))
    )
  })

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(WorkerRow))

/**
 * Every worker row, with its age; `[]` when no worker ever connected (no table yet).
 *
 * @since 0.1.0
 */
export const list = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const exists = yield* sql<{
    readonly present: boolean
  }>`SELECT to_regclass(${table}) IS NOT NULL AS present`.pipe(
    Effect.mapError(Database.sqlFailure("reading the workers table"))
  )
  if (exists[0]?.present !== true) return [] as ReadonlyArray<WorkerRow>
  const rows = yield* sql<Record<string, unknown>>`SELECT name, address, slots, key_version, plugins, backend,
      shards, running, done, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started,
      (extract(epoch FROM now() - seen_at) * 1000)::float8 AS age
    FROM ${sql(table)} ORDER BY name`.pipe(Effect.mapError(Database.sqlFailure("reading the workers table")))
  return yield* decodeRows(
    rows.map((r) => ({
      name: r.name,
      address: r.address,
      slots: r.slots,
      keyVersion: r.key_version,
      plugins: r.plugins,
      backend: r.backend,
      shards: r.shards,
      running: r.running,
      done: r.done,
      startedAt: r.started,
      ageMs: Number(r.age)
    }))
  ).pipe(
    Effect.mapError(
      (error) =>
        new ClusterError({ reason: "message", detail: `a worker row does not decode: ${error.message}` })
    )
  )
})
