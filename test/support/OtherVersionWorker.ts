/**
 * A worker of another code version, for test/Cluster.test.ts: the built-in registry with the
 * `params` scorer's version one higher (as a worker started from a newer checkout would have), run
 * as `spikernel worker` runs it. `node --import tsx test/support/OtherVersionWorker.ts URL`.
 */
import { ClusterWorker } from "@spikernel/cluster"
import type { Registry } from "@spikernel/pipeline"
import { Builtins } from "@spikernel/snasnet"
import { Effect } from "effect"

const url = process.argv[2]!
const registry: Registry.Registry = {
  plugins: Builtins.registry.plugins.map((plugin) =>
    plugin.kind === "Scorer" && plugin.id === "params" ? { ...plugin, version: plugin.version + 1 } : plugin
  ),
  executors: Builtins.registry.executors
}

Effect.runFork(
  ClusterWorker.run({
    url,
    slots: 1,
    backend: "wasm",
    registry,
    onReady: (name) =>
      Effect.sync(() => console.error(`worker ${name}: ready (params scorer one version ahead)`))
  })
)
