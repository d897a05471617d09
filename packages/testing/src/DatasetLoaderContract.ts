/**
 * The contract every DatasetLoader must pass (core's `DatasetLoader.ts`):
 *
 * - `info` is a valid DatasetInfo and agrees with the batches: image shape, split sizes, labels in
 *   0 … classes − 1, finite pixels normalised with the info's mean and std;
 * - one epoch of a split holds each of its images exactly once, in batches of the requested size
 *   (the last one short, or dropped with `dropLast`);
 * - the order is a pure function of (seed, epoch): the same twice, another for another seed or
 *   epoch, the same whatever the batch size; `skip`/`take` give the matching slice of the epoch, so
 *   a run resumed mid-epoch sees the batches it would have seen;
 * - `indices` are positions in the split: a shuffled batch holds the images and labels found at
 *   those positions of the unshuffled split;
 * - augmentation never touches the test split (and, for a loader that augments, changes train
 *   images without moving them);
 * - bad batch options and a damaged file fail with a DatasetError (never a defect), the file named.
 *
 * @since 0.1.0
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { DatasetLoader } from "@spikernel/core"
import { Effect, type Layer, Schema, Stream } from "effect"

/**
 * @since 0.1.0
 */
export interface DatasetLoaderContractOptions {
  /** The loader, with everything it needs provided (a FileSystem for on-disk formats). */
  readonly layer: Layer.Layer<DatasetLoader.DatasetLoader, unknown>
  /** Two batch sizes the order must not depend on (default 3 and 8). */
  readonly batchSizes?: readonly [number, number]
  /** The loader augments the train split when asked (default true). */
  readonly augments?: boolean
  /** Pixels are bytes normalised as (p / 255 − mean) / std (default true); else only finite. */
  readonly bytePixels?: boolean
  /** Fields the info must have (its name, split sizes, …). */
  readonly info?: Partial<DatasetLoader.DatasetInfo>
  /** A loader over a damaged copy of the data, and the file its DatasetError must name. */
  readonly damaged?: {
    readonly layer: Layer.Layer<DatasetLoader.DatasetLoader, unknown>
    readonly file: string
  }
}

type Loader = DatasetLoader.DatasetLoader["Service"]
type Batch = DatasetLoader.ImageBatch

const collect = (loader: Loader, options: DatasetLoader.BatchOptions) =>
  Stream.runCollect(loader.batches(options))

const indicesOf = (batches: ReadonlyArray<Batch>): Array<number> => batches.flatMap((b) => [...b.indices])

/** Every image of the batches, one after the other (batch boundaries do not show). */
const imagesOf = (batches: ReadonlyArray<Batch>): Float32Array => {
  const out = new Float32Array(batches.reduce((n, b) => n + b.images.length, 0))
  let offset = 0
  for (const batch of batches) {
    out.set(batch.images, offset)
    offset += batch.images.length
  }
  return out
}

