/**
 * TinyImageNet-200 in its official folder layout (`tiny-imagenet-200/`):
 *
 * ```
 * wnids.txt                          one WordNet id per line (200)
 * train/<wnid>/images/*.JPEG         500 images per class
 * val/images/*.JPEG                  10,000 images
 * val/val_annotations.txt            <file> TAB <wnid> TAB <box…>, one line per val image
 * ```
 *
 * The val split is the test split (the official test images have no labels), as in SNASNet.
 * Classes are numbered in sorted wnid order, which is what torchvision's `ImageFolder` (used by
 * SNASNet on `train/`) assigns. Every image must be a 64×64 JPEG; grey ones are expanded to RGB.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import { Effect, FileSystem, Schema } from "effect"
import { Augmentation } from "./Augmentation.ts"
import * as DatasetFile from "./DatasetFile.ts"
import type { DecodedDataset, SplitData } from "./Dataset.ts"
import * as DatasetPlugin from "./DatasetPlugin.ts"
import * as Jpeg from "./Jpeg.ts"
import * as Normalisation from "./Normalisation.ts"

const { DatasetError } = DatasetLoader

const NAME = "tinyimagenet"
const SIDE = 64
const IMAGE_BYTES = SIDE * SIDE * 3

/**
 * The folder inside the official archive.
 *
 * @since 0.1.0
 */
export const folder = "tiny-imagenet-200"

interface Item {
  readonly file: string
  readonly label: number
}

const isJpegName = (name: string): boolean => /\.(jpe?g)$/i.test(name)

const lines = (text: string): Array<string> => text.split(/\r?\n/)

const readWnids = (fs: FileSystem.FileSystem, directory: string) =>
  Effect.gen(function* () {
    const file = DatasetFile.join(directory, "wnids.txt")
    const text = yield* DatasetFile.readText(fs, NAME, file)
    const seen = new Map<string, number>()
    const all = lines(text)
    for (let i = 0; i < all.length; i++) {
      const wnid = all[i].trim()
      if (wnid.length === 0) continue
      if (/\s/.test(wnid)) {
        return yield* new DatasetError({
          dataset: NAME,
          file,
          at: `line ${i + 1}`,
          reason: `"${wnid}" is not a wnid`
        })
      }
      const earlier = seen.get(wnid)
      if (earlier !== undefined) {
        return yield* new DatasetError({
          dataset: NAME,
          file,
          at: `line ${i + 1}`,
          reason: `wnid ${wnid} repeats line ${earlier}`
        })
      }
      seen.set(wnid, i + 1)
    }
    if (seen.size === 0) return yield* new DatasetError({ dataset: NAME, file, reason: "no wnids" })
    if (seen.size > 256) {
      // Labels are held as bytes.
      return yield* new DatasetError({
        dataset: NAME,
        file,
        reason: `${seen.size} wnids; at most 256 are supported`
      })
    }
    return [...seen.keys()].sort()
  })

const trainItems = (fs: FileSystem.FileSystem, directory: string, wnids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const trainDirectory = DatasetFile.join(directory, "train")
    const known = new Set(wnids)
    for (const entry of yield* DatasetFile.list(fs, NAME, trainDirectory)) {
      if (entry.startsWith(".")) continue
      if (!known.has(entry)) {
        return yield* new DatasetError({
          dataset: NAME,
          file: DatasetFile.join(trainDirectory, entry),
          reason: `unknown wnid ${entry}: not listed in wnids.txt`
        })
      }
    }
    const items: Array<Item> = []
    for (let label = 0; label < wnids.length; label++) {
      const imagesDirectory = DatasetFile.join(trainDirectory, wnids[label], "images")
      const names = (yield* DatasetFile.list(fs, NAME, imagesDirectory)).filter(isJpegName)
      if (names.length === 0) {
        return yield* new DatasetError({ dataset: NAME, file: imagesDirectory, reason: "no JPEG images" })
      }
      for (const name of names) items.push({ file: DatasetFile.join(imagesDirectory, name), label })
    }
    return items
  })

