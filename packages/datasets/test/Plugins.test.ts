import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { DatasetLoader, DatasetSpec } from "@spikernel/core"
import { Effect, Layer, Ref, Stream } from "effect"
import { join } from "node:path"
import {
  DatasetPlugin,
  fromSpec,
  Inspect,
  layerFromSpec,
  loadSpec,
  Normalisation,
  plugins,
  Synthetic
} from "../src/index.ts"
import { fixtures } from "./TestData.ts"

describe("the plugin list", () => {
  it("has one DatasetLoader plugin per data set name a spec can hold", () => {
    const ids = plugins.map((plugin) => plugin.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(
      [...DatasetSpec.DiskDatasetName.literals, ...DatasetSpec.BundledDatasetName.literals].sort()
    )
    for (const plugin of plugins) {
      expect(plugin.kind).toBe("DatasetLoader")
      expect(plugin.version).toBeGreaterThanOrEqual(1)
    }
  })
})

describe("fromSpec", () => {
  it.effect("fills the defaults into the identity that enters cache keys", () =>
    Effect.gen(function* () {
      const cifar100 = yield* fromSpec({ name: "cifar100", path: "/data/c100" })
      expect(cifar100.identity).toEqual({
        id: "cifar100",
        version: 1,
        config: { augmentation: { flip: true, padding: 4 }, labels: "fine", path: "/data/c100" }
      })
      const mini = yield* fromSpec({ name: "fashion-mnist-mini" })
      expect(mini.identity).toEqual({
        id: "fashion-mnist-mini",
        version: 1,
        config: { augmentation: { flip: true, padding: 2 } }
      })
      const synthetic = yield* fromSpec({ name: "synthetic" })
      expect(synthetic.identity.config).toMatchObject({ channels: 1 })
    })
  )

  const specs: ReadonlyArray<readonly [DatasetSpec.DatasetSpec, Normalisation.Normalisation | undefined]> = [
    [{ name: "cifar10", path: join(fixtures, "cifar10") }, Normalisation.cifar10],
    [{ name: "cifar100", path: join(fixtures, "cifar100") }, Normalisation.cifar100],
    [{ name: "tinyimagenet", path: join(fixtures, "tinyimagenet") }, Normalisation.tinyImageNet],
    [{ name: "fashion-mnist-mini" }, Normalisation.fashionMnist],
    [{ name: "synthetic" }, undefined]
  ]
  for (const [spec, normalisation] of specs) {
    it.effect(`layerFromSpec(${DatasetSpec.formatDatasetSpec(spec)}) reports the decoded data's info`, () =>
      Effect.gen(function* () {
        const summary = Inspect.summarise(yield* loadSpec(spec))
        const info = yield* Effect.flatMap(
          Effect.service(DatasetLoader.DatasetLoader),
          (loader) => loader.info
        ).pipe(Effect.provide(layerFromSpec(spec)))
        expect(info.name).toBe(spec.name)
        expect(info.trainSize).toBe(summary.train)
        expect(info.testSize).toBe(summary.test)
        expect(info.classes).toBe(summary.classes)
        expect(info.fingerprint).toBe(summary.checksum)
        expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/)
        if (normalisation !== undefined) expect({ mean: info.mean, std: info.std }).toEqual(normalisation)
      }).pipe(Effect.provide(NodeFileSystem.layer))
    )
  }
})

describe("the loader service", () => {
  it.effect("decodes lazily and once, however often info and batches are used", () =>
    Effect.gen(function* () {
      const decodes = yield* Ref.make(0)
      const config: Synthetic.Config = {
        seed: 1,
        classes: 3,
        trainSize: 9,
        testSize: 6,
        height: 4,
        width: 4,
        channels: 1,
        noise: 10,
        augmentation: { padding: 1, flip: true }
      }
      const decode = Effect.tap(Synthetic.synthetic.decode(config), () => Ref.update(decodes, (n) => n + 1))
      const loader = yield* DatasetPlugin.makeLoader(decode, config.augmentation)
      expect(yield* Ref.get(decodes)).toBe(0)
      const first = yield* loader.info
      yield* loader.info
      const options = {
        split: "train",
        batchSize: 4,
        seed: 0,
        epoch: 0,
        shuffle: true,
        augment: true
      } as const
      yield* Stream.runCollect(loader.batches(options))
      yield* Stream.runCollect(loader.batches({ ...options, split: "test" }))
      expect(yield* Ref.get(decodes)).toBe(1)
      expect(first.trainSize).toBe(9)
    })
  )

  it.effect("a Layer over a missing directory builds, and fails on first use with a DatasetError", () =>
    Effect.gen(function* () {
      const path = join(fixtures, "no-such-dataset")
      const loader = yield* Effect.service(DatasetLoader.DatasetLoader).pipe(
        Effect.provide(layerFromSpec({ name: "cifar10", path }).pipe(Layer.provide(NodeFileSystem.layer)))
      )
      const error = yield* Effect.flip(loader.info)
      expect(error).toBeInstanceOf(DatasetLoader.DatasetError)
      expect(error.file).toBe(join(path, "data_batch_1.bin"))
      expect(error.reason).toBe("missing split file")
    })
  )
})
