/**
 * The safetensors format (huggingface/safetensors), read and written by hand: an 8-byte
 * little-endian header length n, n bytes of UTF-8 JSON (`{ name: { dtype, shape, data_offsets:
 * [begin, end] }, __metadata__?: { key: string } }`, padded with spaces), then the raw little-endian
 * tensor bytes; offsets are relative to the start of that data.
 *
 * The one codec of the project: trained weights in the official PyTorch layout (`spikernel score
 * --weights`, the train step's models) and training checkpoints both use it. Hand-written because
 * the format is that small and no maintained safetensors package for JavaScript decodes every dtype
 * PyTorch writes;
 * the reader checks what the format promises (offsets in bounds, contiguous, no overlap, sizes that
 * match shape × dtype) and fails with a SafetensorsError that names the tensor and the problem.
 * Every tensor is copied out into its own aligned typed array, so a file may be freed after reading.
 *
 * The layout of the weights inside (official PyTorch names and shapes, and their conversion to the
 * tfjs layout) is the network's business: see `@spikernel/spaces`' WeightSpecs and WeightLayout.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"

/**
 * The dtypes read and written here, and the typed array each decodes to.
 *
 * @since 0.1.0
 */
export const Dtype = Schema.Literals(["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"])

/**
 * @since 0.1.0
 */
export type Dtype = typeof Dtype.Type

const byteSize: Record<Dtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1
}

/**
 * A tensor's data: F16 and BF16 as their raw 16-bit patterns (Uint16Array), BOOL as Uint8Array.
 *
 * @since 0.1.0
 */
export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array

/**
 * One named tensor.
 *
 * @since 0.1.0
 */
export interface SafeTensor {
  readonly dtype: Dtype
  readonly shape: ReadonlyArray<number>
  readonly data: TensorData
}

/**
 * A decoded file: tensors by name (in file order) and the string metadata.
 *
 * @since 0.1.0
 */
export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafeTensor>
  readonly metadata: Readonly<Record<string, string>>
}

/**
 * A file that is not valid safetensors, or a tensor that does not fit its declared shape.
 *
 * @since 0.1.0
 */
export class SafetensorsError extends Schema.TaggedError<SafetensorsError>()("SafetensorsError", {
  /** The file (or "<bytes>"). */
  source: Schema.String,
  /** The tensor concerned, if any. */
  tensor: Schema.optionalKey(Schema.String),
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.source}${this.tensor === undefined ? "" : ` (tensor ${this.tensor})`}: ${this.reason}`
  }
}

const HeaderEntry = Schema.Struct({
  dtype: Dtype,
  shape: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  data_offsets: Schema.Tuple([Schema.Int, Schema.Int])
})

const elementCount = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1)

const view = (dtype: Dtype, bytes: Uint8Array): TensorData => {
  // Copy into a fresh, aligned buffer (the data section need not be aligned for this dtype). Not
  // `bytes.slice()`: on a Node Buffer that is a view of the shared pool, not a copy.
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  const buffer = copy.buffer
  switch (dtype) {
    case "F64":
      return new Float64Array(buffer)
    case "F32":
      return new Float32Array(buffer)
    case "I64":
      return new BigInt64Array(buffer)
    case "I32":
      return new Int32Array(buffer)
    case "I16":
      return new Int16Array(buffer)
    case "I8":
      return new Int8Array(buffer)
    case "F16":
    case "BF16":
      return new Uint16Array(buffer)
    case "U8":
    case "BOOL":
      return new Uint8Array(buffer)
  }
}

/** Typed arrays are little-endian on every platform tfjs and Deno run on; the format is too. */
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Decodes safetensors bytes.
 *
 * @since 0.1.0
 */
export const decode = (
  bytes: Uint8Array,
  source = "<bytes>"
): Effect.Effect<SafetensorsFile, SafetensorsError> =>
  Effect.gen(function* () {
    const fail = (reason: string, tensor?: string) =>
      Effect.fail(
        new SafetensorsError(tensor === undefined ? { source, reason } : { source, tensor, reason })
      )
    if (!littleEndian) return yield* fail("this platform is big-endian; safetensors data is little-endian")
    if (bytes.length < 8) return yield* fail(`${bytes.length} bytes: too short for the 8-byte header length`)
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true))
    if (headerLength > bytes.length - 8) {
      return yield* fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`)
    }
    let header: unknown
    try {
      header = JSON.parse(
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))
      )
    } catch (error) {
      return yield* fail(
        `the header is not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`
      )
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) {
      return yield* fail("the header is not a JSON object")
    }
    const data = bytes.subarray(8 + headerLength)
    const metadata: Record<string, string> = {}
    const entries: Array<{ name: string; entry: typeof HeaderEntry.Type }> = []
    for (const [name, raw] of Object.entries(header)) {
      if (name === "__metadata__") {
        if (raw === null || typeof raw !== "object" || Array.isArray(raw))
          return yield* fail("__metadata__ is not an object")
        for (const [key, value] of Object.entries(raw)) {
          if (typeof value !== "string") return yield* fail(`__metadata__.${key} is not a string`)
          metadata[key] = value
        }
        continue
      }
      const decoded = Schema.decodeUnknownExit(HeaderEntry)(raw)
      if (decoded._tag === "Failure") {
        return yield* fail(
          `bad header entry (${JSON.stringify(raw)}): expected { dtype, shape, data_offsets }`,
          name
        )
      }
      entries.push({ name, entry: decoded.value })
    }
    // Offsets must tile the data section exactly: sorted, contiguous from 0, ending at its length.
    const sorted = [...entries].sort((a, b) => a.entry.data_offsets[0] - b.entry.data_offsets[0])
    let expected = 0
    for (const { name, entry } of sorted) {
      const [begin, end] = entry.data_offsets
      if (begin !== expected) {
        return yield* fail(
          begin < expected
            ? `data [${begin}, ${end}) overlaps the previous tensor`
            : `a gap before byte ${begin}`,
          name
        )
      }
      if (end < begin || end > data.length) {
        return yield* fail(`data [${begin}, ${end}) is outside the ${data.length}-byte data section`, name)
      }
      const want = elementCount(entry.shape) * byteSize[entry.dtype]
      if (end - begin !== want) {
        return yield* fail(
          `${end - begin} bytes, but ${entry.dtype} [${entry.shape.join(", ")}] needs ${want}`,
          name
        )
      }
      expected = end
    }
    if (expected !== data.length) return yield* fail(`${data.length - expected} bytes after the last tensor`)
    const tensors = new Map<string, SafeTensor>()
    for (const { name, entry } of entries) {
      const [begin, end] = entry.data_offsets
      tensors.set(name, {
        dtype: entry.dtype,
        shape: entry.shape,
        data: view(entry.dtype, data.subarray(begin, end))
      })
    }
    return { tensors, metadata }
  })

