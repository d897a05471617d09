/**
 * The safetensors codec: round trips, a hand-built file, Buffer views, every malformed-file check,
 * and float16/bfloat16 reading. (The PyTorch ↔ tfjs layouts are tested in @spikernel/spaces and end
 * to end by `spikernel score --weights` in the CLI tests.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Rng, Safetensors } from "@spikernel/core"
import { Effect } from "effect"

const { decode: decodeSafetensors, encode: encodeSafetensors, floatValues } = Safetensors
type SafeTensor = Safetensors.SafeTensor

const randomFloats = (n: number, index: number) => {
  const draws = Rng.draws({ seed: 1, stream: "test/weights", index })
  return Float32Array.from({ length: n }, () => draws.normal())
}

/** Bytes of a file with the given header object and data. */
const fileOf = (header: unknown, data: Uint8Array, declaredLength?: number): Uint8Array => {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

describe("safetensors", () => {
  it.effect("round-trips every dtype, shapes incl. scalars, and metadata", () =>
    Effect.gen(function* () {
      const tensors: Array<[string, SafeTensor]> = [
        ["stem.0.weight", { dtype: "F32", shape: [2, 1, 3, 3], data: randomFloats(18, 0) }],
        ["stem.1.num_batches_tracked", { dtype: "I64", shape: [], data: BigInt64Array.from([7n]) }],
        ["a.f64", { dtype: "F64", shape: [3], data: Float64Array.from([1.5, -2, 1e300]) }],
        ["a.i32", { dtype: "I32", shape: [2], data: Int32Array.from([-1, 2 ** 31 - 1]) }],
        ["a.f16", { dtype: "F16", shape: [1], data: Uint16Array.from([0x3c00]) }],
        ["a.bool", { dtype: "BOOL", shape: [2], data: Uint8Array.from([1, 0]) }],
        ["a.empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }]
      ]
      const bytes = yield* encodeSafetensors(tensors, { format: "pt" })
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true))
      expect(headerLength % 8).toBe(0)
      const file = yield* decodeSafetensors(bytes)
      expect(file.metadata).toEqual({ format: "pt" })
      expect([...file.tensors.keys()].sort()).toEqual(tensors.map(([n]) => n).sort())
      for (const [name, tensor] of tensors) expect(file.tensors.get(name)).toEqual(tensor)
      // Equal inputs give equal bytes.
      expect(yield* encodeSafetensors(tensors, { format: "pt" })).toEqual(bytes)
    })
  )

  it.effect("reads a file held in a Node Buffer that is a view into a larger pool", () =>
    Effect.gen(function* () {
      const bytes = yield* encodeSafetensors([
        ["a", { dtype: "F32", shape: [2], data: Float32Array.from([1.5, -2]) }],
        ["b", { dtype: "I32", shape: [1], data: Int32Array.from([7]) }]
      ])
      const pool = Buffer.alloc(bytes.length + 100, 0xab)
      pool.set(bytes, 37)
      const file = yield* decodeSafetensors(pool.subarray(37, 37 + bytes.length))
      expect([...(file.tensors.get("a")?.data ?? [])]).toEqual([1.5, -2])
      expect([...(file.tensors.get("b")?.data ?? [])]).toEqual([7])
    })
  )

  it.effect("reads a file built by hand to the specification", () =>
    Effect.gen(function* () {
      const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer)
      const bytes = fileOf(
        {
          b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }
        },
        data
      )
      const file = yield* decodeSafetensors(bytes)
      expect([...(file.tensors.get("a")?.data ?? [])]).toEqual([1, 2])
      expect([...(file.tensors.get("b")?.data ?? [])]).toEqual([3])
    })
  )

  it.effect("rejects malformed files with a message naming the problem", () =>
    Effect.gen(function* () {
      const four = new Uint8Array(4)
      const cases: Array<[Uint8Array, RegExp]> = [
        [new Uint8Array(3), /too short/],
        [fileOf({}, four, 9999), /runs past the end/],
        [fileOf([], new Uint8Array(0)), /not a JSON object/],
        [
          fileOf({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, four),
          /tensor a.*4 bytes, but F32 \[2\] needs 8/
        ],
        [
          fileOf({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
          /tensor a.*gap/
        ],
        [
          fileOf(
            {
              a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
              b: { dtype: "F32", shape: [1], data_offsets: [2, 6] }
            },
            new Uint8Array(8)
          ),
          /tensor b.*overlaps/
        ],
        [
          fileOf({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)),
          /4 bytes after the last tensor/
        ],
        [
          fileOf({ a: { dtype: "Q4", shape: [1], data_offsets: [0, 4] } }, four),
          /tensor a.*bad header entry/
        ],
        [fileOf({ __metadata__: { x: 1 } }, new Uint8Array(0)), /__metadata__.x is not a string/]
      ]
      for (const [bytes, message] of cases) {
        const error = yield* Effect.flip(decodeSafetensors(bytes, "m.safetensors"))
        expect(error.message).toMatch(/^m\.safetensors/)
        expect(error.message).toMatch(message)
      }
      const notJson = fileOf({}, new Uint8Array(0))
      notJson[8] = 0x7b + 1
      expect((yield* Effect.flip(decodeSafetensors(notJson))).message).toMatch(/not UTF-8 JSON/)
    })
  )

  it.effect("refuses to encode data that does not match its dtype and shape", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        encodeSafetensors([["w", { dtype: "F32", shape: [3], data: new Float32Array(2) }]])
      )
      expect(error.message).toMatch(/tensor w.*does not hold F32 \[3\]/)
    })
  )
})

describe("float values", () => {
  it("reads float16 and bfloat16 as float32 and refuses integer tensors", () => {
    expect([
      ...(floatValues({ dtype: "F16", shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x0001]) }) ?? [])
    ]).toEqual([1, -2, 2 ** -24])
    expect([...(floatValues({ dtype: "BF16", shape: [1], data: Uint16Array.from([0x3fc0]) }) ?? [])]).toEqual(
      [1.5]
    )
    expect(floatValues({ dtype: "I64", shape: [], data: BigInt64Array.from([0n]) })).toBeUndefined()
  })
})
