/**
 * `spikernel dashboard [--store DIR] [--port P] [--host H]`: a local web page over a store that
 * follows the runs while they go on (issue 20): the runs with their state, a run's steps, a search's
 * candidates and best-so-far plots. Read-only: it never writes the store and never takes its lock.
 * Prints the URL on stdout once listening (with `--json`, one document `{ "url": … }`); Ctrl-C stops it.
 *
 * @since 0.1.0
 */
import { ConfigError } from "@spikernel/core"
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as DashboardServer from "../dashboard/DashboardServer.ts"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"

/**
 * @since 0.1.0
 */
export const dashboard = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "dashboard" as string,
  {
    store: Flags.store,
    port: Flag.Int("port").pipe(
      Flag.withDescription("Port to listen on (0 takes a free one)"),
      Flag.withDefault(8520)
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription("Address to listen on (only this machine by default)"),
      Flag.withDefault("127.0.0.1")
    ),
    json: Flags.json
  },
  Effect.fn("dashboard")(function* ({ store, port, host, json }) {
    if (port < 0 || port > 65535)
      return yield* new ConfigError({ source: "--port", reason: `${port} is not a port (0 to 65535)` })
    const { url } = yield* DashboardServer.serve({ store, port, host })
    yield* emit(json, { url }, (listening) => listening.url)
    return yield* Effect.never
  }, Effect.scoped)
).pipe(
  Command.withDescription("Serve a live local web page over a store's runs (read-only)"),
  Command.withExamples([
    { command: "spikernel dashboard", description: "The runs in ./.spikernel at http://127.0.0.1:8520/" },
    {
      command: "spikernel dashboard --store /data/runs --port 0",
      description: "Another store, on a free port"
    }
  ])
)
