/**
 * MNIST and Fashion-MNIST from their IDX files, raw or gzipped: `train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally
 * with `.gz` (the Debian package `dataset-fashion-mnist` ships the gzipped ones in
 * `/usr/share/datasets/fashion-mnist`).
 *
 * The IDX image layout [N, H, W] is already NHWC with one channel, so the decoded pixels are a view
 * of the decompressed file: no copy.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import { Effect, FileSystem, Schema } from "effect"
import { Augmentation } from "./Augmentation.ts"
import * as DatasetFile from "./DatasetFile.ts"
import type { DecodedDataset, SplitData } from "./Dataset.ts"
import * as DatasetPlugin from "./DatasetPlugin.ts"
import * as Normalisation from "./Normalisation.ts"
import * as Idx from "./Idx.ts"

const { DatasetError } = DatasetLoader

/**
 * Fashion-MNIST's class names, in label order.
 *
 * @since 0.1.0
 */
export const fashionClassNames: ReadonlyArray<string> = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot"
]

/**
 * What distinguishes one IDX data set from another.
 *
 * @since 0.1.0
 */
export interface IdxLayout {
  readonly name: string
  readonly classNames: ReadonlyArray<string>
  readonly normalisation: Normalisation.Normalisation
}

/**
 * The IDX file of one split and kind, as the official archives name it.
 *
 * @since 0.1.0
 */
export const fileName = (split: DatasetLoader.Split, kind: "images" | "labels"): string =>
  `${split === "train" ? "train" : "t10k"}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte`

const decodeSplit = (
  fs: FileSystem.FileSystem,
  layout: IdxLayout,
  directory: string,
  split: DatasetLoader.Split
): Effect.Effect<
  { readonly data: SplitData; readonly height: number; readonly width: number },
  DatasetLoader.DatasetError
> =>
  Effect.gen(function* () {
    const name = layout.name
    const classes = layout.classNames.length
    const imagesBase = DatasetFile.join(directory, fileName(split, "images"))
    const labelsBase = DatasetFile.join(directory, fileName(split, "labels"))
    const imagesFile = yield* DatasetFile.firstExisting(
      fs,
      name,
      [imagesBase, `${imagesBase}.gz`],
      `${split} split file`
    )
    const labelsFile = yield* DatasetFile.firstExisting(
      fs,
      name,
      [labelsBase, `${labelsBase}.gz`],
      `${split} split file`
    )
    const images = yield* Effect.flatMap(DatasetFile.readMaybeGzip(fs, name, imagesFile), (bytes) =>
      Idx.decode(name, imagesFile, bytes, 3)
    )
    const labels = yield* Effect.flatMap(DatasetFile.readMaybeGzip(fs, name, labelsFile), (bytes) =>
      Idx.decode(name, labelsFile, bytes, 1)
    )
    const [count, height, width] = images.dims
    if (labels.dims[0] !== count) {
      return yield* new DatasetError({
        dataset: name,
        file: labelsFile,
        at: "offset 4",
        reason: `${labels.dims[0]} labels for the ${count} images of ${imagesFile}`
      })
    }
    for (let i = 0; i < count; i++) {
      if (labels.data[i] >= classes) {
        return yield* new DatasetError({
          dataset: name,
          file: labelsFile,
          at: `offset ${8 + i}`,
          reason: `label ${labels.data[i]} of image ${i} is out of range 0…${classes - 1}`
        })
      }
    }
    return { data: { size: count, images: images.data, labels: labels.data }, height, width }
  })

/**
 * Decodes both splits of an IDX data set in `directory`.
 *
 * @since 0.1.0
 */
export const decodeDirectory = (
  fs: FileSystem.FileSystem,
  layout: IdxLayout,
  directory: string
): Effect.Effect<DecodedDataset, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    const train = yield* decodeSplit(fs, layout, directory, "train")
    const test = yield* decodeSplit(fs, layout, directory, "test")
    if (test.height !== train.height || test.width !== train.width) {
      return yield* new DatasetError({
        dataset: layout.name,
        file: DatasetFile.join(directory, fileName("test", "images")),
        at: "offset 8",
        reason: `test images are ${test.height}×${test.width}, train images ${train.height}×${train.width}`
      })
    }
    return {
      name: layout.name,
      imageShape: [train.height, train.width, 1] as const,
      classes: layout.classNames.length,
      classNames: layout.classNames,
      train: train.data,
      test: test.data,
      normalisation: layout.normalisation
    }
  })

/**
 * The config of a loader that reads a directory, with its data set's default augmentation.
 *
 * @since 0.1.0
 */
export const directoryConfig = (defaultAugmentation: Augmentation) =>
  Schema.Struct({
    /** The directory holding the data set's files. */
    path: Schema.String,
    /** Train-split augmentation; applied only when a batch request asks for it. */
    augmentation: Augmentation.pipe(Schema.withDecodingDefaultKey(Effect.succeed(defaultAugmentation)))
  })

const idxPlugin = (layout: IdxLayout, description: string, defaultAugmentation: Augmentation) =>
  DatasetPlugin.make({
    id: layout.name,
    version: 1,
    description,
    config: directoryConfig(defaultAugmentation),
    decode: (config) => FileSystem.FileSystem.use((fs) => decodeDirectory(fs, layout, config.path)),
    augmentation: (config) => config.augmentation,
    sources: (config) =>
      FileSystem.FileSystem.use((fs) => DatasetFile.filesUnder(fs, layout.name, config.path))
  })

/**
 * MNIST digits: no flips (a flipped digit is another glyph), crops with 2 pixels of padding.
 *
 * @since 0.1.0
 */
export const mnist = idxPlugin(
  {
    name: "mnist",
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    normalisation: Normalisation.mnist
  },
  "MNIST handwritten digits from IDX files (raw or gzipped)",
  { padding: 2, flip: false }
)

/**
 * Fashion-MNIST: crops with 2 pixels of padding and horizontal flips (clothes stay clothes).
 *
 * @since 0.1.0
 */
export const fashionMnist = idxPlugin(
  { name: "fashion-mnist", classNames: fashionClassNames, normalisation: Normalisation.fashionMnist },
  "Fashion-MNIST (Zalando) from IDX files (raw or gzipped)",
  { padding: 2, flip: true }
)
