import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { DatasetLoader } from "@spikernel/core"
import { Effect, Layer, Stream } from "effect"
import { createHash } from "node:crypto"
import { join } from "node:path"
import * as Content from "../../../fixtures/FixtureContent.ts"
import { Augmentation, Cifar, layerFromSpec, Normalisation, Synthetic } from "../src/index.ts"
import { fixtures } from "./TestData.ts"

const cifarLayer = Cifar.cifar10
  .layer({ path: join(fixtures, "cifar10"), augmentation: { padding: 4, flip: true } })
  .pipe(Layer.provide(NodeFileSystem.layer))

const syntheticConfig: Synthetic.Config = {
  seed: 3,
  classes: 5,
  trainSize: 100,
  testSize: 40,
  height: 12,
  width: 10,
  channels: 3,
  noise: 30,
  augmentation: { padding: 2, flip: true }
}
const syntheticLayer = Synthetic.synthetic.layer(syntheticConfig)

const base: DatasetLoader.BatchOptions = {
  split: "train",
  batchSize: 6,
  seed: 11,
  epoch: 0,
  shuffle: true,
  augment: true
}

const collect = (options: Partial<DatasetLoader.BatchOptions> = {}) =>
  Effect.flatMap(Effect.service(DatasetLoader.DatasetLoader), (loader) =>
    Stream.runCollect(loader.batches({ ...base, ...options }))
  )

const flat = (batches: ReadonlyArray<DatasetLoader.ImageBatch>) => ({
  indices: batches.flatMap((batch) => [...batch.indices]),
  labels: batches.flatMap((batch) => [...batch.labels]),
  images: batches.map((batch) => batch.images)
})

/** Image `k` of a batch as its own array. */
const imageOf = (batch: DatasetLoader.ImageBatch, k: number): Float32Array => {
  const bytes = batch.imageShape[0] * batch.imageShape[1] * batch.imageShape[2]
  return batch.images.slice(k * bytes, (k + 1) * bytes)
}

describe("batches over the CIFAR-10 fixture", () => {
  it.effect("normalise each pixel with CIFAR-10's mean and std, NHWC", () =>
    Effect.gen(function* () {
      const [batch] = yield* collect({ split: "test", batchSize: 10, shuffle: false })
      const { mean, std } = Normalisation.cifar10
      let worst = 0
      for (let n = 0; n < 10; n++) {
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            for (let c = 0; c < 3; c++) {
              const expected = (Content.cifarPixel(n, y, x, c) / 255 - mean[c]) / std[c]
              worst = Math.max(worst, Math.abs(batch.images[((n * 32 + y) * 32 + x) * 3 + c] - expected))
            }
          }
        }
      }
      expect(worst).toBeLessThan(1e-5)
      expect([...batch.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      expect(batch.imageShape).toEqual([32, 32, 3])
    }).pipe(Effect.provide(cifarLayer))
  )

  it.effect("walk the split in order without shuffling; sizes follow batchSize and dropLast", () =>
    Effect.gen(function* () {
      const all = yield* collect({ shuffle: false })
      expect(all.map((batch) => batch.size)).toEqual([6, 6, 6, 2])
      expect(flat(all).indices).toEqual(Array.from({ length: 20 }, (_, i) => i))
      const dropped = yield* collect({ shuffle: false, dropLast: true })
      expect(dropped.map((batch) => batch.size)).toEqual([6, 6, 6])
    }).pipe(Effect.provide(cifarLayer))
  )

  it.effect("shuffle by (seed, epoch): the same order again, another for another epoch or seed", () =>
    Effect.gen(function* () {
      const order = (options: Partial<DatasetLoader.BatchOptions>) =>
        Effect.map(collect(options), (batches) => flat(batches).indices)
      const a = yield* order({ epoch: 1 })
      expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(yield* order({ epoch: 1 })).toEqual(a)
      expect(yield* order({ epoch: 2 })).not.toEqual(a)
      expect(yield* order({ epoch: 1, seed: 12 })).not.toEqual(a)
    }).pipe(Effect.provide(cifarLayer))
  )

  it.effect("augmentation is torchvision's crop of the zero-padded image, then a horizontal flip", () =>
    Effect.gen(function* () {
      const augmentation = { padding: 4, flip: true }
      const batches = yield* collect({ batchSize: 20, epoch: 5 })
      const batch = batches[0]
      const lut = Normalisation.table(Normalisation.cifar10)
      const flips = new Set<boolean>()
      const offsets = new Set<string>()
      for (let k = 0; k < batch.size; k++) {
        const n = batch.indices[k]
        const chosen = Augmentation.draw(augmentation, base.seed, 5, n)
        flips.add(chosen.flip)
        offsets.add(`${chosen.dy},${chosen.dx}`)
        // Reference: pad with zeros, crop 32×32 at (dy, dx), then mirror columns.
        const padded = (y: number, x: number, c: number) => {
          const sy = y - 4
          const sx = x - 4
          return sy < 0 || sy >= 32 || sx < 0 || sx >= 32 ? 0 : Content.cifarPixel(n, sy, sx, c)
        }
        const image = imageOf(batch, k)
        let mismatches = 0
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            const cx = chosen.flip ? 31 - x : x
            for (let c = 0; c < 3; c++) {
              const expected = lut[c * 256 + padded(y + chosen.dy, cx + chosen.dx, c)]
              if (image[(y * 32 + x) * 3 + c] !== expected) mismatches++
            }
          }
        }
        expect(mismatches).toBe(0)
      }
      expect(flips).toEqual(new Set([true, false]))
      expect(offsets.size).toBeGreaterThan(10)
    }).pipe(Effect.provide(cifarLayer))
  )
})

