/**
 * Micro-batch chunking, and the CheckpointStore layers: directories (atomic layout, pruning, damaged
 * checkpoints skipped) and memory.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Safetensors } from "@spikernel/core"
import { Checkpoint, CheckpointStore, MemoryPlan, TrainConfig } from "@spikernel/training"
import { Effect, Option, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

describe("micro-batches", () => {
  it("splits a batch into equal chunks that never exceed the micro-batch", () => {
    expect(MemoryPlan.chunkSizes(64, 64)).toEqual([64])
    expect(MemoryPlan.chunkSizes(64, 40)).toEqual([32, 32])
    expect(MemoryPlan.chunkSizes(10, 3)).toEqual([3, 3, 2, 2])
    expect(MemoryPlan.chunkSizes(5, 1)).toEqual([1, 1, 1, 1, 1])
    for (let n = 1; n < 40; n++)
      for (let m = 1; m <= n; m++) {
        const c = MemoryPlan.chunkSizes(n, m)
        expect(c.reduce((a, b) => a + b, 0)).toBe(n)
        expect(Math.max(...c)).toBeLessThanOrEqual(m)
        expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1)
      }
  })
})

const config = Schema.decodeUnknownSync(TrainConfig)({ epochs: 4, batchSize: 8 })

const stateAt = (epoch: number): Checkpoint.CheckpointState => ({
  format: "spikernel-training-checkpoint",
  version: 1,
  fingerprint: "f",
  config,
  position: { epoch, batch: 0 },
  microBatch: 8,
  optimizerSteps: epoch * 3,
  backend: "cpu",
  records: [],
  partial: { lossSum: 0, correct: 0, samples: 0, seconds: 0 }
})

const weightsAt = (epoch: number) =>
  Effect.runSync(
    Safetensors.encode([["w", { dtype: "F32", shape: [2], data: Float32Array.from([epoch, -epoch]) }]])
  )
const checkpointAt = (epoch: number): Checkpoint.TrainingCheckpoint => ({
  state: stateAt(epoch),
  weights: weightsAt(epoch),
  optimizer: weightsAt(0)
})
const weightOf = (
  checkpoint: Option.Option<{ readonly checkpoint: Checkpoint.TrainingCheckpoint; readonly location: string }>
) =>
  Array.from(
    Effect.runSync(Safetensors.decode(Option.getOrThrow(checkpoint).checkpoint.weights)).tensors.get("w")!
      .data as Float32Array
  )

const storeIn = (dir: string) =>
  Effect.provide(
    Effect.service(CheckpointStore.CheckpointStore),
    CheckpointStore.layerDirectory(dir, { keep: 2 })
  )

describe("checkpoint directories", () => {
  it.effect("write atomically, keep the newest k, read the newest, skip a damaged one", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-ckpt-"))
      const missing = yield* storeIn(path.join(dir, "missing"))
      expect(Option.isNone(yield* missing.latest)).toBe(true)
      const store = yield* storeIn(dir)
      for (const epoch of [1, 2, 3]) {
        expect(yield* store.save(checkpointAt(epoch))).toBe(
          `${dir}/${Checkpoint.nameOf({ epoch, batch: 0 })}`
        )
      }
      expect(fs.readdirSync(dir).sort()).toEqual(["ckpt-e0002-b000000", "ckpt-e0003-b000000", "latest.json"])
      expect(JSON.parse(fs.readFileSync(path.join(dir, "latest.json"), "utf8"))).toEqual({
        name: "ckpt-e0003-b000000"
      })
      const latest = yield* store.latest
      expect(Option.getOrThrow(latest).checkpoint.state.position).toEqual({ epoch: 3, batch: 0 })
      expect(weightOf(latest)).toEqual([3, -3])

      // Flip one byte of the newest weights: its sha256 no longer matches, the older one is used.
      const file = path.join(dir, "ckpt-e0003-b000000", "weights.safetensors")
      const bytes = fs.readFileSync(file)
      bytes[bytes.length - 1] ^= 1
      fs.writeFileSync(file, bytes)
      const fallback = yield* store.latest
      expect(Option.getOrThrow(fallback).checkpoint.state.position).toEqual({ epoch: 2, batch: 0 })

      // A leftover temp directory of a killed writer is ignored by readers and replaced by writers.
      fs.mkdirSync(path.join(dir, ".ckpt-e0004-b000000.tmp"))
      fs.writeFileSync(path.join(dir, ".ckpt-e0004-b000000.tmp", "weights.safetensors"), "torn")
      expect(Option.getOrThrow(yield* store.latest).checkpoint.state.position.epoch).toBe(2)
      yield* store.save(checkpointAt(4))
      expect(Option.getOrThrow(yield* store.latest).checkpoint.state.position.epoch).toBe(4)
      expect(fs.readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([])

      // Every checkpoint damaged: a failure naming them, not a silent fresh start.
      fs.writeFileSync(path.join(dir, "ckpt-e0004-b000000", "checkpoint.json"), "{")
      fs.writeFileSync(path.join(dir, "ckpt-e0003-b000000", "checkpoint.json"), "{")
      const error = yield* Effect.flip(store.latest)
      expect(error.message).toMatch(/no readable checkpoint/)

      // An unknown key in checkpoint.json is refused, naming it (and that checkpoint is skipped).
      yield* store.save(checkpointAt(5))
      const json = path.join(dir, "ckpt-e0005-b000000", "checkpoint.json")
      fs.writeFileSync(json, JSON.stringify({ ...JSON.parse(fs.readFileSync(json, "utf8")), extra: 1 }))
      const refused = yield* Effect.flip(store.latest)
      expect(refused.message).toMatch(/ckpt-e0005-b000000\/checkpoint.json: .*extra/)
      fs.rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.effect("memory: the newest checkpoint, none at first", () =>
    Effect.gen(function* () {
      const store = yield* CheckpointStore.CheckpointStore
      expect(Option.isNone(yield* store.latest)).toBe(true)
      yield* store.save(checkpointAt(1))
      expect(yield* store.save(checkpointAt(2))).toBe("memory:ckpt-e0002-b000000")
      expect(weightOf(yield* store.latest)).toEqual([2, -2])
    }).pipe(Effect.provide(CheckpointStore.layerMemory))
  )

  it("the fingerprint ignores checkpoint cadence but not what changes results", () => {
    const base = { layout: [["w", [2]] as const], dataset: "d" }
    const f = (c: Partial<TrainConfig>) => Checkpoint.fingerprint({ ...base, config: { ...config, ...c } })
    expect(f({ keepCheckpoints: 5, checkpointEveryBatches: 3 })).toBe(f({}))
    expect(f({ epochs: 5 })).not.toBe(f({}))
    expect(f({ seed: 1 })).not.toBe(f({}))
    expect(Checkpoint.fingerprint({ ...base, config, dataset: "e" })).not.toBe(f({}))
  })
})
