import { NodeFileSystem } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { DatasetLoader } from "@spikernel/core"
import { Effect, Exit, Ref, Stream } from "effect"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync, gzipSync } from "node:zlib"
import { Cifar, FashionMnistMini, Mnist, TinyImageNet } from "../src/index.ts"
import { copyFixture, scratch } from "./TestData.ts"

const root = scratch("errors")
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Runs a decode that must fail, and returns its DatasetError. */
const failure = <A>(decode: Effect.Effect<A, DatasetLoader.DatasetError, never>) =>
  Effect.flip(decode).pipe(
    Effect.tap((error) =>
      Effect.sync(() => {
        expect(error).toBeInstanceOf(DatasetLoader.DatasetError)
        expect(error.message.split("\n")).toHaveLength(1)
      })
    )
  )

const fashionMini = (path: string) =>
  Mnist.fashionMnist
    .decode({ path, augmentation: { padding: 0, flip: false } })
    .pipe(Effect.provide(NodeFileSystem.layer))
const cifar10 = (path: string) =>
  Cifar.cifar10
    .decode({ path, augmentation: { padding: 4, flip: true } })
    .pipe(Effect.provide(NodeFileSystem.layer))
const cifar100 = (path: string) =>
  Cifar.cifar100
    .decode({ path, labels: "fine", augmentation: { padding: 4, flip: true } })
    .pipe(Effect.provide(NodeFileSystem.layer))
const tiny = (path: string) =>
  TinyImageNet.tinyImageNet
    .decode({ path, augmentation: { padding: 8, flip: true } })
    .pipe(Effect.provide(NodeFileSystem.layer))

const miniCopy = () => {
  const dir = mkdtempSync(join(root, "mini-"))
  for (const split of ["train", "test"] as const) {
    for (const kind of ["images", "labels"] as const) {
      const name = `${Mnist.fileName(split, kind)}.gz`
      writeFileSync(join(dir, name), readFileSync(join(FashionMnistMini.directory(), name)))
    }
  }
  return dir
}

