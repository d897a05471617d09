/**
 * Every DatasetLoader plugin of this package, and the way from a `DatasetSpec` (`cifar10:DIR`,
 * `fashion-mnist-mini`, …) to a configured loader: its identity for cache keys, its Layer, and its
 * decoded data.
 *
 * @since 0.1.0
 */
import { type DatasetLoader, type DatasetSpec, Plugin } from "@spikernel/core"
import { Effect, type FileSystem, Layer } from "effect"
import type { Augmentation } from "./Augmentation.ts"
import { cifar10, cifar100 } from "./Cifar.ts"
import type { DecodedDataset } from "./Dataset.ts"
import type { DatasetPlugin } from "./DatasetPlugin.ts"
import { fashionMnistMini } from "./FashionMnistMini.ts"
import { fashionMnist, mnist } from "./Mnist.ts"
import { synthetic } from "./Synthetic.ts"
import { tinyImageNet } from "./TinyImageNet.ts"

/**
 * The plugins, registered explicitly (no import side effects).
 *
 * @since 0.1.0
 */
export const plugins = [
  cifar10,
  cifar100,
  tinyImageNet,
  mnist,
  fashionMnist,
  fashionMnistMini,
  synthetic
] as const

/**
 * A loader chosen and configured: everything callers need without knowing its config type.
 *
 * @since 0.1.0
 */
export interface Configured {
  readonly id: string
  readonly version: number
  /** `id@version:<canonical config JSON>`, the plugin's part of a cache key. */
  readonly identity: Plugin.Identity
  readonly layer: Layer.Layer<DatasetLoader.DatasetLoader, never, FileSystem.FileSystem>
  readonly decode: Effect.Effect<DecodedDataset, DatasetLoader.DatasetError, FileSystem.FileSystem>
  /** The train-split augmentation the config asks for. */
  readonly augmentation: Augmentation
}

/**
 * Configures a plugin from unknown input (decoded with its config schema).
 *
 * @since 0.1.0
 */
export const configure = <Config, ConfigEncoded, R extends FileSystem.FileSystem | never>(
  plugin: DatasetPlugin<Config, ConfigEncoded, R>,
  input: unknown
) =>
  Effect.map(
    Plugin.decodeConfig(plugin, input),
    (config): Configured => ({
      id: plugin.id,
      version: plugin.version,
      identity: Plugin.identityOf(plugin, config as Config),
      layer: plugin.layer(config as Config),
      decode: plugin.decode(config as Config),
      augmentation: plugin.augmentation(config as Config)
    })
  )

/**
 * The configured loader a spec names, with the plugin's default options.
 *
 * A spec is already validated, so its config always decodes; a failure would be a bug here, and is
 * a defect rather than a user-facing error.
 *
 * @since 0.1.0
 */
export const fromSpec = (spec: DatasetSpec.DatasetSpec): Effect.Effect<Configured> => {
  const configured = (() => {
    switch (spec.name) {
      case "cifar10":
        return configure(cifar10, { path: spec.path })
      case "cifar100":
        return configure(cifar100, { path: spec.path })
      case "tinyimagenet":
        return configure(tinyImageNet, { path: spec.path })
      case "mnist":
        return configure(mnist, { path: spec.path })
      case "fashion-mnist":
        return configure(fashionMnist, { path: spec.path })
      case "fashion-mnist-mini":
        return configure(fashionMnistMini, {})
      case "synthetic":
        return configure(synthetic, {})
    }
  })()
  return Effect.orDie(configured)
}

/**
 * The loader Layer for a spec.
 *
 * @since 0.1.0
 */
export const layerFromSpec = (
  spec: DatasetSpec.DatasetSpec
): Layer.Layer<DatasetLoader.DatasetLoader, never, FileSystem.FileSystem> =>
  Layer.unwrap(Effect.map(fromSpec(spec), (configured) => configured.layer))

/**
 * The decoded data a spec names.
 *
 * @since 0.1.0
 */
export const loadSpec = (
  spec: DatasetSpec.DatasetSpec
): Effect.Effect<DecodedDataset, DatasetLoader.DatasetError, FileSystem.FileSystem> =>
  Effect.flatMap(fromSpec(spec), (configured) => configured.decode)
