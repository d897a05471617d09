/**
 * The training loop on a tiny SNASNet-like network and an in-memory data set (cpu backend): it learns,
 * its records decode, tensors do not leak across epochs, a stopped-and-resumed training is
 * byte-identical to an uninterrupted one (at an epoch boundary and mid-epoch), micro-batching splits
 * a batch under a memory limit and refuses before training when one sample cannot fit.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Backend } from "@spikernel/tensor"
import {
  batchGradients,
  CheckpointStore,
  EpochRecord,
  evaluate,
  type TrainableModel,
  TrainConfig,
  type TrainConfigInput,
  type TrainProgress,
  type TrainOptions,
  train as trainIn
} from "@spikernel/training"
import * as tf from "@tensorflow/tfjs"
import { Deferred, Effect, Fiber, Layer, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { memoryLoader } from "./fixtures/MemoryLoader.ts"
import { tinySnn } from "./fixtures/TinySnn.ts"

const data = { imageShape: [8, 8, 1] as const, classes: 4, train: 96, test: 64, seed: 5, noise: 0.8 }
const env = Layer.mergeAll(memoryLoader(data), Backend.layerCpu, NodeFileSystem.layer)
const model = (seed = 1, extra: { batchNorm?: boolean; dropout?: number } = {}) =>
  tinySnn({ channels: [4, 8], inputChannels: 1, classes: 4, seed, ...extra })
const config = (input: Partial<TrainConfigInput>) =>
  Schema.decodeUnknownSync(TrainConfig)({ epochs: 2, batchSize: 16, timesteps: 3, ...input })
/** A training with its checkpoints in `dir` (in memory without one). */
const train = (options: TrainOptions & { readonly checkpointDir?: string }) => {
  const { checkpointDir, ...rest } = options
  return trainIn(rest).pipe(
    Effect.provide(
      checkpointDir === undefined
        ? CheckpointStore.layerMemory
        : CheckpointStore.layerDirectory(checkpointDir, { keep: rest.config.keepCheckpoints })
    )
  )
}
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-train-"))
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file))
const weightsOf = (m: TrainableModel) =>
  [...m.weights, ...m.state].map(([n, v]) => [n, Array.from(v.dataSync())])

