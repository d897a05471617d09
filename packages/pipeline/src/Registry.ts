/**
 * The plugins and executors a pipeline can name, looked up by kind and id, with configs decoded by
 * each one's Schema before anything runs.
 *
 * The registry is passed in: the CLI assembles the built-in plugins of the Spikernel packages, and a
 * pipeline file may add its own (`pipeline({ plugins: [...] })`).
 *
 * @since 0.1.0
 */
import { ConfigError, Plugin } from "@spikernel/core"
import { Effect } from "effect"
import type { AnyExecutor } from "./Executor.ts"
import { jsonReporter } from "./JsonReporter.ts"
import type { ExecutorRef, PluginRef } from "./Step.ts"

/**
 * @since 0.1.0
 */
export interface Registry {
  readonly plugins: ReadonlyArray<Plugin.AnyPlugin>
  readonly executors: ReadonlyArray<AnyExecutor>
}

/**
 * The executors that ship with the pipeline package (the `json` reporter).
 *
 * @since 0.1.0
 */
export const builtinExecutors: ReadonlyArray<AnyExecutor> = [jsonReporter]

/**
 * A registry of plugins and executors (the built-in executors included).
 *
 * @since 0.1.0
 */
export const make = (
  plugins: ReadonlyArray<Plugin.AnyPlugin>,
  executors: ReadonlyArray<AnyExecutor> = []
): Registry => ({ plugins, executors: [...builtinExecutors, ...executors] })

/**
 * Both registries' entries; an entry present in both (the same object) counts once.
 *
 * @since 0.1.0
 */
export const merge = (a: Registry, b: Registry): Registry => ({
  plugins: [...new Set([...a.plugins, ...b.plugins])],
  executors: [...new Set([...a.executors, ...b.executors])]
})

/**
 * A plugin with its decoded config and the identity that enters cache keys.
 *
 * @since 0.1.0
 */
export interface ResolvedPlugin {
  readonly plugin: Plugin.AnyPlugin
  readonly config: unknown
  readonly identity: Plugin.Identity
}

/**
 * An executor with its decoded config and identity.
 *
 * @since 0.1.0
 */
export interface ResolvedExecutor {
  readonly executor: AnyExecutor
  readonly config: unknown
  readonly identity: Plugin.Identity
}

const pick = <A extends { readonly id: string; readonly version: number }>(
  candidates: ReadonlyArray<A>,
  what: string,
  ref: { readonly id: string; readonly version?: number },
  source: string
): Effect.Effect<A, ConfigError> => {
  const known = [...new Set(candidates.map((c) => c.id))].sort()
  const matching = candidates.filter((c) => c.id === ref.id)
  if (matching.length === 0) {
    return Effect.fail(
      new ConfigError({
        source,
        reason: `unknown ${what} "${ref.id}"; registered: ${known.length === 0 ? "none" : known.join(", ")}`
      })
    )
  }
  if (matching.length > 1) {
    return Effect.fail(
      new ConfigError({
        source,
        reason: `${what} "${ref.id}" is registered ${matching.length} times (versions ${matching.map((m) => m.version).join(", ")})`
      })
    )
  }
  const found = matching[0]
  if (ref.version !== undefined && ref.version !== found.version) {
    return Effect.fail(
      new ConfigError({
        source,
        reason: `${what} "${ref.id}" is pinned to version ${ref.version}, but version ${found.version} is registered`
      })
    )
  }
  return Effect.succeed(found)
}

/**
 * Finds a plugin of `kind` and decodes its config.
 *
 * @since 0.1.0
 */
export const resolvePlugin = (
  registry: Registry,
  kind: Plugin.PluginKind,
  ref: PluginRef,
  source: string
): Effect.Effect<ResolvedPlugin, ConfigError> =>
  Effect.gen(function* () {
    if (ref.kind !== undefined && ref.kind !== kind) {
      return yield* new ConfigError({
        source,
        reason: `expected a ${kind} plugin, got ${ref.kind} "${ref.id}"`
      })
    }
    const plugin = yield* pick(
      registry.plugins.filter((p) => p.kind === kind),
      kind,
      ref,
      source
    )
    const config = yield* Plugin.decodeStrict(
      plugin.config,
      ref.config ?? {},
      `${source}: ${Plugin.label(plugin)}`
    )
    return { plugin, config, identity: Plugin.identityOf(plugin, config) }
  })

/**
 * Finds the executor of a step kind and decodes its config.
 *
 * @since 0.1.0
 */
export const resolveExecutor = (
  registry: Registry,
  step: AnyExecutor["step"],
  ref: ExecutorRef,
  source: string
): Effect.Effect<ResolvedExecutor, ConfigError> =>
  Effect.gen(function* () {
    const executor = yield* pick(
      registry.executors.filter((e) => e.step === step),
      `${step} executor`,
      ref,
      source
    )
    const config = yield* Plugin.decodeStrict(
      executor.config,
      ref.config ?? {},
      `${source}: ${Plugin.label(executor)}`
    )
    return { executor, config, identity: Plugin.identityOf(executor, config) }
  })
