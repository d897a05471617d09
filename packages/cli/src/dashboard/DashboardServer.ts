/**
 * The dashboard's HTTP server (Effect's `HttpRouter` on Node's `http` server): the page, its
 * script, Vega and Vega-Lite from node_modules, a JSON API over the store and server-sent events.
 *
 * ```
 * GET /                      the page                 GET /api/overview      runs, steps, problems
 * GET /app.js                its script               GET /api/search/:key   a search's candidates
 * GET /vendor/vega*.min.js   Vega, Vega-Lite          GET /api/events        SSE: an `overview` per change
 * ```
 *
 * Live updates come from a watch of the store directory (the journal is appended, or replaced by a
 * repair or gc): each burst of events is coalesced for `settleMs`, then the journal's size and time
 * are compared with the last look, and only a change reloads the store and pushes a new overview.
 * One look parses the journal once: the overview and the search views of its version come from
 * the same snapshot (a search view is made when first asked for, then kept until the next look).
 * Nothing is polled. The store is only ever opened read-only.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import { createRequire } from "node:module"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Store, type StoreError, type StoreLocked } from "@spikernel/pipeline"
import {
  Context,
  Duration,
  Effect,
  FileSystem,
  Layer,
  Option,
  Queue,
  Schema,
  type Scope,
  Stream,
  SubscriptionRef
} from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import * as DashboardData from "./DashboardData.ts"
import * as DashboardPage from "./DashboardPage.ts"

/**
 * Why the dashboard could not start or serve.
 *
 * @since 0.1.0
 */