describe("IDX errors", () => {
  it.effect("wrong IDX magic names the file and offset 0", () =>
    Effect.gen(function* () {
      const dir = miniCopy()
      const file = join(dir, "train-images-idx3-ubyte.gz")
      const raw = gunzipSync(readFileSync(file))
      raw[3] = 0x02
      writeFileSync(file, gzipSync(raw))
      const error = yield* failure(fashionMini(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("offset 0")
      expect(error.reason).toContain("wrong IDX magic 00 00 08 02")
    })
  )

  it.effect("a truncated gzip stream names the file and the offset where it ends", () =>
    Effect.gen(function* () {
      const dir = miniCopy()
      const file = join(dir, "t10k-images-idx3-ubyte.gz")
      truncateSync(file, 200_000)
      const error = yield* failure(fashionMini(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("offset 200000")
      expect(error.reason).toMatch(/^truncated gzip stream/)
    })
  )

  it.effect("IDX data shorter than its dimensions is reported at the end of the file", () =>
    Effect.gen(function* () {
      const dir = miniCopy()
      const file = join(dir, "train-images-idx3-ubyte.gz")
      const raw = gunzipSync(readFileSync(file))
      writeFileSync(file, gzipSync(raw.subarray(0, raw.length - 100)))
      const error = yield* failure(fashionMini(dir))
      expect(error.at).toBe(`offset ${raw.length - 100}`)
      expect(error.reason).toContain("truncated: dimensions 2000×28×28 need 1568000 data bytes")
    })
  )

  it.effect("a label out of range names its byte offset", () =>
    Effect.gen(function* () {
      const dir = miniCopy()
      const gz = join(dir, "train-labels-idx1-ubyte.gz")
      const raw = gunzipSync(readFileSync(gz))
      raw[8 + 5] = 10
      rmSync(gz)
      // Raw (not gzipped) this time: both forms are read.
      const file = join(dir, "train-labels-idx1-ubyte")
      writeFileSync(file, raw)
      const error = yield* failure(fashionMini(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("offset 13")
      expect(error.reason).toBe("label 10 of image 5 is out of range 0…9")
    })
  )

  it.effect("a missing split file names the file looked for", () =>
    Effect.gen(function* () {
      const dir = miniCopy()
      rmSync(join(dir, "t10k-labels-idx1-ubyte.gz"))
      const error = yield* failure(fashionMini(dir))
      expect(error.file).toBe(join(dir, "t10k-labels-idx1-ubyte"))
      expect(error.reason).toContain("missing test split file")
      expect(error.reason).toContain("t10k-labels-idx1-ubyte.gz")
    })
  )
})

describe("CIFAR errors", () => {
  it.effect("a file whose size is not a multiple of the record size names the file and offset", () =>
    Effect.gen(function* () {
      const dir = copyFixture(root, "cifar10")
      const file = join(dir, "cifar-10-batches-bin", "data_batch_3.bin")
      appendFileSync(file, new Uint8Array(5))
      const error = yield* failure(cifar10(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe(`offset ${4 * 3073}`)
      expect(error.reason).toContain("not a positive multiple of the 3073-byte record")
    })
  )

  it.effect("a CIFAR-10 label out of range names its record's offset", () =>
    Effect.gen(function* () {
      const dir = copyFixture(root, "cifar10")
      const file = join(dir, "cifar-10-batches-bin", "test_batch.bin")
      const bytes = readFileSync(file)
      bytes[2 * 3073] = 10
      writeFileSync(file, bytes)
      const error = yield* failure(cifar10(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe(`offset ${2 * 3073}`)
      expect(error.reason).toBe("label 10 of record 2 is out of range 0…9")
    })
  )

  it.effect("a CIFAR-100 fine label out of range names the field and offset", () =>
    Effect.gen(function* () {
      const dir = copyFixture(root, "cifar100")
      const file = join(dir, "cifar-100-binary", "train.bin")
      const bytes = readFileSync(file)
      bytes[3 * 3074 + 1] = 100
      writeFileSync(file, bytes)
      const error = yield* failure(cifar100(dir))
      expect(error.at).toBe(`offset ${3 * 3074 + 1}`)
      expect(error.reason).toBe("fine label 100 of record 3 is out of range 0…99")
    })
  )

  it.effect("a missing batch file is a missing split file", () =>
    Effect.gen(function* () {
      const dir = copyFixture(root, "cifar10")
      const file = join(dir, "cifar-10-batches-bin", "data_batch_4.bin")
      rmSync(file)
      const error = yield* failure(cifar10(dir))
      expect(error.file).toBe(file)
      expect(error.reason).toBe("missing split file")
    })
  )
})

describe("TinyImageNet errors", () => {
  const tinyCopy = () => join(copyFixture(root, "tinyimagenet"), "tiny-imagenet-200")

  it.effect("no val_annotations.txt", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "val", "val_annotations.txt")
      rmSync(file)
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(file)
      expect(error.reason).toContain("missing val_annotations.txt")
    })
  )

  it.effect("an unknown wnid in val_annotations.txt names the line and field", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "val", "val_annotations.txt")
      const lines = readFileSync(file, "utf8").split("\n")
      lines[2] = lines[2].replace(/\tn\d+\t/, "\tn00000042\t")
      writeFileSync(file, lines.join("\n"))
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("line 3, field wnid")
      expect(error.reason).toBe("unknown wnid n00000042: not listed in wnids.txt")
    })
  )

  it.effect("a train class folder not listed in wnids.txt is an unknown wnid", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "wnids.txt")
      writeFileSync(file, readFileSync(file, "utf8").replace("n02124075\n", ""))
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(join(dir, "train", "n02124075"))
      expect(error.reason).toContain("unknown wnid n02124075")
    })
  )

  it.effect("a truncated JPEG names the file and offset", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "val", "images", "val_2.JPEG")
      truncateSync(file, 1000)
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("offset 1000")
      expect(error.reason).toContain("corrupt JPEG")
    })
  )

  it.effect("a JPEG with damaged tables is corrupt, not decoded leniently", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "train", "n01443537", "images", "n01443537_1.JPEG")
      const bytes = readFileSync(file)
      bytes.fill(0xab, 25, 90)
      writeFileSync(file, bytes)
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("JPEG data")
      expect(error.reason).toMatch(/^corrupt JPEG: /)
    })
  )

  it.effect("a file that is not a JPEG at all", () =>
    Effect.gen(function* () {
      const dir = tinyCopy()
      const file = join(dir, "val", "images", "val_0.JPEG")
      writeFileSync(file, "GIF89a not really")
      const error = yield* failure(tiny(dir))
      expect(error.file).toBe(file)
      expect(error.at).toBe("offset 0")
    })
  )
})

describe("no partial data", () => {
  it.effect("a loader over damaged data fails before its first batch, and info fails too", () =>
    Effect.gen(function* () {
      const dir = copyFixture(root, "cifar10")
      // The train files are fine; only the test file is damaged. Nothing of the train split may leak.
      const file = join(dir, "cifar-10-batches-bin", "test_batch.bin")
      appendFileSync(file, new Uint8Array(1))
      const loader = yield* Effect.provide(
        Effect.service(DatasetLoader.DatasetLoader),
        Cifar.cifar10.layer({ path: dir, augmentation: { padding: 4, flip: true } })
      )
      const emitted = yield* Ref.make(0)
      const exit = yield* Effect.exit(
        Stream.runForEach(
          loader.batches({ split: "train", batchSize: 4, seed: 0, epoch: 0, shuffle: false, augment: false }),
          () => Ref.update(emitted, (n) => n + 1)
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(yield* Ref.get(emitted)).toBe(0)
      const error = yield* Effect.flip(loader.info)
      expect(error.file).toBe(file)
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )
})
