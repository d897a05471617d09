/**
 * DatasetLoader plugins: a core `Plugin` descriptor plus `decode`, which hands over the decoded data
 * itself (for `spikernel data inspect` and benchmarks), and the loader service built on it.
 *
 * The service decodes lazily, once: building the Layer reads nothing, the first `info` or `batches`
 * decodes (and a failure fails every later use the same way, with no partial data), and the
 * fingerprint is hashed once, on the first `info`.
 *
 * @since 0.1.0
 */
import { DatasetLoader, type Plugin } from "@spikernel/core"
import { Effect, type FileSystem, Layer, type Schema, Stream } from "effect"
import type { Augmentation } from "./Augmentation.ts"
import * as Batches from "./Batches.ts"
import type { DecodedDataset } from "./Dataset.ts"
import { fingerprint } from "./Fingerprint.ts"

/**
 * @since 0.1.0
 */
export interface DatasetPlugin<Config, ConfigEncoded, R = FileSystem.FileSystem>
  extends Plugin.Plugin<"DatasetLoader", Config, ConfigEncoded, DatasetLoader.DatasetLoader, never, R> {
  /** Decodes the whole data set. */
  readonly decode: (config: Config) => Effect.Effect<DecodedDataset, DatasetLoader.DatasetError, R>
  /** The augmentation a config asks for on the train split. */
  readonly augmentation: (config: Config) => Augmentation
}

/**
 * The info a loader reports for decoded data.
 *
 * @since 0.1.0
 */
export const infoOf = (dataset: DecodedDataset, hash: string): DatasetLoader.DatasetInfo => ({
  name: dataset.name,
  imageShape: [...dataset.imageShape],
  classes: dataset.classes,
  trainSize: dataset.train.size,
  testSize: dataset.test.size,
  mean: [...dataset.normalisation.mean],
  std: [...dataset.normalisation.std],
  fingerprint: hash
})

/**
 * The loader service over a decoding effect, decoding at most once.
 *
 * @since 0.1.0
 */
export const makeLoader = (
  decode: Effect.Effect<DecodedDataset, DatasetLoader.DatasetError>,
  augmentation: Augmentation,
  sources?: Effect.Effect<ReadonlyArray<string>, DatasetLoader.DatasetError>
): Effect.Effect<DatasetLoader.DatasetLoader["Service"]> =>
  Effect.gen(function* () {
    const dataset = yield* Effect.cached(decode)
    const hash = yield* Effect.cached(Effect.map(dataset, fingerprint))
    return {
      info: Effect.zipWith(dataset, hash, infoOf),
      batches: (options) =>
        Stream.unwrap(Effect.map(dataset, (decoded) => Batches.stream(decoded, augmentation, options))),
      ...(sources === undefined ? {} : { sources })
    }
  })

/**
 * Builds a plugin from its identity, config schema and decoder.
 *
 * @since 0.1.0
 */
export const make = <Config, ConfigEncoded, R = FileSystem.FileSystem>(options: {
  readonly id: string
  readonly version: number
  readonly description: string
  readonly config: Schema.Codec<Config, ConfigEncoded>
  readonly decode: (config: Config) => Effect.Effect<DecodedDataset, DatasetLoader.DatasetError, R>
  readonly augmentation: (config: Config) => Augmentation
  /** The files a config reads (absent for generated data): the loader's `sources`. */
  readonly sources?: (config: Config) => Effect.Effect<ReadonlyArray<string>, DatasetLoader.DatasetError, R>
}): DatasetPlugin<Config, ConfigEncoded, R> => ({
  kind: "DatasetLoader",
  ...options,
  layer: (config) =>
    Layer.effect(
      DatasetLoader.DatasetLoader,
      Effect.gen(function* () {
        const context = yield* Effect.context<R>()
        return yield* makeLoader(
          Effect.provideContext(options.decode(config), context),
          options.augmentation(config),
          options.sources === undefined ? undefined : Effect.provideContext(options.sources(config), context)
        )
      })
    )
})
