/**
 * Dataset specs as written on the command line and in pipelines: `name:path` for data on disk
 * (`cifar10:/data/cifar-10-batches-bin`) or a bundled name (`fashion-mnist-mini`, `synthetic`).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "./Errors.ts"

/**
 * The data sets with an on-disk loader.
 *
 * @since 0.1.0
 */
export const DiskDatasetName = Schema.Literals([
  "cifar10",
  "cifar100",
  "tinyimagenet",
  "fashion-mnist",
  "mnist"
])

/**
 * The data sets that ship with Spikernel or are generated.
 *
 * @since 0.1.0
 */
export const BundledDatasetName = Schema.Literals(["fashion-mnist-mini", "synthetic"])

/**
 * @since 0.1.0
 */
export const DatasetSpec = Schema.Union([
  Schema.Struct({ name: DiskDatasetName, path: Schema.String }),
  Schema.Struct({ name: BundledDatasetName })
])

/**
 * @since 0.1.0
 */
export type DatasetSpec = typeof DatasetSpec.Type

/**
 * Parses `name:path` or a bundled name.
 *
 * @since 0.1.0
 */
export const parseDatasetSpec = (
  text: string,
  source = "dataset"
): Effect.Effect<DatasetSpec, ConfigError> => {
  const colon = text.indexOf(":")
  const name = colon < 0 ? text : text.slice(0, colon)
  const disk = DiskDatasetName.literals as ReadonlyArray<string>
  const bundled = BundledDatasetName.literals as ReadonlyArray<string>
  if (colon < 0) {
    if (bundled.includes(name)) return Effect.succeed({ name: name as DatasetSpec["name"] } as DatasetSpec)
    if (disk.includes(name)) {
      return Effect.fail(
        new ConfigError({ source, reason: `"${name}" needs a directory: write ${name}:DIR` })
      )
    }
  } else if (disk.includes(name)) {
    const path = text.slice(colon + 1)
    if (path.length === 0)
      return Effect.fail(new ConfigError({ source, reason: `"${text}" has an empty path` }))
    return Effect.succeed({ name: name as (typeof disk)[number], path } as DatasetSpec)
  } else if (bundled.includes(name)) {
    return Effect.fail(new ConfigError({ source, reason: `"${name}" is bundled and takes no path` }))
  }
  return Effect.fail(
    new ConfigError({
      source,
      reason: `unknown dataset "${name}"; expected one of ${[...disk.map((d) => `${d}:DIR`), ...bundled].join(", ")}`
    })
  )
}

/**
 * Writes a spec back in its command-line form.
 *
 * @since 0.1.0
 */
export const formatDatasetSpec = (spec: DatasetSpec): string =>
  "path" in spec ? `${spec.name}:${spec.path}` : spec.name
