/**
 * A small safetensors codec for checkpoints: 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets }, __metadata__ }`, then the raw little-endian data.
 *
 * Training writes its own files with it so that the package depends on nothing but core and tensor;
 * the format is the public one (https://github.com/huggingface/safetensors), so the files load in
 * PyTorch and in `@spikernel/scorers`' reader. Encoding is deterministic: tensors sorted by name, the
 * header padded with spaces to a multiple of 8 bytes (as the reference writer does).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { checkpointFailed, type TrainingError } from "./TrainingError.ts"

/**
 * The dtypes this codec reads and writes.
 *
 * @since 0.1.0
 */
export const Dtype = Schema.Literals(["F32", "F64", "I32", "U8"])

/**
 * @since 0.1.0
 */
export type Dtype = typeof Dtype.Type

/**
 * One named tensor as plain data.
 *
 * @since 0.1.0
 */
export interface NamedArray {
  readonly dtype: Dtype
  readonly shape: ReadonlyArray<number>
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array
}

/**
 * A decoded file: tensors by name and the free-form string metadata.
 *
 * @since 0.1.0
 */
export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, NamedArray>
  readonly metadata: Readonly<Record<string, string>>
}

const bytesPerElement: Record<Dtype, number> = { F32: 4, F64: 8, I32: 4, U8: 1 }

const TensorEntry = Schema.Struct({
  dtype: Dtype,
  shape: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  data_offsets: Schema.Tuple([Schema.Int, Schema.Int])
})

const dtypeOf = (data: NamedArray["data"]): Dtype =>
  data instanceof Float32Array
    ? "F32"
    : data instanceof Float64Array
      ? "F64"
      : data instanceof Int32Array
        ? "I32"
        : "U8"

const elementCount = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1)

/**
 * Encodes tensors (sorted by name) and metadata into safetensors bytes. Host byte order is
 * little-endian on every platform tfjs runs on; the bytes are copied as they are.
 *
 * @since 0.1.0
 */
export const encode = (
  tensors: ReadonlyMap<string, Omit<NamedArray, "dtype">>,
  metadata: Readonly<Record<string, string>> = {}
): Uint8Array => {
  const names = [...tensors.keys()].sort()
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata
  let offset = 0
  for (const name of names) {
    const t = tensors.get(name)!
    if (elementCount(t.shape) !== t.data.length) {
      throw new RangeError(`safetensors: ${name} has shape [${t.shape}] but ${t.data.length} elements`)
    }
    const size = t.data.byteLength
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + size] }
    offset += size
  }
  let json = JSON.stringify(header)
  const raw = new TextEncoder().encode(json)
  json += " ".repeat((8 - (raw.length % 8)) % 8)
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + headerBytes.length + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true)
  out.set(headerBytes, 8)
  let at = 8 + headerBytes.length
  for (const name of names) {
    const data = tensors.get(name)!.data
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at)
    at += data.byteLength
  }
  return out
}

const copyAs = (dtype: Dtype, bytes: Uint8Array): NamedArray["data"] => {
  // A fresh buffer of exactly this size: the slice in the file need not be aligned for the element
  // size, and Node's Buffer#slice would share the file's (pooled) memory.
  const copy = new Uint8Array(bytes)
  switch (dtype) {
    case "F32":
      return new Float32Array(copy.buffer, 0, copy.length / 4)
    case "F64":
      return new Float64Array(copy.buffer, 0, copy.length / 8)
    case "I32":
      return new Int32Array(copy.buffer, 0, copy.length / 4)
    case "U8":
      return copy
  }
}

/**
 * Decodes safetensors bytes, checking that every tensor's byte range matches its shape, lies inside
 * the data section and that the ranges tile it without gaps or overlaps. `path` names the file in errors.
 *
 * @since 0.1.0
 */
export const decode = (bytes: Uint8Array, path: string): Effect.Effect<SafetensorsFile, TrainingError> =>
  Effect.gen(function* () {
    const fail = (reason: string) =>
      Effect.fail(checkpointFailed(path, `${path}: not a valid safetensors file: ${reason}`))
    if (bytes.length < 8) return yield* fail(`${bytes.length} bytes, shorter than the 8-byte header length`)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const headerLength = Number(view.getBigUint64(0, true))
    if (headerLength > bytes.length - 8) {
      return yield* fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`)
    }
    const parsed = yield* Effect.try({
      try: () =>
        JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))),
      catch: (cause) => checkpointFailed(path, `${path}: safetensors header is not JSON (${String(cause)})`)
    })
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return yield* fail("header is not a JSON object")
    }
    const dataStart = 8 + headerLength
    const dataLength = bytes.length - dataStart
    const tensors = new Map<string, NamedArray>()
    const ranges: Array<readonly [number, number, string]> = []
    let metadata: Record<string, string> = {}
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (name === "__metadata__") {
        const decoded = Schema.decodeUnknownOption(Schema.Record(Schema.String, Schema.String))(value)
        if (decoded._tag === "None") return yield* fail("__metadata__ is not a map of strings")
        metadata = { ...decoded.value }
        continue
      }
      const entry = Schema.decodeUnknownOption(TensorEntry)(value)
      if (entry._tag === "None") return yield* fail(`entry ${name} is not {dtype, shape, data_offsets}`)
      const {
        dtype,
        shape,
        data_offsets: [begin, end]
      } = entry.value
      const expected = elementCount(shape) * bytesPerElement[dtype]
      if (begin < 0 || end < begin || end > dataLength) {
        return yield* fail(
          `${name}: data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section`
        )
      }
      if (end - begin !== expected) {
        return yield* fail(`${name}: ${end - begin} bytes for ${dtype} [${shape}] (expected ${expected})`)
      }
      ranges.push([begin, end, name])
      tensors.set(name, {
        dtype,
        shape,
        data: copyAs(dtype, bytes.subarray(dataStart + begin, dataStart + end))
      })
    }
    ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    let cursor = 0
    for (const [begin, end, name] of ranges) {
      if (begin !== cursor)
        return yield* fail(`${name}: data starts at ${begin}, expected ${cursor} (gap or overlap)`)
      cursor = end
    }
    if (cursor !== dataLength)
      return yield* fail(`${dataLength - cursor} trailing bytes after the last tensor`)
    return { tensors, metadata }
  })
