/**
 * The safetensors codec (round trip, deterministic bytes, malformed files refused), micro-batch
 * chunking, and checkpoint directories: atomic layout, pruning, damaged checkpoints skipped.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Checkpoint, MemoryPlan, Safetensors, TrainConfig } from "@spikernel/training"
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const tensors = new Map<string, Omit<Safetensors.NamedArray, "dtype">>([
  ["b.weight", { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
  ["a.count", { shape: [2], data: Int32Array.from([7, -8]) }],
  ["c.bytes", { shape: [3], data: Uint8Array.from([1, 2, 255]) }],
  ["d.empty", { shape: [0, 4], data: new Float32Array(0) }]
])

const header = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) }
}

const withHeader = (json: unknown, data: Uint8Array) => {
  const h = new TextEncoder().encode(JSON.stringify(json))
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true)
  out.set(h, 8)
  out.set(data, 8 + h.length)
  return out
}

describe("safetensors", () => {
  it.effect("round-trips dtypes, shapes and metadata; header sorted, padded to 8 bytes", () =>
    Effect.gen(function* () {
      const bytes = Safetensors.encode(tensors, { format: "pt" })
      const { n, json } = header(bytes)
      expect(n % 8).toBe(0)
      expect(Object.keys(json)).toEqual(["__metadata__", "a.count", "b.weight", "c.bytes", "d.empty"])
      expect(json["b.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [8, 32] })
      const decoded = yield* Safetensors.decode(bytes, "x")
      expect(decoded.metadata).toEqual({ format: "pt" })
      expect(Array.from(decoded.tensors.get("b.weight")!.data)).toEqual([1, 2, 3, 4, 5, 6])
      expect(decoded.tensors.get("a.count")!.dtype).toBe("I32")
      expect(Array.from(decoded.tensors.get("a.count")!.data)).toEqual([7, -8])
      expect(Array.from(decoded.tensors.get("c.bytes")!.data)).toEqual([1, 2, 255])
      expect(decoded.tensors.get("d.empty")!.shape).toEqual([0, 4])
      // Same input, same bytes (checkpoints are compared byte for byte).
      expect(Safetensors.encode(tensors, { format: "pt" })).toEqual(bytes)
    })
  )

  it.effect("refuses truncated files, bad offsets, gaps, overlaps and size mismatches", () =>
    Effect.gen(function* () {
      const data = new Uint8Array(16)
      const cases: Array<readonly [Uint8Array, RegExp]> = [
        [new Uint8Array(5), /shorter than the 8-byte header/],
        [Safetensors.encode(tensors).subarray(0, 40), /header length|outside/],
        [
          withHeader({ x: { dtype: "F32", shape: [2], data_offsets: [0, 12] } }, data.subarray(0, 12)),
          /12 bytes for F32/
        ],
        [withHeader({ x: { dtype: "F32", shape: [4], data_offsets: [0, 32] } }, data), /outside/],
        [
          withHeader(
            {
              x: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
              y: { dtype: "F32", shape: [2], data_offsets: [4, 12] }
            },
            data.subarray(0, 12)
          ),
          /gap or overlap/
        ],
        [withHeader({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, data), /trailing bytes/],
        [
          withHeader({ x: { dtype: "BF16", shape: [2], data_offsets: [0, 4] } }, data.subarray(0, 4)),
          /not \{dtype/
        ],
        [withHeader([1, 2], data.subarray(0, 0)), /not a JSON object/]
      ]
      for (const [bytes, message] of cases) {
        const error = yield* Effect.flip(Safetensors.decode(bytes, "f.safetensors"))
        expect(error.reason._tag).toBe("CheckpointFailed")
        expect(error.message).toMatch(message)
      }
    })
  )
})

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

const stateAt = (epoch: number): Omit<Checkpoint.CheckpointState, "sha256"> => ({
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
  Safetensors.encode(new Map([["w", { shape: [2], data: Float32Array.from([epoch, -epoch]) }]]))

describe("checkpoint directories", () => {
  it.effect("write atomically, keep the newest k, read the newest, skip a damaged one", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-ckpt-"))
      expect(yield* Checkpoint.readLatest(path.join(dir, "missing"))).toBeUndefined()
      for (const epoch of [1, 2, 3]) {
        yield* Checkpoint.write({
          dir,
          state: stateAt(epoch),
          weights: weightsAt(epoch),
          optimizer: weightsAt(0),
          keep: 2
        })
      }
      expect(fs.readdirSync(dir).sort()).toEqual(["ckpt-e0002-b000000", "ckpt-e0003-b000000", "latest.json"])
      expect(JSON.parse(fs.readFileSync(path.join(dir, "latest.json"), "utf8"))).toEqual({
        name: "ckpt-e0003-b000000"
      })
      const latest = yield* Checkpoint.readLatest(dir)
      expect(latest?.state.position).toEqual({ epoch: 3, batch: 0 })
      expect(Array.from(latest!.weights.tensors.get("w")!.data)).toEqual([3, -3])

      // Flip one byte of the newest weights: its sha256 no longer matches, the older one is used.
      const file = path.join(dir, "ckpt-e0003-b000000", "weights.safetensors")
      const bytes = fs.readFileSync(file)
      bytes[bytes.length - 1] ^= 1
      fs.writeFileSync(file, bytes)
      const fallback = yield* Checkpoint.readLatest(dir)
      expect(fallback?.state.position).toEqual({ epoch: 2, batch: 0 })

      // A leftover temp directory of a killed writer is ignored by readers and replaced by writers.
      fs.mkdirSync(path.join(dir, ".ckpt-e0004-b000000.tmp"))
      fs.writeFileSync(path.join(dir, ".ckpt-e0004-b000000.tmp", "weights.safetensors"), "torn")
      expect((yield* Checkpoint.readLatest(dir))?.state.position.epoch).toBe(2)
      yield* Checkpoint.write({
        dir,
        state: stateAt(4),
        weights: weightsAt(4),
        optimizer: weightsAt(0),
        keep: 2
      })
      expect((yield* Checkpoint.readLatest(dir))?.state.position.epoch).toBe(4)
      expect(fs.readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([])

      // Every checkpoint damaged: a failure naming them, not a silent fresh start.
      fs.writeFileSync(path.join(dir, "ckpt-e0004-b000000", "checkpoint.json"), "{")
      fs.writeFileSync(path.join(dir, "ckpt-e0003-b000000", "checkpoint.json"), "{")
      const error = yield* Effect.flip(Checkpoint.readLatest(dir))
      expect(error.message).toMatch(/no readable checkpoint/)
      fs.rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.provide(NodeFileSystem.layer))
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
