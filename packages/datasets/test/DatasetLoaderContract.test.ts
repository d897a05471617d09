/**
 * Every DatasetLoader plugin of this package against the DatasetLoader contract of
 * `@spikernel/testing`: the on-disk formats on the small fixtures in `fixtures/` (MNIST and
 * Fashion-MNIST on the first images of the bundled subset, raw and gzipped), the bundled subset
 * itself, and the synthetic set (at its defaults but fewer images, and in colour). Each on-disk format also gets a damaged copy whose error must
 * name the damaged file.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { afterAll } from "@effect/vitest"
import type { DatasetSpec } from "@spikernel/core"
import { datasetLoaderContract } from "@spikernel/testing"
import { Layer, Schema } from "effect"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync, gzipSync } from "node:zlib"
import { FashionMnistMini, layerFromSpec, Mnist, Synthetic } from "../src/index.ts"
import { copyFixture, fixtures, scratch } from "./TestData.ts"

const root = scratch("loader-contract")
afterAll(() => rmSync(root, { recursive: true, force: true }))

const loader = (spec: DatasetSpec.DatasetSpec) =>
  layerFromSpec(spec).pipe(Layer.provide(NodeFileSystem.layer))

/**
 * The first `train` / `test` images of the bundled subset as IDX files, gzipped or raw (the loaders
 * read both), so the MNIST-format loaders run on files as small as the other fixtures.
 */
const idxSubset = (train: number, test: number, gzip: boolean): string => {
  const dir = mkdtempSync(join(root, "idx-"))
  for (const [split, count] of [
    ["train", train],
    ["test", test]
  ] as const) {
    for (const kind of ["images", "labels"] as const) {
      const name = Mnist.fileName(split, kind)
      const raw = gunzipSync(readFileSync(join(FashionMnistMini.directory(), `${name}.gz`)))
      const header = kind === "images" ? 16 : 8
      const perItem = kind === "images" ? 28 * 28 : 1
      const out = Buffer.from(raw.subarray(0, header + count * perItem))
      out.writeUInt32BE(count, 4)
      writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(out) : out)
    }
  }
  return dir
}

/** A subset whose train images have a wrong magic number, and that file. */
const damagedIdx = (gzip: boolean) => {
  const dir = idxSubset(10, 5, gzip)
  const file = join(dir, gzip ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte")
  const raw = gzip ? gunzipSync(readFileSync(file)) : readFileSync(file)
  raw[3] = 0x02
  writeFileSync(file, gzip ? gzipSync(raw) : raw)
  return { dir, file }
}

const cifar10 = (() => {
  const dir = copyFixture(root, "cifar10")
  const file = join(dir, "cifar-10-batches-bin", "data_batch_3.bin")
  appendFileSync(file, new Uint8Array(5))
  return { dir, file }
})()
datasetLoaderContract("cifar10 (fixture)", {
  layer: loader({ name: "cifar10", path: join(fixtures, "cifar10") }),
  info: { name: "cifar10", classes: 10, trainSize: 20, testSize: 10, imageShape: [32, 32, 3] },
  damaged: { layer: loader({ name: "cifar10", path: cifar10.dir }), file: cifar10.file }
})

const cifar100 = (() => {
  const dir = copyFixture(root, "cifar100")
  const file = join(dir, "cifar-100-binary", "train.bin")
  appendFileSync(file, new Uint8Array(7))
  return { dir, file }
})()
datasetLoaderContract("cifar100 (fixture)", {
  layer: loader({ name: "cifar100", path: join(fixtures, "cifar100") }),
  info: { name: "cifar100", classes: 100, trainSize: 20, testSize: 10, imageShape: [32, 32, 3] },
  damaged: { layer: loader({ name: "cifar100", path: cifar100.dir }), file: cifar100.file }
})

const tiny = (() => {
  const dir = join(copyFixture(root, "tinyimagenet"), "tiny-imagenet-200")
  const file = join(dir, "val", "images", "val_2.JPEG")
  truncateSync(file, 1000)
  return { dir, file }
})()
datasetLoaderContract("tinyimagenet (fixture)", {
  layer: loader({ name: "tinyimagenet", path: join(fixtures, "tinyimagenet") }),
  info: { name: "tinyimagenet", classes: 3, trainSize: 12, testSize: 6, imageShape: [64, 64, 3] },
  damaged: { layer: loader({ name: "tinyimagenet", path: tiny.dir }), file: tiny.file }
})

const fashion = damagedIdx(true)
datasetLoaderContract("fashion-mnist (60/25 images of the bundled subset, gzipped IDX)", {
  layer: loader({ name: "fashion-mnist", path: idxSubset(60, 25, true) }),
  info: { name: "fashion-mnist", classes: 10, trainSize: 60, testSize: 25, imageShape: [28, 28, 1] },
  damaged: { layer: loader({ name: "fashion-mnist", path: fashion.dir }), file: fashion.file }
})

const digits = damagedIdx(false)
datasetLoaderContract("mnist (60/25 images of the bundled subset, raw IDX)", {
  layer: loader({ name: "mnist", path: idxSubset(60, 25, false) }),
  info: { name: "mnist", classes: 10, trainSize: 60, testSize: 25, imageShape: [28, 28, 1] },
  damaged: { layer: loader({ name: "mnist", path: digits.dir }), file: digits.file }
})

datasetLoaderContract("fashion-mnist-mini", {
  layer: loader({ name: "fashion-mnist-mini" }),
  info: { name: "fashion-mnist-mini", classes: 10, trainSize: 2000, testSize: 1000, imageShape: [28, 28, 1] },
  batchSizes: [7, 64]
})

datasetLoaderContract("synthetic (defaults, 200/100 images)", {
  layer: Synthetic.synthetic.layer(
    Schema.decodeUnknownSync(Synthetic.Config)({ trainSize: 200, testSize: 100 })
  ),
  info: { name: "synthetic", classes: 10, trainSize: 200, testSize: 100, imageShape: [28, 28, 1] }
})

datasetLoaderContract("synthetic (colour, odd sizes)", {
  layer: Synthetic.synthetic.layer(
    Schema.decodeUnknownSync(Synthetic.Config)({
      seed: 4,
      classes: 4,
      trainSize: 23,
      testSize: 11,
      height: 6,
      width: 5,
      channels: 3,
      augmentation: { padding: 1, flip: true }
    })
  ),
  info: { classes: 4, trainSize: 23, testSize: 11, imageShape: [6, 5, 3] }
})
