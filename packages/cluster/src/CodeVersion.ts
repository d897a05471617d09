/**
 * What a worker can run, as the workers table records it and the run checks it: the cache-key
 * version, `kind/id@version` of every plugin and `kind-executor/id@version` of every step executor
 * in the worker's registry.
 *
 * @since 0.1.0
 */
import { CacheKey, type Registry } from "@spikernel/pipeline"

/**
 * `kind/id@version` of a plugin.
 *
 * @since 0.1.0
 */
export const pluginLabel = (plugin: {
  readonly kind: string
  readonly id: string
  readonly version: number
}): string => `${plugin.kind}/${plugin.id}@${plugin.version}`

/**
 * `kind-executor/id@version` of a step executor (as a run's manifest lists it).
 *
 * @since 0.1.0
 */
export const executorLabel = (executor: {
  readonly step: string
  readonly id: string
  readonly version: number
}): string => `${executor.step}-executor/${executor.id}@${executor.version}`

/**
 * @since 0.1.0
 */
export const of = (registry: Registry.Registry) => ({
  keyVersion: CacheKey.keyVersion,
  plugins: [
    ...new Set([...registry.plugins.map(pluginLabel), ...registry.executors.map(executorLabel)])
  ].sort()
})

/**
 * Why a worker of this code version cannot run jobs that need `needed` (labels), or undefined.
 *
 * @since 0.1.0
 */
export const mismatch = (
  worker: { readonly keyVersion: number; readonly plugins: ReadonlyArray<string> },
  needed: { readonly keyVersion: number; readonly plugins: ReadonlyArray<string> }
): string | undefined => {
  if (worker.keyVersion !== needed.keyVersion)
    return `its cache keys are version ${worker.keyVersion}, the run's are version ${needed.keyVersion}`
  const have = new Set(worker.plugins)
  const missing = needed.plugins.filter((label) => !have.has(label))
  if (missing.length === 0) return undefined
  const first = missing[0]
  const prefix = first.slice(0, first.lastIndexOf("@") + 1)
  const other = worker.plugins.find((label) => label.startsWith(prefix))
  return other === undefined
    ? `it has no ${first}`
    : `it has ${other.slice(other.indexOf("/") + 1)}, the run needs ${first.slice(first.indexOf("/") + 1)}`
}