/** Element-wise equality without the cost of a deep-equality matcher on millions of floats. */
const same = (a: Float32Array, b: Float32Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

const sizeOf = (info: DatasetLoader.DatasetInfo, split: DatasetLoader.Split): number =>
  split === "train" ? info.trainSize : info.testSize

const pixelsPerImage = (info: DatasetLoader.DatasetInfo): number =>
  info.imageShape[0] * info.imageShape[1] * info.imageShape[2]

/** The batch that must not reveal a wrong shape: everything about it agrees with `info`. */
const expectWellFormed = (info: DatasetLoader.DatasetInfo, batch: Batch): void => {
  expect(batch.imageShape).toEqual(info.imageShape)
  expect(batch.size).toBeGreaterThan(0)
  expect(batch.images).toBeInstanceOf(Float32Array)
  expect(batch.labels).toBeInstanceOf(Int32Array)
  expect(batch.indices).toBeInstanceOf(Int32Array)
  expect(batch.images.length).toBe(batch.size * pixelsPerImage(info))
  expect(batch.labels.length).toBe(batch.size)
  expect(batch.indices.length).toBe(batch.size)
}

/** The image at position `k` of a batch. */
const imageAt = (info: DatasetLoader.DatasetInfo, batch: Batch, k: number): Float32Array => {
  const n = pixelsPerImage(info)
  return batch.images.subarray(k * n, (k + 1) * n)
}

/**
 * Registers the contract tests of a DatasetLoader under `describe(name)`.
 *
 * @since 0.1.0
 */
export const datasetLoaderContract = (name: string, options: DatasetLoaderContractOptions): void => {
  const [small, large] = options.batchSizes ?? [3, 8]
  const augments = options.augments ?? true
  const bytePixels = options.bytePixels ?? true
  const splits = ["train", "test"] as const
  const base = { seed: 0, epoch: 0, shuffle: false, augment: false } as const
  const withLoader = <A, E>(f: (loader: Loader, info: DatasetLoader.DatasetInfo) => Effect.Effect<A, E>) =>
    Effect.flatMap(Effect.service(DatasetLoader.DatasetLoader), (loader) =>
      Effect.flatMap(loader.info, (info) => f(loader, info))
    )

  describe(`${name} (DatasetLoader contract)`, () => {
    layer(options.layer)((it) => {
      it.effect("reports a valid info, the same every time", () =>
        withLoader((loader, info) =>
          Effect.gen(function* () {
            const decoded = yield* Schema.decodeUnknownEffect(DatasetLoader.DatasetInfo)(info)
            expect(decoded).toEqual(info)
            const [height, width, channels] = info.imageShape
            for (const dim of [height, width, channels]) expect(dim).toBeGreaterThan(0)
            expect(info.classes).toBeGreaterThanOrEqual(2)
            expect(info.trainSize).toBeGreaterThan(0)
            expect(info.testSize).toBeGreaterThan(0)
            expect(info.mean).toHaveLength(channels)
            expect(info.std).toHaveLength(channels)
            for (const s of info.std) expect(s).toBeGreaterThan(0)
            expect(info.fingerprint.length).toBeGreaterThan(0)
            expect(yield* loader.info).toEqual(info)
            if (options.info !== undefined) expect(info).toMatchObject(options.info)
          })
        )
      )

      for (const split of splits) {
        for (const dropLast of [false, true]) {
          it.effect(
            `an epoch of the ${split} split holds each image once, in batches of the requested size${dropLast ? " (dropLast)" : ""}`,
            () =>
              withLoader((loader, info) =>
                Effect.gen(function* () {
                  const size = sizeOf(info, split)
                  for (const batchSize of [small, large]) {
                    const batches = yield* collect(loader, {
                      ...base,
                      split,
                      batchSize,
                      shuffle: true,
                      dropLast
                    })
                    const full = Math.floor(size / batchSize)
                    const expectedCount = dropLast ? full : Math.ceil(size / batchSize)
                    expect(batches).toHaveLength(expectedCount)
                    batches.forEach((batch, b) => {
                      expectWellFormed(info, batch)
                      const last = b === batches.length - 1
                      expect(batch.size).toBe(!dropLast && last ? size - b * batchSize : batchSize)
                    })
                    const indices = indicesOf(batches)
                    expect(new Set(indices).size).toBe(indices.length)
                    expect(indices.length).toBe(dropLast ? full * batchSize : size)
                    for (const i of indices) {
                      expect(Number.isInteger(i) && i >= 0 && i < size, `index ${i} of ${size}`).toBe(true)
                    }
                  }
                })
              )
          )
        }

        it.effect(`the ${split} split has labels in range and finite, normalised pixels`, () =>
          withLoader((loader, info) =>
            Effect.gen(function* () {
              const batches = yield* collect(loader, { ...base, split, batchSize: large })
              const channels = info.imageShape[2]
              for (const batch of batches) {
                for (const label of batch.labels) {
                  expect(label >= 0 && label < info.classes, `label ${label} of ${info.classes}`).toBe(true)
                }
                batch.images.forEach((x, p) => {
                  const c = p % channels
                  if (!Number.isFinite(x)) expect.fail(`pixel ${p} is ${x}`)
                  if (!bytePixels) return
                  // x = (byte / 255 − mean) / std, so x·std + mean is a byte over 255.
                  const byte = (x * info.std[c] + info.mean[c]) * 255
                  if (byte < -1e-3 || byte > 255 + 1e-3 || Math.abs(byte - Math.round(byte)) > 1e-3) {
                    expect.fail(
                      `pixel ${p} (channel ${c}) = ${x} is no byte normalised by the info's mean/std`
                    )
                  }
                })
              }
            })
          )
        )

        it.effect(`${split} indices are positions in the split`, () =>
          withLoader((loader, info) =>
            Effect.gen(function* () {
              const plain = yield* collect(loader, { ...base, split, batchSize: large })
              const n = pixelsPerImage(info)
              const images = imagesOf(plain)
              const labels = plain.flatMap((b) => [...b.labels])
              expect(indicesOf(plain)).toEqual(Array.from({ length: sizeOf(info, split) }, (_, i) => i))
              const shuffled = yield* collect(loader, {
                ...base,
                split,
                batchSize: small,
                shuffle: true,
                seed: 3
              })
              for (const batch of shuffled) {
                batch.indices.forEach((index, k) => {
                  expect(batch.labels[k]).toBe(labels[index])
                  if (!same(imageAt(info, batch, k), images.subarray(index * n, (index + 1) * n))) {
                    expect.fail(`image ${k} of a shuffled batch is not image ${index} of the split`)
                  }
                })
              }
            })
          )
        )

        it.effect(`the ${split} order is a pure function of (seed, epoch), whatever the batch size`, () =>
          withLoader((loader, info) =>
            Effect.gen(function* () {
              const options_ = { split, shuffle: true, augment: true, seed: 5, epoch: 1 } as const
              const a = yield* collect(loader, { ...options_, batchSize: small })
              const b = yield* collect(loader, { ...options_, batchSize: small })
              expect(indicesOf(b)).toEqual(indicesOf(a))
              expect(same(imagesOf(b), imagesOf(a)), "same images").toBe(true)
              const other = yield* collect(loader, { ...options_, batchSize: large })
              expect(indicesOf(other)).toEqual(indicesOf(a))
              expect(same(imagesOf(other), imagesOf(a)), "same images").toBe(true)
              expect(other.flatMap((x) => [...x.labels])).toEqual(a.flatMap((x) => [...x.labels]))
              if (sizeOf(info, split) > 2) {
                const orders = [] as Array<string>
                for (const key of [
                  { seed: 6, epoch: 1 },
                  { seed: 5, epoch: 2 },
                  { seed: 5, epoch: 3 }
                ]) {
                  const batches = yield* collect(loader, { ...options_, ...key, batchSize: small })
                  orders.push(indicesOf(batches).join())
                }
                expect(orders.filter((order) => order !== indicesOf(a).join()).length).toBeGreaterThan(0)
              }
            })
          )
        )

        it.effect(
          `${split}: skip and take give the matching slice, so a resumed epoch sees the same batches`,
          () =>
            withLoader((loader) =>
              Effect.gen(function* () {
                const options_ = {
                  split,
                  shuffle: true,
                  augment: true,
                  seed: 9,
                  epoch: 2,
                  batchSize: small
                } as const
                const all = yield* collect(loader, options_)
                const total = all.length
                const cuts = [0, 1, Math.floor(total / 2), total - 1].filter(
                  (c, i, xs) => xs.indexOf(c) === i
                )
                for (const skip of cuts) {
                  const rest = yield* collect(loader, { ...options_, skip })
                  expect(rest.map((x) => [...x.indices])).toEqual(all.slice(skip).map((x) => [...x.indices]))
                  expect(same(imagesOf(rest), imagesOf(all.slice(skip))), "same images").toBe(true)
                  const two = yield* collect(loader, { ...options_, skip, take: 2 })
                  expect(two.map((x) => [...x.indices])).toEqual(
                    all.slice(skip, skip + 2).map((x) => [...x.indices])
                  )
                }
                expect(yield* collect(loader, { ...options_, skip: total })).toEqual([])
                expect(yield* collect(loader, { ...options_, take: 0 })).toEqual([])
              })
            )
        )
      }

      it.effect("augmentation never touches the test split", () =>
        withLoader((loader) =>
          Effect.gen(function* () {
            const options_ = { split: "test", shuffle: true, seed: 2, epoch: 4, batchSize: small } as const
            const plain = yield* collect(loader, { ...options_, augment: false })
            const asked = yield* collect(loader, { ...options_, augment: true })
            expect(indicesOf(asked)).toEqual(indicesOf(plain))
            expect(same(imagesOf(asked), imagesOf(plain)), "same images").toBe(true)
          })
        )
      )

      if (augments) {
        it.effect("augmentation changes train images, not which images or labels a batch holds", () =>
          withLoader((loader) =>
            Effect.gen(function* () {
              const options_ = { split: "train", shuffle: true, seed: 2, epoch: 4, batchSize: large } as const
              const plain = yield* collect(loader, { ...options_, augment: false })
              const augmented = yield* collect(loader, { ...options_, augment: true })
              expect(indicesOf(augmented)).toEqual(indicesOf(plain))
              expect(augmented.flatMap((b) => [...b.labels])).toEqual(plain.flatMap((b) => [...b.labels]))
              expect(same(imagesOf(augmented), imagesOf(plain)), "augmented images differ").toBe(false)
            })
          )
        )
      }

      it.effect("bad batch options fail with a DatasetError, not a defect", () =>
        withLoader((loader) =>
          Effect.gen(function* () {
            for (const bad of [{ batchSize: 0 }, { batchSize: 1.5 }, { skip: -1 }, { epoch: -1 }]) {
              const error = yield* Effect.flip(
                collect(loader, { ...base, split: "train", batchSize: small, ...bad })
              )
              expect(error).toBeInstanceOf(DatasetLoader.DatasetError)
              expect(error.message.length).toBeGreaterThan(0)
            }
          })
        )
      )
    })

    const damaged = options.damaged
    if (damaged !== undefined) {
      it.effect("a damaged file gives a DatasetError naming the file, for info and batches alike", () =>
        Effect.gen(function* () {
          const viaInfo = yield* Effect.flip(
            Effect.flatMap(Effect.service(DatasetLoader.DatasetLoader), (loader) => loader.info)
          ).pipe(Effect.provide(damaged.layer))
          const viaBatches = yield* Effect.flip(
            Effect.flatMap(Effect.service(DatasetLoader.DatasetLoader), (loader) =>
              collect(loader, { ...base, split: "train", batchSize: small })
            )
          ).pipe(Effect.provide(damaged.layer))
          for (const error of [viaInfo, viaBatches]) {
            expect(error).toBeInstanceOf(DatasetLoader.DatasetError)
            const datasetError = error as DatasetLoader.DatasetError
            expect(datasetError.file).toBe(damaged.file)
            expect(datasetError.message).toContain(damaged.file)
            expect(datasetError.message.split("\n")).toHaveLength(1)
          }
        })
      )
    }
  })
}
