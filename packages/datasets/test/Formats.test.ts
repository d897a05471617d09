import { NodeFileSystem } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import * as Content from "../../../fixtures/FixtureContent.ts"
import {
  Cifar,
  Dataset,
  FashionMnistMini,
  Fingerprint,
  Mnist,
  Normalisation,
  Synthetic,
  TinyImageNet
} from "../src/index.ts"
import { fixtures, scratch } from "./TestData.ts"

const root = scratch("formats")
afterAll(() => rmSync(root, { recursive: true, force: true }))

const withFs = <A, E>(f: (fs: FileSystem.FileSystem) => Effect.Effect<A, E>) =>
  FileSystem.FileSystem.use(f).pipe(Effect.provide(NodeFileSystem.layer))

const expectCifarPixels = (split: Dataset.SplitData) => {
  let mismatches = 0
  for (let n = 0; n < split.size; n++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          if (split.images[((n * 32 + y) * 32 + x) * 3 + c] !== Content.cifarPixel(n, y, x, c)) mismatches++
        }
      }
    }
  }
  expect(mismatches).toBe(0)
}

describe("CIFAR-10 binary", () => {
  it.effect("decodes the planes into NHWC with the labels, from the archive folder or its parent", () =>
    withFs((fs) =>
      Effect.gen(function* () {
        const fromParent = yield* Cifar.decodeDirectory(fs, Cifar.cifar10Layout, join(fixtures, "cifar10"))
        const direct = yield* Cifar.decodeDirectory(
          fs,
          Cifar.cifar10Layout,
          join(fixtures, "cifar10", "cifar-10-batches-bin")
        )
        expect(fromParent.train.size).toBe(20)
        expect(fromParent.test.size).toBe(10)
        expect(fromParent.imageShape).toEqual([32, 32, 3])
        expect([...fromParent.train.labels]).toEqual(
          Array.from({ length: 20 }, (_, n) => Content.cifar10.label(n))
        )
        expect([...fromParent.test.labels]).toEqual(Array.from({ length: 10 }, (_, n) => n))
        expect(fromParent.classNames[0]).toBe("airplane")
        expect(fromParent.classNames[9]).toBe("truck")
        expectCifarPixels(fromParent.train)
        expectCifarPixels(fromParent.test)
        expect(Fingerprint.fingerprint(direct)).toBe(Fingerprint.fingerprint(fromParent))
      })
    )
  )
})

describe("CIFAR-100 binary", () => {
  it.effect("hands on fine labels by default and coarse ones on request", () =>
    withFs((fs) =>
      Effect.gen(function* () {
        const path = join(fixtures, "cifar100")
        const fine = yield* Cifar.decodeDirectory(fs, Cifar.cifar100Layout("fine"), path)
        const coarse = yield* Cifar.decodeDirectory(fs, Cifar.cifar100Layout("coarse"), path)
        expect(fine.classes).toBe(100)
        expect(coarse.classes).toBe(20)
        const fineTrain = Array.from({ length: 20 }, (_, n) => Content.cifar100.fine("train", n))
        expect([...fine.train.labels]).toEqual(fineTrain)
        expect([...coarse.train.labels]).toEqual(fineTrain.map(Content.cifar100.coarse))
        expect([...fine.test.labels]).toEqual(
          Array.from({ length: 10 }, (_, n) => Content.cifar100.fine("test", n))
        )
        expect(fine.classNames[42]).toBe("fine_42")
        expect(coarse.classNames[7]).toBe("coarse_07")
        expectCifarPixels(fine.train)
        expectCifarPixels(fine.test)
        expect(Fingerprint.fingerprint(fine)).not.toBe(Fingerprint.fingerprint(coarse))
      })
    )
  )
})