describe("train", () => {
  // Live clock: the records' seconds and images per second come from Clock.
  it.live(
    "learns a separable task; records decode; numTensors is the same after epoch 1 and epoch 3",
    () =>
      Effect.gen(function* () {
        const net = model()
        const counts: Array<number> = []
        const events: Array<TrainProgress["_tag"]> = []
        const result = yield* train({
          model: net,
          config: config({ epochs: 3, batchSize: 16, augment: false, optimizer: { kind: "sgd", lr: 0.3 } }),
          onProgress: (e) =>
            Effect.sync(() => {
              events.push(e._tag)
              if (e._tag === "Epoch") counts.push(tf.memory().numTensors)
            })
        })
        expect(result.completed).toBe(true)
        expect(result.records).toHaveLength(3)
        for (const r of result.records) Schema.decodeUnknownSync(EpochRecord)(r)
        const last = result.records[2]
        expect(last.testTop1).toBeGreaterThan(0.6) // chance is 0.25
        expect(last.loss).toBeLessThan(result.records[0].loss)
        expect(last.firingRates.map((f) => f.layer)).toEqual(["lif1", "lif2"])
        expect(last.firingRates.map((f) => f.neurons)).toEqual([8 * 8 * 4, 8 * 8 * 8])
        for (const f of last.firingRates) expect(f.rate).toBeGreaterThan(0)
        const spikes = last.firingRates.reduce((s, f) => s + f.rate * f.neurons * 3, 0)
        expect(last.spikesPerSample).toBeCloseTo(spikes, 3)
        expect(last.imagesPerSecond).toBeGreaterThan(0)
        expect(result.records.map((r) => r.learningRate)).toEqual([
          0.3,
          0.003 + (0.297 * (1 + Math.cos(Math.PI / 3))) / 2,
          0.003 + (0.297 * (1 + Math.cos((2 * Math.PI) / 3))) / 2
        ])
        expect(counts).toHaveLength(3)
        expect(counts[2]).toBe(counts[0])
        expect(events.filter((e) => e === "Batch")).toHaveLength(18)
        expect(result.checkpoint).toBe("memory:ckpt-e0003-b000000")
        net.dispose()
      }).pipe(Effect.provide(env)),
    900_000
  )

  it.live(
    "a firing-rate penalty trains a network that spikes less, and its loss record stays the cross-entropy",
    () =>
      Effect.gen(function* () {
        const run = (firingRatePenalty?: number) =>
          Effect.gen(function* () {
            const net = model()
            const before = tf.memory().numTensors
            const result = yield* train({
              model: net,
              config: config({
                epochs: 2,
                augment: false,
                optimizer: { kind: "sgd", lr: 0.3 },
                ...(firingRatePenalty === undefined ? {} : { firingRatePenalty })
              })
            })
            net.dispose()
            return { record: result.records[1], leaked: tf.memory().numTensors - before }
          })
        const plain = yield* run()
        const penalised = yield* run(5)
        expect(penalised.record.spikesPerSample).toBeLessThan(0.7 * plain.record.spikesPerSample)
        // The same first batch's cross-entropy either way (the penalty changes only the gradient).
        expect(penalised.record.loss).toBeGreaterThan(0)
        expect(penalised.leaked).toBeLessThanOrEqual(plain.leaked)
        expect(() => config({ firingRatePenalty: 0 })).toThrow(/firingRatePenalty/)
      }).pipe(Effect.provide(env)),
    900_000
  )

  it.effect(
    "stop after epoch 1 + resume = 2 uninterrupted epochs, byte for byte; also from mid-epoch",
    () =>
      Effect.gen(function* () {
        const c = config({ epochs: 2, batchSize: 16 })
        const [a, b, m] = [tempDir(), tempDir(), tempDir()]
        const final = "ckpt-e0002-b000000"

        const straight = model()
        const full = yield* train({ model: straight, config: c, checkpointDir: a })
        expect(full.checkpoint).toBe(path.join(a, final).replace(/\\/g, "/"))

        // Stop at the epoch boundary, then resume in a fresh model with *different* initial weights.
        const first = model()
        const stopped = yield* train({
          model: first,
          config: c,
          checkpointDir: b,
          until: { epoch: 1, batch: 0 }
        })
        expect(stopped.completed).toBe(false)
        expect(stopped.records).toHaveLength(1)
        first.dispose()
        const second = model(99)
        const resumed = yield* train({ model: second, config: c, checkpointDir: b })
        expect(resumed.resumedFrom).toMatch(/ckpt-e0001-b000000$/)
        expect(resumed.records).toHaveLength(2)
        expect(read(path.join(b, final), "weights.safetensors")).toEqual(
          read(path.join(a, final), "weights.safetensors")
        )
        expect(read(path.join(b, final), "optimizer.safetensors")).toEqual(
          read(path.join(a, final), "optimizer.safetensors")
        )
        expect(weightsOf(second)).toEqual(weightsOf(straight))
        expect(resumed.records.map((r) => r.testTop1)).toEqual(full.records.map((r) => r.testTop1))
        expect(resumed.records.map((r) => r.loss)).toEqual(full.records.map((r) => r.loss))

        // Mid-epoch: stop after 8 batches (batch 2 of epoch 2), resume (the stream skips the batches done).
        const third = model()
        const partial = yield* train({ model: third, config: c, checkpointDir: m, maxBatches: 8 })
        expect(partial.position).toEqual({ epoch: 1, batch: 2 })
        expect(fs.readdirSync(m)).toContain("ckpt-e0001-b000002")
        third.dispose()
        const fourth = model(7)
        const end = yield* train({ model: fourth, config: c, checkpointDir: m })
        expect(end.records.map((r) => r.loss)).toEqual(full.records.map((r) => r.loss))
        expect(read(path.join(m, final), "weights.safetensors")).toEqual(
          read(path.join(a, final), "weights.safetensors")
        )

        // Interrupted (as by Ctrl-C) inside epoch 1: it stops between batches and checkpoints there.
        const third3 = yield* Deferred.make<void>()
        const i = tempDir()
        const fifth = model()
        const fiber = yield* Effect.forkChild(
          train({
            model: fifth,
            config: c,
            checkpointDir: i,
            onProgress: (e) =>
              e._tag === "Batch" && e.batch === 3
                ? Effect.asVoid(Deferred.succeed(third3, undefined))
                : Effect.void
          })
        )
        yield* Deferred.await(third3)
        yield* Fiber.interrupt(fiber)
        const left = fs.readdirSync(i).filter((n) => n.startsWith("ckpt-"))
        expect(left).toHaveLength(1)
        expect(left[0]).toMatch(/^ckpt-e0000-b00000[3-5]$/)
        const sixth = model(11)
        yield* train({ model: sixth, config: c, checkpointDir: i })
        expect(read(path.join(i, final), "weights.safetensors")).toEqual(
          read(path.join(a, final), "weights.safetensors")
        )
        for (const net of [fifth, sixth]) net.dispose()
        fs.rmSync(i, { recursive: true, force: true })

        // Resuming a finished training trains nothing and returns its records.
        const again = yield* train({ model: fourth, config: c, checkpointDir: a })
        expect(again.records.map((r) => r.testTop1)).toEqual(full.records.map((r) => r.testTop1))
        expect(again.completed).toBe(true)

        // A checkpoint of another training is refused, naming what differs.
        const other = yield* Effect.flip(
          train({ model: fourth, config: { ...c, seed: 9 }, checkpointDir: a })
        )
        expect(other.reason._tag).toBe("CheckpointFailed")
        expect(other.message).toMatch(
          /belongs to another training: config differs in seed \(checkpoint 1234, now 9\)/
        )

        for (const net of [straight, second, fourth]) net.dispose()
        for (const d of [a, b, m]) fs.rmSync(d, { recursive: true, force: true })
      }).pipe(Effect.provide(env)),
    900_000
  )

  it.effect(
    "splits batches into micro-batches under a memory limit, and refuses before training if one sample cannot fit",
    () =>
      Effect.gen(function* () {
        const net = model()
        const before = weightsOf(net)
        const refused = yield* Effect.flip(
          train({ model: net, config: config({ epochs: 1 }), memoryLimitBytes: 20_000 })
        )
        expect(refused.reason._tag).toBe("MemoryRefused")
        expect(refused.message).toMatch(/^not even one sample fits: .* MiB per sample/)
        expect(weightsOf(net)).toEqual(before) // nothing trained, BatchNorm statistics untouched

        // Room for a few samples: the 16-sample batches run as equal micro-batches.
        const plans: Array<number> = []
        const result = yield* train({
          model: net,
          config: config({ epochs: 1, memoryHeadroom: 0 }),
          memoryLimitBytes: tf.memory().numBytes + 1_200_000,
          onProgress: (e) => Effect.sync(() => e._tag === "Planned" && plans.push(e.plan.microBatch))
        })
        expect(result.plan.measured).toBe(true)
        expect(result.plan.microBatch).toBeLessThan(16)
        expect(result.plan.microBatch).toBeGreaterThan(0)
        expect(
          result.plan.fixedBytes + result.plan.microBatch * result.plan.bytesPerSample
        ).toBeLessThanOrEqual(result.plan.availableBytes)
        expect(plans).toEqual([result.plan.microBatch])
        expect(result.records[0].loss).toBeGreaterThan(0)

        // A micro-batch asked for that cannot fit is refused with the numbers.
        const tooBig = yield* Effect.flip(
          train({
            model: net,
            config: config({ epochs: 1, microBatch: 16, memoryHeadroom: 0 }),
            memoryLimitBytes: tf.memory().numBytes + 1_200_000
          })
        )
        expect(tooBig.message).toMatch(/^micro-batch 16 does not fit: .* at most \d+ samples fit$/)
        net.dispose()
      }).pipe(Effect.provide(env)),
    900_000
  )

  it.effect("accumulated micro-batch gradients equal the whole batch's (no BatchNorm, no dropout)", () =>
    Effect.sync(() => {
      const net = model(3, { batchNorm: false, dropout: 0 })
      const px = 64
      const images = new Float32Array(12 * px)
      for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.37) * 2
      const batch = {
        size: 12,
        imageShape: [8, 8, 1] as const,
        images,
        labels: Int32Array.from({ length: 12 }, (_, i) => i % 4),
        indices: Int32Array.from({ length: 12 }, (_, i) => i)
      }
      const key = (i: number) => ({ seed: 0, index: i })
      const whole = batchGradients({ model: net, batch, microBatch: 12, timesteps: 3, dropoutKey: key })
      const split = batchGradients({ model: net, batch, microBatch: 5, timesteps: 3, dropoutKey: key })
      expect(split.result.loss).toBeCloseTo(whole.result.loss, 5)
      expect(split.result.correct).toBe(whole.result.correct)
      expect([...split.grads.keys()].sort()).toEqual([...whole.grads.keys()].sort())
      for (const [name, g] of whole.grads) {
        const a = g.dataSync()
        const b = split.grads.get(name)!.dataSync()
        let norm = 0
        for (let i = 0; i < a.length; i++) {
          expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5)
          norm += Math.abs(a[i])
        }
        expect(norm).toBeGreaterThan(0) // surrogate gradients reach every weight
      }
      tf.dispose([...whole.grads.values(), ...split.grads.values()])
      net.dispose()
    })
  )

  it.effect("evaluates in eval mode: deterministic, independent of the chunk size, state untouched", () =>
    Effect.gen(function* () {
      const net = model()
      const before = weightsOf(net)
      const a = yield* evaluate({ model: net, timesteps: 3, batchSize: 64 })
      const b = yield* evaluate({ model: net, timesteps: 3, batchSize: 7 })
      expect(a.samples).toBe(64)
      expect(b.top1).toBe(a.top1)
      expect(b.loss).toBeCloseTo(a.loss, 5)
      expect(b.firingRates).toEqual(a.firingRates)
      expect(weightsOf(net)).toEqual(before)
      net.dispose()
    }).pipe(Effect.provide(env))
  )

  it.effect("stops with NonFiniteLoss instead of checkpointing a poisoned model", () =>
    Effect.gen(function* () {
      const net = model()
      const poisoned: TrainableModel = {
        ...net,
        forward: (images, o) => tf.tidy(() => tf.mul(net.forward(images, o), Number.NaN))
      }
      const dir = tempDir()
      const error = yield* Effect.flip(
        train({ model: poisoned, config: config({ epochs: 1 }), checkpointDir: dir })
      )
      expect(error.reason._tag).toBe("NonFiniteLoss")
      expect(error.message).toBe("loss is NaN at epoch 1, batch 1; lower the learning rate")
      expect(fs.readdirSync(dir)).toEqual([])
      net.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.provide(env))
  )
})