describe("batches over synthetic data", () => {
  it.effect("augmentation is reproducible from the seed and changes with it", () =>
    Effect.gen(function* () {
      const a = flat(yield* collect({ shuffle: false }))
      const b = flat(yield* collect({ shuffle: false }))
      const c = flat(yield* collect({ shuffle: false, seed: 12 }))
      const plain = flat(yield* collect({ shuffle: false, augment: false }))
      expect(b.images).toEqual(a.images)
      expect(c.images).not.toEqual(a.images)
      expect(plain.images).not.toEqual(a.images)
    }).pipe(Effect.provide(syntheticLayer))
  )

  it.effect("the test split is never augmented, whatever the options say", () =>
    Effect.gen(function* () {
      const asked = flat(yield* collect({ split: "test", augment: true, shuffle: false }))
      const plain = flat(yield* collect({ split: "test", augment: false, shuffle: false }))
      expect(asked.images).toEqual(plain.images)
      expect(asked.indices).toHaveLength(40)
    }).pipe(Effect.provide(syntheticLayer))
  )

  it.effect("skip/take resume mid-epoch with exactly the batches of an uninterrupted epoch", () =>
    Effect.gen(function* () {
      const full = yield* collect({ epoch: 3 })
      const resumed = yield* collect({ epoch: 3, skip: 5, take: 4 })
      expect(resumed).toHaveLength(4)
      expect(flat(resumed)).toEqual(flat(full.slice(5, 9)))
      expect(yield* collect({ epoch: 3, skip: 100 })).toHaveLength(0)
    }).pipe(Effect.provide(syntheticLayer))
  )

  it.effect("an image's augmentation does not depend on the batch size or on earlier batches", () =>
    Effect.gen(function* () {
      const byIndex = (batches: ReadonlyArray<DatasetLoader.ImageBatch>) => {
        const out = new Map<number, string>()
        for (const batch of batches) {
          for (let k = 0; k < batch.size; k++) out.set(batch.indices[k], imageOf(batch, k).join(","))
        }
        return out
      }
      const small = byIndex(yield* collect({ batchSize: 3, epoch: 2 }))
      const large = byIndex(yield* collect({ batchSize: 7, epoch: 2, skip: 4, take: 2 }))
      expect(large.size).toBe(14)
      for (const [index, image] of large) expect(small.get(index)).toBe(image)
    }).pipe(Effect.provide(syntheticLayer))
  )

  it.effect("prefetch depth does not change the batches", () =>
    Effect.gen(function* () {
      const none = flat(yield* collect({ prefetch: 0 }))
      const deep = flat(yield* collect({ prefetch: 5 }))
      expect(deep).toEqual(none)
    }).pipe(Effect.provide(syntheticLayer))
  )

  it.effect("bad options fail with a DatasetError naming the field", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(collect({ batchSize: 0 }))
      expect(error).toBeInstanceOf(DatasetLoader.DatasetError)
      expect(error.at).toBe("field batchSize")
      const negative = yield* Effect.flip(collect({ epoch: -1 }))
      expect(negative.at).toBe("field epoch")
    }).pipe(Effect.provide(syntheticLayer))
  )
})

describe("batches of the bundled data", () => {
  it.effect("a shuffled, augmented batch is pinned (the Deno test checks the same hash)", () =>
    Effect.gen(function* () {
      const [batch] = yield* collect({ batchSize: 64, seed: 5, epoch: 2, take: 1 })
      const hash = createHash("sha256").update(new Uint8Array(batch.images.buffer)).digest("hex")
      expect(hash).toBe("1afce5c6d5852103d191beb6e560ee2c55b7216f1c578f5cae0d525215aba7b5")
    }).pipe(
      Effect.provide(layerFromSpec({ name: "fashion-mnist-mini" })),
      Effect.provide(NodeFileSystem.layer)
    )
  )
})

describe("augmentation draws", () => {
  it("cover every crop offset and flip about half the time", () => {
    const augmentation = { padding: 2, flip: true }
    const dys = new Array(5).fill(0)
    let flips = 0
    const n = 5000
    for (let i = 0; i < n; i++) {
      const chosen = Augmentation.draw(augmentation, 1, 0, i)
      dys[chosen.dy]++
      if (chosen.flip) flips++
    }
    for (const count of dys) expect(Math.abs(count / n - 0.2)).toBeLessThan(0.03)
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(0.03)
    // Turning flips off keeps the crops where they were.
    const noFlip = Augmentation.draw({ padding: 2, flip: false }, 1, 0, 17)
    const withFlip = Augmentation.draw(augmentation, 1, 0, 17)
    expect([noFlip.dy, noFlip.dx, noFlip.flip]).toEqual([withFlip.dy, withFlip.dx, false])
  })
})