const dataMatches = (dtype: Dtype, data: TensorData): boolean => {
  switch (dtype) {
    case "F64":
      return data instanceof Float64Array
    case "F32":
      return data instanceof Float32Array
    case "I64":
      return data instanceof BigInt64Array
    case "I32":
      return data instanceof Int32Array
    case "I16":
      return data instanceof Int16Array
    case "I8":
      return data instanceof Int8Array
    case "F16":
    case "BF16":
      return data instanceof Uint16Array
    case "U8":
    case "BOOL":
      return data instanceof Uint8Array
  }
}

/**
 * Encodes tensors (in the given order) and metadata. The header's keys are written sorted, and
 * padded with spaces to a multiple of 8 bytes, so equal inputs give equal bytes.
 *
 * @since 0.1.0
 */
export const encode = (
  tensors: Iterable<readonly [string, SafeTensor]>,
  metadata: Readonly<Record<string, string>> = {}
): Effect.Effect<Uint8Array, SafetensorsError> =>
  Effect.gen(function* () {
    const list = [...tensors]
    const header: Record<string, unknown> = {}
    let offset = 0
    for (const [name, tensor] of list) {
      if (name === "__metadata__") {
        return yield* Effect.fail(
          new SafetensorsError({ source: "<encode>", reason: "__metadata__ is reserved" })
        )
      }
      if (name in header) {
        return yield* Effect.fail(
          new SafetensorsError({ source: "<encode>", tensor: name, reason: "duplicate name" })
        )
      }
      if (!dataMatches(tensor.dtype, tensor.data) || tensor.data.length !== elementCount(tensor.shape)) {
        return yield* Effect.fail(
          new SafetensorsError({
            source: "<encode>",
            tensor: name,
            reason: `${tensor.data.constructor.name} of ${tensor.data.length} does not hold ${tensor.dtype} [${tensor.shape.join(", ")}]`
          })
        )
      }
      const size = tensor.data.byteLength
      header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + size] }
      offset += size
    }
    const ordered: Record<string, unknown> = {}
    if (Object.keys(metadata).length > 0) ordered.__metadata__ = { ...metadata }
    for (const key of Object.keys(header).sort()) ordered[key] = header[key]
    let json = JSON.stringify(ordered)
    let headerBytes = new TextEncoder().encode(json)
    const padding = (8 - (headerBytes.length % 8)) % 8
    if (padding > 0) {
      json += " ".repeat(padding)
      headerBytes = new TextEncoder().encode(json)
    }
    const out = new Uint8Array(8 + headerBytes.length + offset)
    new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true)
    out.set(headerBytes, 8)
    let at = 8 + headerBytes.length
    for (const [, tensor] of list) {
      out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at)
      at += tensor.data.byteLength
    }
    return out
  })

const f16ToF32 = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

/**
 * A floating tensor's values as float32; undefined for integer and boolean dtypes.
 *
 * @since 0.1.0
 */
export const floatValues = (tensor: SafeTensor): Float32Array | undefined => {
  switch (tensor.dtype) {
    case "F32":
      return tensor.data as Float32Array
    case "F64":
      return Float32Array.from(tensor.data as Float64Array)
    case "BF16": {
      const raw = tensor.data as Uint16Array
      const bits = new Uint32Array(raw.length)
      for (let i = 0; i < raw.length; i++) bits[i] = raw[i] << 16
      return new Float32Array(bits.buffer)
    }
    case "F16":
      return Float32Array.from(tensor.data as Uint16Array, f16ToF32)
    default:
      return undefined
  }
}
