/**
 * `fashion-mnist-mini`: the bundled default data set, a balanced subset of Fashion-MNIST (2,000 train
 * images, 200 per class; 1,000 test images, 100 per class) taken from Debian's
 * `dataset-fashion-mnist` by `fixtures/make-fashion-mnist-mini.ts` and committed under
 * `fixtures/fashion-mnist-mini/` with its MIT licence. It makes every pipeline runnable anywhere.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Schema } from "effect"
import { fileURLToPath } from "node:url"
import { Augmentation } from "./Augmentation.ts"
import * as DatasetFile from "./DatasetFile.ts"
import * as DatasetPlugin from "./DatasetPlugin.ts"
import * as Mnist from "./Mnist.ts"
import * as Normalisation from "./Normalisation.ts"

/**
 * Where the bundled files live (resolved from this module, so it works from any working directory
 * under Node and Deno).
 *
 * @since 0.1.0
 */
export const directory = (): string =>
  fileURLToPath(new URL("../../../fixtures/fashion-mnist-mini", import.meta.url))

/**
 * @since 0.1.0
 */
export const Config = Schema.Struct({
  augmentation: Augmentation.pipe(Schema.withDecodingDefaultKey(Effect.succeed({ padding: 2, flip: true })))
})

/**
 * @since 0.1.0
 */
export const fashionMnistMini = DatasetPlugin.make({
  id: "fashion-mnist-mini",
  version: 1,
  description:
    "Bundled balanced Fashion-MNIST subset (2,000 train / 1,000 test), Fashion-MNIST normalisation",
  config: Config,
  decode: () =>
    FileSystem.FileSystem.use((fs) =>
      Mnist.decodeDirectory(
        fs,
        {
          name: "fashion-mnist-mini",
          classNames: Mnist.fashionClassNames,
          normalisation: Normalisation.fashionMnist
        },
        directory()
      )
    ),
  augmentation: (config) => config.augmentation,
  sources: () =>
    FileSystem.FileSystem.use((fs) => DatasetFile.filesUnder(fs, "fashion-mnist-mini", directory()))
})
