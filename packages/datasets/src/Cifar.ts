/**
 * CIFAR-10 and CIFAR-100 in the official *binary* layout (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * - CIFAR-10 (`cifar-10-batches-bin/`): `data_batch_1.bin` … `data_batch_5.bin` (train) and
 *   `test_batch.bin`; records of 3,073 bytes: 1 label byte, then 1,024 red, 1,024 green and 1,024 blue
 *   bytes, each plane 32×32 row-major. Class names from `batches.meta.txt`.
 * - CIFAR-100 (`cifar-100-binary/`): `train.bin` and `test.bin`; records of 3,074 bytes: coarse label,
 *   fine label, then the same planes. Fine labels (100 classes) by default, coarse (20) on request.
 *
 * The planes are interleaved into NHWC on decode. `path` may name the batches folder itself or the
 * folder that holds it.
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

const { DatasetError } = DatasetLoader

const SIDE = 32
const PLANE = SIDE * SIDE
const PIXELS = 3 * PLANE

/**
 * One CIFAR flavour: its files and its record header.
 *
 * @since 0.1.0
 */
export interface CifarLayout {
  readonly name: string
  /** The folder inside the official archive. */
  readonly folder: string
  readonly trainFiles: ReadonlyArray<string>
  readonly testFiles: ReadonlyArray<string>
  /** Label bytes before the pixels of each record, with the class count each allows. */
  readonly header: ReadonlyArray<{ readonly field: string; readonly classes: number }>
  /** Which header byte is the label handed on. */
  readonly labelByte: number
  /** A file with one class name per line, if the archive has one. */
  readonly namesFile: string
  readonly normalisation: Normalisation.Normalisation
}

/**
 * The CIFAR-10 binary layout.
 *
 * @since 0.1.0
 */
export const cifar10Layout: CifarLayout = {
  name: "cifar10",
  folder: "cifar-10-batches-bin",
  trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  testFiles: ["test_batch.bin"],
  header: [{ field: "label", classes: 10 }],
  labelByte: 0,
  namesFile: "batches.meta.txt",
  normalisation: Normalisation.cifar10
}

/**
 * The CIFAR-100 binary layout, handing on fine or coarse labels.
 *
 * @since 0.1.0
 */
export const cifar100Layout = (labels: "fine" | "coarse"): CifarLayout => ({
  name: "cifar100",
  folder: "cifar-100-binary",
  trainFiles: ["train.bin"],
  testFiles: ["test.bin"],
  header: [
    { field: "coarse label", classes: 20 },
    { field: "fine label", classes: 100 }
  ],
  labelByte: labels === "fine" ? 1 : 0,
  namesFile: labels === "fine" ? "fine_label_names.txt" : "coarse_label_names.txt",
  normalisation: Normalisation.cifar100
})

/** The path itself when it holds the first train file, else the archive's folder inside it. */
const resolveDirectory = (fs: FileSystem.FileSystem, layout: CifarLayout, path: string) =>
  Effect.gen(function* () {
    if (yield* DatasetFile.exists(fs, DatasetFile.join(path, layout.trainFiles[0]))) return path
    const nested = DatasetFile.join(path, layout.folder)
    if (yield* DatasetFile.exists(fs, DatasetFile.join(nested, layout.trainFiles[0]))) return nested
    return path
  })

const decodeSplit = (
  fs: FileSystem.FileSystem,
  layout: CifarLayout,
  directory: string,
  files: ReadonlyArray<string>
): Effect.Effect<SplitData, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    const recordBytes = layout.header.length + PIXELS
    const contents: Array<{ readonly file: string; readonly bytes: Uint8Array }> = []
    let size = 0
    for (const name of files) {
      const file = DatasetFile.join(directory, name)
      const bytes = yield* DatasetFile.read(fs, layout.name, file, "missing split file")
      if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
        return yield* new DatasetError({
          dataset: layout.name,
          file,
          at: `offset ${bytes.length - (bytes.length % recordBytes)}`,
          reason: `file size ${bytes.length} is not a positive multiple of the ${recordBytes}-byte record (${Math.floor(bytes.length / recordBytes)} whole records, then ${bytes.length % recordBytes} bytes)`
        })
      }
      const records = bytes.length / recordBytes
      for (let r = 0; r < records; r++) {
        for (let h = 0; h < layout.header.length; h++) {
          const value = bytes[r * recordBytes + h]
          const { field, classes } = layout.header[h]
          if (value >= classes) {
            return yield* new DatasetError({
              dataset: layout.name,
              file,
              at: `offset ${r * recordBytes + h}`,
              reason: `${field} ${value} of record ${r} is out of range 0…${classes - 1}`
            })
          }
        }
      }
      contents.push({ file, bytes })
      size += records
    }
    const images = new Uint8Array(size * PIXELS)
    const labels = new Uint8Array(size)
    let n = 0
    for (const { bytes } of contents) {
      const records = bytes.length / recordBytes
      for (let r = 0; r < records; r++, n++) {
        const record = r * recordBytes
        labels[n] = bytes[record + layout.labelByte]
        const planes = record + layout.header.length
        const out = n * PIXELS
        for (let p = 0; p < PLANE; p++) {
          images[out + 3 * p] = bytes[planes + p]
          images[out + 3 * p + 1] = bytes[planes + PLANE + p]
          images[out + 3 * p + 2] = bytes[planes + 2 * PLANE + p]
        }
      }
    }
    return { size, images, labels }
  })

