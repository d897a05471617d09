/**
 * Plugin descriptors: what every plugin module exports next to its Layer constructor.
 *
 * `id@version` and the canonical JSON of the encoded config enter every cache key (DESIGN.md §3):
 * bump `version` whenever a plugin's outputs change meaning.
 *
 * @since 0.1.0
 */
import { Effect, type Layer, Schema } from "effect"
import { canonicalJson } from "./CanonicalJson.ts"
import { ConfigError } from "./Errors.ts"

/**
 * The plugin kinds of DESIGN.md §2.
 *
 * @since 0.1.0
 */
export const PluginKind = Schema.Literals([
  "DatasetLoader",
  "Encoder",
  "NeuronModel",
  "SearchSpace",
  "SearchStrategy",
  "Scorer",
  "Selector"
])

/**
 * @since 0.1.0
 */
export type PluginKind = typeof PluginKind.Type

/**
 * A plugin: its kind, identity, config schema and a constructor returning the Layer of its service.
 *
 * @since 0.1.0
 */
export interface Plugin<Kind extends PluginKind, Config, ConfigEncoded, Service, E = never, R = never> {
  readonly kind: Kind
  readonly id: string
  readonly version: number
  readonly description: string
  readonly config: Schema.Codec<Config, ConfigEncoded>
  readonly layer: (config: Config) => Layer.Layer<Service, E, R>
}

/**
 * Any plugin, for registries and lists.
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds plugins of every config and service type
export type AnyPlugin = Plugin<PluginKind, any, any, any, any, any>

/**
 * Decodes a plugin's config from unknown input, with an error naming the plugin.
 *
 * @since 0.1.0
 */
export const decodeConfig = <P extends AnyPlugin>(
  plugin: P,
  input: unknown
): Effect.Effect<
  P extends Plugin<PluginKind, infer C, infer _E, infer _S, infer _X, infer _R> ? C : never,
  ConfigError
> =>
  Schema.decodeUnknownEffect(plugin.config)(input).pipe(
    Effect.mapError(
      (issue) =>
        new ConfigError({ source: `${plugin.kind} ${plugin.id}@${plugin.version}`, reason: issue.message })
    )
  )

/**
 * The identity of a configured plugin as it enters a cache key: `id@version` and the canonical JSON
 * of its encoded config.
 *
 * @since 0.1.0
 */
export const pluginIdentity = <C, CE>(
  plugin: { readonly id: string; readonly version: number; readonly config: Schema.Codec<C, CE> },
  config: C
): string => `${plugin.id}@${plugin.version}:${canonicalJson(Schema.encodeSync(plugin.config)(config))}`
