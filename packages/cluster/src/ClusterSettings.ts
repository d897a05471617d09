/**
 * Where the cluster is and how quickly it notices a dead worker.
 *
 * The URL is `postgres://USER[:PASSWORD]@HOST:PORT/DB`. The timing settings are Effect Cluster's
 * (`ShardingConfig`), with defaults chosen so that a `kill -9`'d worker's candidates run elsewhere
 * within about 15 s: its shard locks expire after `lockExpiration` (12 s), and the survivors, who
 * look for free shards every `assignmentsRefresh` (1 s) and read unprocessed messages every
 * `messagePoll` (0.5 s), take them over. Effect's defaults (35 s lock expiration, 10 s polls) would
 * take about 40 s. Every setting can be overridden by an environment variable in milliseconds:
 *
 * | setting | variable | default |
 * |---|---|---|
 * | lockExpiration | SPIKERNEL_CLUSTER_LOCK_EXPIRATION_MS | 12000 |
 * | lockRefresh | SPIKERNEL_CLUSTER_LOCK_REFRESH_MS | 4000 |
 * | healthCheck | SPIKERNEL_CLUSTER_HEALTH_CHECK_MS | 2000 |
 * | messagePoll | SPIKERNEL_CLUSTER_MESSAGE_POLL_MS | 500 |
 * | replyPoll | SPIKERNEL_CLUSTER_REPLY_POLL_MS | 200 |
 * | assignmentsRefresh | SPIKERNEL_CLUSTER_ASSIGNMENTS_REFRESH_MS | 1000 |
 * | heartbeat | SPIKERNEL_CLUSTER_HEARTBEAT_MS | 1000 |
 * | workerStale | SPIKERNEL_CLUSTER_WORKER_STALE_MS | 5000 |
 *
 * `lockExpiration` must stay above any stall of a worker's event loop (compute runs in worker
 * threads, so the loop only does I/O); `heartbeat` and `workerStale` are Spikernel's own worker
 * table (`spikernel status`, and which workers the run sends to).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ClusterError } from "./ClusterError.ts"

/**
 * A PostgreSQL server and database, from the cluster URL.
 *
 * @since 0.1.0
 */
export const Database = Schema.Struct({
  host: Schema.String,
  port: Schema.Int,
  username: Schema.String,
  password: Schema.optionalKey(Schema.String),
  database: Schema.String
})

/**
 * @since 0.1.0
 */
export type Database = typeof Database.Type

/**
 * The database of a `postgres://USER[:PASSWORD]@HOST:PORT/DB` URL; a ClusterError naming what is
 * wrong otherwise.
 *
 * @since 0.1.0
 */
export const parseUrl = (url: string): Effect.Effect<Database, ClusterError> =>
  Effect.suspend(() => {
    const fail = (why: string) =>
      Effect.fail(
        new ClusterError({
          reason: "url",
          detail: `cluster URL ${JSON.stringify(url)}: ${why}; expected postgres://USER@HOST:PORT/DB`
        })
      )
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return fail("not a URL")
    }
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
      return fail(`scheme "${parsed.protocol.replace(/:$/, "")}" is not postgres`)
    if (parsed.username === "") return fail("no user")
    if (parsed.hostname === "") return fail("no host")
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""))
    if (database === "" || database.includes("/")) return fail("no database name")
    const port = parsed.port === "" ? 5432 : Number(parsed.port)
    return Effect.succeed({
      host: parsed.hostname,
      port,
      username: decodeURIComponent(parsed.username),
      ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
      database
    })
  })

/**
 * The URL with any password hidden, for messages.
 *
 * @since 0.1.0
 */
export const describe = (db: Database): string =>
  `postgres://${db.username}@${db.host}:${db.port}/${db.database}`

/**
 * Timing settings, in milliseconds.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly lockExpiration: number
  readonly lockRefresh: number
  readonly healthCheck: number
  readonly messagePoll: number
  readonly replyPoll: number
  readonly assignmentsRefresh: number
  readonly heartbeat: number
  readonly workerStale: number
}

/**
 * @since 0.1.0
 */
export const defaults: Settings = {
  lockExpiration: 12_000,
  lockRefresh: 4_000,
  healthCheck: 2_000,
  messagePoll: 500,
  replyPoll: 200,
  assignmentsRefresh: 1_000,
  heartbeat: 1_000,
  workerStale: 5_000
}

const variable = (name: string) =>
  `SPIKERNEL_CLUSTER_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_MS`

/**
 * The defaults with the environment's overrides (`SPIKERNEL_CLUSTER_*_MS`).
 *
 * @since 0.1.0
 */
export const fromEnv = (env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.gen(function* () {
    const out: Record<string, number> = { ...defaults }
    for (const name of Object.keys(defaults)) {
      const raw = env[variable(name)]
      if (raw === undefined || raw === "") continue
      const value = Number(raw)
      if (!Number.isSafeInteger(value) || value <= 0) {
        return yield* new ClusterError({
          reason: "setting",
          detail: `${variable(name)}=${raw} is not a positive whole number of milliseconds`
        })
      }
      out[name] = value
    }
    if (out.lockRefresh >= out.lockExpiration) {
      return yield* new ClusterError({
        reason: "setting",
        detail: `lock refresh (${out.lockRefresh} ms) must be shorter than lock expiration (${out.lockExpiration} ms)`
      })
    }
    return out as unknown as Settings
  })

/**
 * The Effect Cluster settings these give.
 *
 * @since 0.1.0
 */
export const shardingConfig = (settings: Settings) => ({
  shardLockExpiration: settings.lockExpiration,
  shardLockRefreshInterval: settings.lockRefresh,
  runnerHealthCheckInterval: settings.healthCheck,
  entityMessagePollInterval: settings.messagePoll,
  entityReplyPollInterval: settings.replyPoll,
  refreshAssignmentsInterval: settings.assignmentsRefresh
})
