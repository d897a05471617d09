/**
 * The SQL client of the cluster database, from a cluster URL: an unreachable server or a wrong
 * user or database is one ClusterError naming the URL (password hidden) and what the server said.
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import { Cause, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { ClusterError } from "./ClusterError.ts"
import * as ClusterSettings from "./ClusterSettings.ts"

/**
 * @since 0.1.0
 */
export const layer = (url: string): Layer.Layer<SqlClient.SqlClient, ClusterError> =>
  Layer.unwrap(
    Effect.map(ClusterSettings.parseUrl(url), (db) => {
      const fail = (error: unknown) =>
        new ClusterError({
          reason: "connect",
          detail: `cannot use the cluster database ${ClusterSettings.describe(db)}: ${
            error instanceof Error ? error.message.split("\n")[0] : String(error)
          }`
        })
      const client = PgClient.layer({
        host: db.host,
        port: db.port,
        username: db.username,
        database: db.database,
        ...(db.password === undefined ? {} : { password: Redacted.make(db.password) }),
        connectTimeout: 5_000,
        applicationName: "spikernel"
      })
      // Connect now, so a wrong URL fails here in one line rather than at the first message.
      const checked = Layer.effectDiscard(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`SELECT 1`
        })
      ).pipe(Layer.provideMerge(client))
      return checked.pipe(
        Layer.catchCause((cause) => Layer.effectDiscard(Effect.fail(fail(Cause.squash(cause)))))
      ) as Layer.Layer<SqlClient.SqlClient, ClusterError>
    })
  )

/**
 * A failed statement as the `connect` ClusterError of `what` was being done (its first line).
 *
 * @since 0.1.0
 */
export const sqlFailure = (what: string) => (error: { readonly message: string }) =>
  new ClusterError({ reason: "connect", detail: `${what}: ${error.message.split("\n")[0]}` })

/**
 * Runs `create` (a `CREATE TABLE IF NOT EXISTS` of one of Spikernel's own tables) in a transaction
 * under one advisory lock: workers and runs start together, and PostgreSQL's `IF NOT EXISTS` is not
 * safe against a concurrent create.
 *
 * @since 0.1.0
 */
export const createTable = <E extends { readonly message: string }, R>(
  create: Effect.Effect<unknown, E, R>,
  what: string
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql
      .withTransaction(Effect.andThen(sql`SELECT pg_advisory_xact_lock(715215)`, create))
      .pipe(Effect.mapError(sqlFailure(what)))
  })