describe("TinyImageNet-200", () => {
  it.effect("numbers classes in sorted wnid order and decodes the JPEGs of train and val", () =>
    withFs((fs) =>
      Effect.gen(function* () {
        const dataset = yield* TinyImageNet.decodeDirectory(fs, join(fixtures, "tinyimagenet"))
        const sorted = [...Content.tinyImageNet.wnids].sort()
        expect(dataset.classNames).toEqual(sorted)
        expect(dataset.imageShape).toEqual([64, 64, 3])
        expect(dataset.train.size).toBe(12)
        expect(dataset.test.size).toBe(6)
        expect([...dataset.train.labels]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        expect([...dataset.test.labels]).toEqual(
          Array.from({ length: 6 }, (_, i) => sorted.indexOf(Content.tinyImageNet.valWnid(i)))
        )
        // JPEG is lossy: each decoded image must be close to its own pattern and far from the others.
        const error = (split: Dataset.SplitData, n: number, k: number) => {
          let sum = 0
          for (let y = 0; y < 64; y++) {
            for (let x = 0; x < 64; x++) {
              for (let c = 0; c < 3; c++) {
                sum += Math.abs(split.images[((n * 64 + y) * 64 + x) * 3 + c] - Content.tinyPixel(k, y, x, c))
              }
            }
          }
          return sum / (64 * 64 * 3)
        }
        const trainKeys = Array.from({ length: 12 }, (_, n) =>
          Content.tinyKey.train(Math.floor(n / 4), n % 4)
        )
        const valKeys = Array.from({ length: 6 }, (_, i) => Content.tinyKey.val(i))
        for (let n = 0; n < 12; n++) {
          expect(error(dataset.train, n, trainKeys[n])).toBeLessThan(3)
          for (const other of trainKeys)
            if (other !== trainKeys[n]) expect(error(dataset.train, n, other)).toBeGreaterThan(10)
        }
        for (let i = 0; i < 6; i++) expect(error(dataset.test, i, valKeys[i])).toBeLessThan(3)
      })
    )
  )
})

describe("IDX (MNIST, Fashion-MNIST)", () => {
  it.effect("decodes raw and gzipped files to the same content", () =>
    withFs((fs) =>
      Effect.gen(function* () {
        const gz = FashionMnistMini.directory()
        const raw = join(root, "raw-idx")
        mkdirSync(raw, { recursive: true })
        for (const split of ["train", "test"] as const) {
          for (const kind of ["images", "labels"] as const) {
            const name = Mnist.fileName(split, kind)
            writeFileSync(join(raw, name), gunzipSync(readFileSync(join(gz, `${name}.gz`))))
          }
        }
        const layout = {
          name: "fashion-mnist",
          classNames: Mnist.fashionClassNames,
          normalisation: Normalisation.fashionMnist
        }
        const fromGz = yield* Mnist.decodeDirectory(fs, layout, gz)
        const fromRaw = yield* Mnist.decodeDirectory(fs, layout, raw)
        expect(fromRaw.train.size).toBe(2000)
        expect(Fingerprint.fingerprint(fromRaw)).toBe(Fingerprint.fingerprint(fromGz))
      })
    )
  )

  it.effect("the bundled fashion-mnist-mini is balanced, 2,000 / 1,000, and pinned by its fingerprint", () =>
    Effect.gen(function* () {
      const dataset = yield* FashionMnistMini.fashionMnistMini.decode({
        augmentation: { padding: 2, flip: true }
      })
      expect(dataset.imageShape).toEqual([28, 28, 1])
      expect(Dataset.labelCounts(dataset.train, 10)).toEqual(new Array(10).fill(200))
      expect(Dataset.labelCounts(dataset.test, 10)).toEqual(new Array(10).fill(100))
      expect(Fingerprint.fingerprint(dataset)).toBe(
        "f0b00eda7f609cacde6865211ca6e4902741bc51a28cc95e0a8c8e2ea35f9e67"
      )
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )
})

describe("synthetic", () => {
  const small = (overrides: Partial<Synthetic.Config> = {}): Synthetic.Config => ({
    seed: 7,
    classes: 10,
    trainSize: 400,
    testSize: 200,
    height: 28,
    width: 28,
    channels: 1,
    noise: 40,
    augmentation: { padding: 2, flip: true },
    ...overrides
  })

  it("is a pure function of its config, seed included", () => {
    const a = Fingerprint.fingerprint(Synthetic.generate(small()))
    expect(Fingerprint.fingerprint(Synthetic.generate(small()))).toBe(a)
    expect(Fingerprint.fingerprint(Synthetic.generate(small({ seed: 8 })))).not.toBe(a)
  })

  it("has the configured shape and balanced classes", () => {
    const dataset = Synthetic.generate(small({ height: 32, width: 32, channels: 3, classes: 4 }))
    expect(dataset.imageShape).toEqual([32, 32, 3])
    expect(dataset.train.images.length).toBe(400 * 32 * 32 * 3)
    expect(Dataset.labelCounts(dataset.train, 4)).toEqual([100, 100, 100, 100])
    expect(dataset.normalisation.mean).toHaveLength(3)
  })

  const nearestCentroidAccuracy = (dataset: Dataset.DecodedDataset): number => {
    const bytes = Dataset.imageBytes(dataset.imageShape)
    const centroids = Array.from({ length: dataset.classes }, () => new Float64Array(bytes))
    const counts = Dataset.labelCounts(dataset.train, dataset.classes)
    for (let i = 0; i < dataset.train.size; i++) {
      const label = dataset.train.labels[i]
      for (let p = 0; p < bytes; p++)
        centroids[label][p] += dataset.train.images[i * bytes + p] / counts[label]
    }
    let correct = 0
    for (let i = 0; i < dataset.test.size; i++) {
      let best = -1
      let bestDistance = Number.POSITIVE_INFINITY
      centroids.forEach((centroid, label) => {
        let distance = 0
        for (let p = 0; p < bytes; p++) distance += (dataset.test.images[i * bytes + p] - centroid[p]) ** 2
        if (distance < bestDistance) {
          bestDistance = distance
          best = label
        }
      })
      if (best === dataset.test.labels[i]) correct++
    }
    return correct / dataset.test.size
  }

  it("is learnable but not trivial: a nearest-centroid classifier is far above chance, and noise hurts it", () => {
    const accuracy = nearestCentroidAccuracy(Synthetic.generate(small()))
    expect(accuracy).toBeGreaterThan(0.6)
    expect(accuracy).toBeLessThan(0.95)
    expect(nearestCentroidAccuracy(Synthetic.generate(small({ noise: 200 })))).toBeLessThan(accuracy - 0.2)
  })
})