const valItems = (fs: FileSystem.FileSystem, directory: string, wnids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const file = DatasetFile.join(directory, "val", "val_annotations.txt")
    const text = yield* DatasetFile.read(
      fs,
      NAME,
      file,
      "missing val_annotations.txt (labels of the val split)"
    ).pipe(Effect.map((bytes) => new TextDecoder().decode(bytes)))
    const labelOf = new Map(wnids.map((wnid, label) => [wnid, label] as const))
    const items: Array<Item> = []
    const all = lines(text)
    for (let i = 0; i < all.length; i++) {
      const line = all[i].trim()
      if (line.length === 0) continue
      const fields = line.split(/\t|\s+/)
      if (fields.length < 2) {
        return yield* new DatasetError({
          dataset: NAME,
          file,
          at: `line ${i + 1}, field wnid`,
          reason: "expected <file> TAB <wnid> …"
        })
      }
      const [name, wnid] = fields
      const label = labelOf.get(wnid)
      if (label === undefined) {
        return yield* new DatasetError({
          dataset: NAME,
          file,
          at: `line ${i + 1}, field wnid`,
          reason: `unknown wnid ${wnid}: not listed in wnids.txt`
        })
      }
      items.push({ file: DatasetFile.join(directory, "val", "images", name), label })
    }
    if (items.length === 0) return yield* new DatasetError({ dataset: NAME, file, reason: "no annotations" })
    return items
  })

const decodeItems = (
  fs: FileSystem.FileSystem,
  items: ReadonlyArray<Item>
): Effect.Effect<SplitData, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    const images = new Uint8Array(items.length * IMAGE_BYTES)
    const labels = new Uint8Array(items.length)
    // Reads overlap (file I/O waits); decoding itself is synchronous.
    yield* Effect.forEach(
      items,
      (item, n) =>
        Effect.gen(function* () {
          const bytes = yield* DatasetFile.read(fs, NAME, item.file, "missing image file")
          const image = yield* Jpeg.decode(NAME, item.file, bytes)
          if (image.width !== SIDE || image.height !== SIDE) {
            return yield* new DatasetError({
              dataset: NAME,
              file: item.file,
              at: "field width/height",
              reason: `image is ${image.width}×${image.height}, expected ${SIDE}×${SIDE}`
            })
          }
          images.set(image.data, n * IMAGE_BYTES)
          labels[n] = item.label
        }),
      { concurrency: 8, discard: true }
    )
    return { size: items.length, images, labels }
  })

/**
 * Decodes TinyImageNet-200 from `path` (the `tiny-imagenet-200` folder or the folder holding it).
 *
 * @since 0.1.0
 */
export const decodeDirectory = (
  fs: FileSystem.FileSystem,
  path: string
): Effect.Effect<DecodedDataset, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    const nested = DatasetFile.join(path, folder)
    const directory =
      !(yield* DatasetFile.exists(fs, DatasetFile.join(path, "wnids.txt"))) &&
      (yield* DatasetFile.exists(fs, DatasetFile.join(nested, "wnids.txt")))
        ? nested
        : path
    const wnids = yield* readWnids(fs, directory)
    const trainList = yield* trainItems(fs, directory, wnids)
    const valList = yield* valItems(fs, directory, wnids)
    const train = yield* decodeItems(fs, trainList)
    const test = yield* decodeItems(fs, valList)
    return {
      name: NAME,
      imageShape: [SIDE, SIDE, 3] as const,
      classes: wnids.length,
      classNames: wnids,
      train,
      test,
      normalisation: Normalisation.tinyImageNet
    }
  })

/**
 * @since 0.1.0
 */
export const Config = Schema.Struct({
  /** `tiny-imagenet-200` or the folder holding it. */
  path: Schema.String,
  /** SNASNet's: RandomCrop(64, padding 8) and RandomHorizontalFlip. */
  augmentation: Augmentation.pipe(Schema.withDecodingDefaultKey(Effect.succeed({ padding: 8, flip: true })))
})

/**
 * @since 0.1.0
 */
export const tinyImageNet = DatasetPlugin.make({
  id: NAME,
  version: 1,
  description: "TinyImageNet-200 from its official folder layout (JPEGs decoded with jpeg-js; val = test)",
  config: Config,
  decode: (config) => FileSystem.FileSystem.use((fs) => decodeDirectory(fs, config.path)),
  augmentation: (config) => config.augmentation,
  sources: (config) => FileSystem.FileSystem.use((fs) => DatasetFile.filesUnder(fs, NAME, config.path))
})