const classNames = (fs: FileSystem.FileSystem, layout: CifarLayout, directory: string, classes: number) =>
  Effect.gen(function* () {
    const file = DatasetFile.join(directory, layout.namesFile)
    const fallback = Array.from({ length: classes }, (_, i) => `class ${i}`)
    if (!(yield* DatasetFile.exists(fs, file))) return fallback
    const text = yield* DatasetFile.readText(fs, layout.name, file)
    const names = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
    // The names file is informative only; a mismatch must not block the images and labels.
    return names.length === classes ? names : fallback
  })

/**
 * Decodes both splits of a CIFAR binary archive.
 *
 * @since 0.1.0
 */
export const decodeDirectory = (
  fs: FileSystem.FileSystem,
  layout: CifarLayout,
  path: string
): Effect.Effect<DecodedDataset, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    const directory = yield* resolveDirectory(fs, layout, path)
    const train = yield* decodeSplit(fs, layout, directory, layout.trainFiles)
    const test = yield* decodeSplit(fs, layout, directory, layout.testFiles)
    const classes = layout.header[layout.labelByte].classes
    return {
      name: layout.name,
      imageShape: [SIDE, SIDE, 3] as const,
      classes,
      classNames: yield* classNames(fs, layout, directory, classes),
      train,
      test,
      normalisation: layout.normalisation
    }
  })

/** SNASNet's CIFAR augmentation: RandomCrop(32, padding 4) and RandomHorizontalFlip. */
const cifarAugmentation: Augmentation = { padding: 4, flip: true }

const augmentationField = Augmentation.pipe(Schema.withDecodingDefaultKey(Effect.succeed(cifarAugmentation)))

/**
 * @since 0.1.0
 */
export const Cifar10Config = Schema.Struct({
  /** `cifar-10-batches-bin` or the folder holding it. */
  path: Schema.String,
  augmentation: augmentationField
})

/**
 * @since 0.1.0
 */
export const Cifar100Config = Schema.Struct({
  /** `cifar-100-binary` or the folder holding it. */
  path: Schema.String,
  /** Fine (100 classes, the default) or coarse (20 superclasses) labels. */
  labels: Schema.Literals(["fine", "coarse"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("fine" as const))
  ),
  augmentation: augmentationField
})

/**
 * @since 0.1.0
 */
export const cifar10 = DatasetPlugin.make({
  id: "cifar10",
  version: 1,
  description: "CIFAR-10 from the official binary batches (data_batch_1.bin … test_batch.bin)",
  config: Cifar10Config,
  decode: (config) => FileSystem.FileSystem.use((fs) => decodeDirectory(fs, cifar10Layout, config.path)),
  augmentation: (config) => config.augmentation,
  sources: (config) => FileSystem.FileSystem.use((fs) => DatasetFile.filesUnder(fs, "cifar10", config.path))
})

/**
 * @since 0.1.0
 */
export const cifar100 = DatasetPlugin.make({
  id: "cifar100",
  version: 1,
  description: "CIFAR-100 from the official binary files (train.bin, test.bin), fine or coarse labels",
  config: Cifar100Config,
  decode: (config) =>
    FileSystem.FileSystem.use((fs) => decodeDirectory(fs, cifar100Layout(config.labels), config.path)),
  augmentation: (config) => config.augmentation,
  sources: (config) => FileSystem.FileSystem.use((fs) => DatasetFile.filesUnder(fs, "cifar100", config.path))
})
