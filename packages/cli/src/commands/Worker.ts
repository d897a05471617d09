/**
 * `spikernel worker --cluster postgres://USER@HOST:PORT/DB [--slots N] [--backend B] [--host H]
 * [--port P]`: a worker of a cluster — an Effect Cluster runner that computes the score jobs runs
 * send with `--cluster`, `--slots` at a time, each in its own worker thread. Runs until stopped
 * (Ctrl-C or SIGTERM: the candidates in flight finish first, up to 15 s).
 *
 * @since 0.1.0
 */
import { Builtins } from "@spikernel/snasnet"
import { BackendChoice } from "@spikernel/tensor"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { log } from "../Output.ts"

/**
 * @since 0.1.0
 */
export const worker = Command.make(
  "worker" as string,
  {
    cluster: Flags.cluster,
    slots: Flag.Int("slots").pipe(
      Flag.withDescription("How many candidates this worker computes at once (one thread each)"),
      Flag.withDefault(1)
    ),
    backend: Flag.Literals("backend", BackendChoice.literals).pipe(
      Flag.withDescription("Tensor backend of the compute threads"),
      Flag.withDefault("auto" as const)
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription("The address runs and other workers reach this worker at (default 127.0.0.1)"),
      Flag.optional
    ),
    port: Flag.Int("port").pipe(
      Flag.withDescription("The worker's port (default: a free one)"),
      Flag.optional
    )
  },
  Effect.fn("worker")(function* ({ cluster, slots, backend, host, port }) {
    const url = Flags.clusterUrl(cluster)
    if (url === undefined) {
      return yield* Effect.fail(
        new Error("worker: give the cluster database with --cluster postgres://USER@HOST:PORT/DB")
      )
    }
    const { ClusterWorker } = yield* Effect.promise(() => import("@spikernel/cluster"))
    return yield* ClusterWorker.run({
      url,
      slots,
      backend,
      host: Option.getOrUndefined(host),
      port: Option.getOrUndefined(port),
      registry: Builtins.registry,
      onReady: (name) =>
        log(`worker ${name}: ready, ${slots} slot${slots === 1 ? "" : "s"}, backend ${backend}`)
    })
  })
).pipe(
  Command.withDescription("Compute the candidates of runs started with --cluster (an Effect Cluster runner)"),
  Command.withExamples([
    {
      command: "spikernel worker --cluster postgres://spikernel@db:5432/spikernel --slots 2 --host 10.0.0.7",
      description: "A worker with two compute threads, reachable at 10.0.0.7"
    }
  ])
)