export class DashboardError extends Schema.TaggedError<DashboardError>()("DashboardError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `dashboard: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 */
export interface DashboardOptions {
  readonly store: string
  readonly host: string
  /** 0 takes a free port. */
  readonly port: number
  /** How long a burst of file events is left to settle before the store is looked at (default 100). */
  readonly settleMs?: number
}

interface Look {
  readonly overview: DashboardData.Overview
  /** The store as read for this overview: search views of the same version come from it too. */
  readonly store: Store.StoreShape
  /** The journal's size and modification time when it was read: what a change is told by. */
  readonly stamp: string
}

const encodeOverview = Schema.encodeSync(DashboardData.Overview)

/** The package directory of an installed package (its `exports` hide `build/`). */
const packageDirectory = (name: string): string | undefined => {
  try {
    const main = createRequire(import.meta.url).resolve(name)
    const at = main.lastIndexOf(`/node_modules/${name}/`)
    return at < 0 ? undefined : main.slice(0, at + `/node_modules/${name}`.length)
  } catch {
    return undefined
  }
}

/** The files `/vendor/:file` serves, by name: Vega's and Vega-Lite's browser builds. */
const vendorFile = (file: string): string | undefined => {
  const name = file === "vega.min.js" ? "vega" : file === "vega-lite.min.js" ? "vega-lite" : undefined
  const directory = name === undefined ? undefined : packageDirectory(name)
  return directory === undefined ? undefined : `${directory}/build/${file}`
}

/**
 * The store's overview kept current by a file watch, and the server over it; the URL it listens on.
 *
 * @since 0.1.0
 */
export const serve = (
  options: DashboardOptions
): Effect.Effect<
  { readonly url: string },
  DashboardError | StoreError | StoreLocked,
  FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = options.store.replace(/\/+$/, "") || "/"
    const journal = `${root}/journal`
    const stampNow = fs.stat(journal).pipe(
      Effect.map((info) => `${info.size}:${Option.getOrElse(info.mtime, () => new Date(0)).getTime()}`),
      Effect.orElseSucceed(() => "none")
    )
    const look = (version: number) =>
      Effect.gen(function* () {
        const stamp = yield* stampNow
        const { store, problems } = yield* DashboardData.openStore(root)
        const runs = yield* Effect.provideService(DashboardData.runViews, Store.Store, store)
        return { stamp, store, overview: { store: root, version, runs, problems } } satisfies Look
      })

    // The first look fails on a path that is no store: the caller's one-line error.
    const current = yield* SubscriptionRef.make<Look>(yield* look(1))

    const changed = yield* Queue.sliding<void>(1)
    yield* fs.watch(root).pipe(
      Stream.runForEach(() => Queue.offer(changed, undefined)),
      Effect.catch((error) => Effect.logWarning(`dashboard: watching ${root} stopped: ${error.message}`)),
      Effect.forkScoped
    )
    const settle = Duration.millis(options.settleMs ?? 100)
    yield* Effect.gen(function* () {
      yield* Queue.take(changed)
      yield* Effect.sleep(settle)
      yield* Queue.clear(changed)
      const before = yield* SubscriptionRef.get(current)
      if ((yield* stampNow) === before.stamp) return
      const next = yield* look(before.overview.version + 1)
      yield* SubscriptionRef.set(current, next)
    }).pipe(
      Effect.catch((error) => Effect.logWarning(`dashboard: ${error.message}`)),
      Effect.forever,
      Effect.forkScoped
    )

    // A search's view, recomputed only when the store has changed since it was last asked for.
    const searches = new Map<string, { readonly version: number; readonly view: DashboardData.SearchView }>()
    const searchView = (key: string) =>
      Effect.gen(function* () {
        const { overview, store } = yield* SubscriptionRef.get(current)
        const cached = searches.get(key)
        if (cached !== undefined && cached.version === overview.version) return Option.some(cached.view)
        const pipeline = DashboardData.pipelineOfStep(overview.runs, key)
        const value = yield* Effect.provideService(
          DashboardData.searchView(key, pipeline),
          Store.Store,
          store
        )
        if (Option.isSome(value)) searches.set(key, { version: overview.version, view: value.value })
        return value
      })

    const vendorCache = new Map<string, Option.Some<Uint8Array>>()
    const encoder = new TextEncoder()
    const sse = (look: Look) =>
      encoder.encode(`event: overview\ndata: ${JSON.stringify(encodeOverview(look.overview))}\n\n`)
    const events = Stream.merge(
      SubscriptionRef.changes(current).pipe(Stream.map(sse)),
      // A comment now and then keeps proxies and idle timeouts from closing the stream.
      Stream.tick(Duration.seconds(15)).pipe(Stream.map(() => encoder.encode(": keep-alive\n\n")))
    )

    const text = (body: string, contentType: string) =>
      HttpServerResponse.text(body, { contentType, headers: { "cache-control": "no-store" } })
    const notFound = (what: string) => HttpServerResponse.text(`${what}\n`, { status: 404 })

    const routes = Layer.mergeAll(
      HttpRouter.add("GET", "/", text(DashboardPage.html, "text/html; charset=utf-8")),
      HttpRouter.add("GET", "/app.js", text(DashboardPage.script, "text/javascript; charset=utf-8")),
      HttpRouter.add(
        "GET",
        "/vendor/:file",
        Effect.gen(function* () {
          const { file } = yield* HttpRouter.params
          const path = file === undefined ? undefined : vendorFile(file)
          if (path === undefined) return notFound("no such file")
          // Read once and kept (under 1 MiB together); `HttpServerResponse.file` trips Node's
          // deprecation warning for `OutgoingMessage._headers` (effect 4.1).
          const bytes = vendorCache.get(path) ?? (yield* fs.readFile(path).pipe(Effect.option))
          if (Option.isNone(bytes)) return notFound(`${file} is not installed`)
          vendorCache.set(path, bytes)
          return HttpServerResponse.uint8Array(bytes.value, {
            contentType: "text/javascript; charset=utf-8",
            headers: { "cache-control": "max-age=3600" }
          })
        })
      ),
      HttpRouter.add(
        "GET",
        "/api/overview",
        Effect.flatMap(SubscriptionRef.get(current), ({ overview }) =>
          HttpServerResponse.schemaJson(DashboardData.Overview)(overview)
        ).pipe(Effect.orDie)
      ),
      HttpRouter.add(
        "GET",
        "/api/search/:key",
        Effect.gen(function* () {
          const { key } = yield* HttpRouter.params
          if (key === undefined || !/^[0-9a-f]{64}$/.test(key)) return notFound("not a step key")
          const view = yield* searchView(key)
          if (Option.isNone(view)) return notFound(`no search step ${key}`)
          return yield* HttpServerResponse.schemaJson(DashboardData.SearchView)(view.value)
        }).pipe(Effect.orDie)
      ),
      HttpRouter.add(
        "GET",
        "/api/events",
        HttpServerResponse.stream(events, {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-store", connection: "keep-alive" }
        })
      )
    )

    const context = yield* Layer.build(
      HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }).pipe(
        Layer.provideMerge(
          NodeHttpServer.layer(createServer, {
            port: options.port,
            host: options.host,
            // Open event streams would hold Ctrl-C up for the default 20 s.
            gracefulShutdownTimeout: Duration.millis(200)
          })
        )
      )
    ).pipe(
      Effect.catchTag("ServeError", (error) => {
        const code = (error.cause as { readonly code?: unknown } | undefined)?.code
        return Effect.fail(
          new DashboardError({
            reason:
              code === "EADDRINUSE"
                ? `port ${options.port} on ${options.host} is in use (--port 0 takes a free one)`
                : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
                  ? `cannot listen on ${options.host} (not an address of this machine)`
                  : `cannot listen on ${options.host}:${options.port}: ${String((error.cause as Error | undefined)?.message ?? error.cause)}`
          })
        )
      })
    )
    // `http://127.0.0.1:8520/`, with the port the system chose for `--port 0`.
    const formatted = HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)
    const url = formatted.endsWith("/") ? formatted : `${formatted}/`
    return { url }
  })
