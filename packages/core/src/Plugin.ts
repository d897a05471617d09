/**
 * Plugin descriptors: what every plugin module exports next to its Layer constructor.
 *
 * A configured plugin's identity — `{ id, version, config }`, the config in its encoded JSON form —
 * enters every cache key as structured data, hashed as canonical JSON (DESIGN.md §3): bump `version`
 * whenever a plugin's outputs change meaning. Configs are decoded strictly: an unknown key is an
 * error that names it and the known ones, never silently dropped (a typo would otherwise run the
 * default under the default's key).
 *
 * @since 0.1.0
 */
import { Effect, type Layer, Schema, SchemaAST, type SchemaIssue } from "effect"
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
 * A configured plugin (or step executor) as it enters cache keys and records: its id, version and
 * encoded config.
 *
 * @since 0.1.0
 */
export const Identity = Schema.Struct({
  id: Schema.String,
  version: Schema.Int,
  config: Schema.Json
})

/**
 * @since 0.1.0
 */
export type Identity = typeof Identity.Type

/**
 * `sahd@1`: how messages and records name a configured plugin.
 *
 * @since 0.1.0
 */
export const label = (identity: { readonly id: string; readonly version: number }): string =>
  `${identity.id}@${identity.version}`

const keyList = (ast: SchemaAST.AST): ReadonlyArray<string> =>
  SchemaAST.isObjects(ast) ? ast.propertySignatures.map((p) => String(p.name)).sort() : []

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key) => (typeof key === "number" ? `[${key}]` : String(key))).join(".")

/** Every unknown key of an issue tree, with its path and the keys its object accepts. */
const unknownKeys = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey> = []
): ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly known: ReadonlyArray<string> }> => {
  switch (issue._tag) {
    case "Pointer":
      if (issue.issue._tag === "UnexpectedKey") {
        return [{ path: [...path, ...issue.path], known: keyList(issue.issue.ast) }]
      }
      return unknownKeys(issue.issue, [...path, ...issue.path])
    case "Composite":
    case "AnyOf":
      return issue.issues.flatMap((inner) => unknownKeys(inner, path))
    case "Filter":
    case "Encoding":
      return unknownKeys(issue.issue, path)
    default:
      return []
  }
}

/**
 * One line for a decoding issue: the unknown keys by name with the keys their object accepts, or
 * the issue's own message joined onto one line.
 *
 * @since 0.1.0
 */
export const describeIssue = (error: Schema.SchemaError): string => {
  const unknown = unknownKeys(error.issue)
  if (unknown.length === 0)
    return error.message
      .split("\n")
      .map((line) => line.trim())
      .join("; ")
  return unknown
    .map(({ path, known }) => {
      const name = pathText(path)
      return `unknown key "${name}"${known.length === 0 ? "" : ` (known: ${known.join(", ")})`}`
    })
    .join("; ")
}

/**
 * Decodes a config strictly: unknown keys are refused (every one of them named), and the failure is
 * a ConfigError from `source` with {@link describeIssue}'s line.
 *
 * @since 0.1.0
 */
export const decodeStrict = <A, I, RD>(
  schema: Schema.Codec<A, I, RD>,
  input: unknown,
  source: string
): Effect.Effect<A, ConfigError, RD> =>
  Schema.decodeUnknownEffect(schema)(input, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError((error) => new ConfigError({ source, reason: describeIssue(error) }))
  )

/**
 * Decodes a plugin's config from unknown input, strictly, with an error naming the plugin.
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
  decodeStrict(plugin.config, input, `${plugin.kind} ${label(plugin)}`) as Effect.Effect<
    P extends Plugin<PluginKind, infer C, infer _E, infer _S, infer _X, infer _R> ? C : never,
    ConfigError
  >

/**
 * The identity of a configured plugin or executor: id, version and the encoded config.
 *
 * @since 0.1.0
 */
export const identityOf = <C, CE>(
  plugin: { readonly id: string; readonly version: number; readonly config: Schema.Codec<C, CE> },
  config: C
): Identity => ({
  id: plugin.id,
  version: plugin.version,
  config: Schema.encodeSync(plugin.config)(config) as Schema.Json
})
