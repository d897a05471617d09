/**
 * A worker of the cluster benchmark: `spikernel worker` with the `wait` scorer in its registry.
 * `node --import tsx scripts/cluster-bench/Worker.ts URL [BACKEND]`.
 */
import { ClusterWorker } from "@spikernel/cluster"
import { Effect } from "effect"
import { registry } from "./Registry.ts"

Effect.runFork(
  ClusterWorker.run({
    url: process.argv[2]!,
    slots: 1,
    backend: (process.argv[3] ?? "wasm") as "wasm",
    registry,
    threadRegistry: new URL("./Registry.ts", import.meta.url).href,
    onReady: (name) => Effect.sync(() => console.error(`worker ${name}: ready`))
  })
)
