/**
 * The registry of the benchmark's workers: the built-in one and the `wait` scorer. Its compute
 * threads load this module (`ClusterWorker` `threadRegistry`).
 */
import type { Registry as RegistryType } from "@spikernel/pipeline"
import { Builtins } from "@spikernel/snasnet"
import { waitScorer } from "./WaitScorer.ts"

export const registry: RegistryType.Registry = {
  plugins: [...Builtins.registry.plugins, waitScorer],
  executors: Builtins.registry.executors
}
