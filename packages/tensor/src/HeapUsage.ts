/**
 * How much memory the tensors of the active backend use, and how much they may use.
 *
 * The wasm backend keeps every tensor in one WebAssembly heap that can grow to 4 GiB and never shrinks.
 * When `malloc` fails there, tfjs writes through a null pointer and the process dies with "memory access
 * out of bounds" mid-step. Training reads these figures (or calls `maxMicroBatch`) before it starts, and
 * `ensureHeap` refuses an allocation that cannot fit instead of crashing.
 */
import * as tf from "@tensorflow/tfjs-core"
import { Schema } from "effect"
import * as os from "node:os"
import { BackendName } from "./BackendChoice.ts"

/** wasm32 heap maximum of the tfjs-backend-wasm 4.22 build (emscripten `getHeapMax`: 65535 pages). */
export const wasmHeapLimitBytes = 4_294_901_760

export const HeapUsage = Schema.Struct({
  backend: BackendName,
  /** bytes held by live tensors (`tf.memory().numBytes`). */
  tensorBytes: Schema.Number,
  /** wasm: the heap's current size, i.e. its high-water mark; elsewhere equal to `tensorBytes`. */
  heapBytes: Schema.Number,
  /** wasm: the 4 GiB heap maximum; cpu/node: physical memory; node-gpu: unknown (null). */
  limitBytes: Schema.NullOr(Schema.Number)
})
export type HeapUsage = typeof HeapUsage.Type

interface WasmModuleView {
  readonly HEAPU8: Uint8Array
  readonly wasmMemory?: { readonly buffer: ArrayBufferLike }
}

const wasmHeapBytes = (): number | undefined => {
  // The registry, not tf.findBackend, which would initialise a backend that is only registered.
  const backend: unknown = tf.engine().registry.wasm
  if (backend === undefined || backend === null || typeof backend !== "object" || !("wasm" in backend))
    return undefined
  const module = backend.wasm as WasmModuleView
  // The threaded build exports its shared memory; the single-threaded one refreshes HEAPU8 on growth.
  return module.wasmMemory?.buffer.byteLength ?? module.HEAPU8.length
}

/** A snapshot for the given (active) backend. Plain function: cheap enough for hot loops. */
export const heapUsage = (backend: BackendName): HeapUsage => {
  const tensorBytes = tf.memory().numBytes
  if (backend === "wasm") {
    return { backend, tensorBytes, heapBytes: wasmHeapBytes() ?? tensorBytes, limitBytes: wasmHeapLimitBytes }
  }
  return {
    backend,
    tensorBytes,
    heapBytes: tensorBytes,
    limitBytes: backend === "node-gpu" ? null : os.totalmem()
  }
}

/** Bytes that may still be allocated, keeping `headroom` of the limit free for fragmentation and scratch. */
export const availableBytes = (usage: HeapUsage, headroom = 0.15): number =>
  usage.limitBytes === null ? Number.POSITIVE_INFINITY : usage.limitBytes * (1 - headroom) - usage.tensorBytes

/**
 * The largest micro-batch whose working set fits: `fixedBytes + batch * bytesPerSample <= available`.
 * Measure `bytesPerSample` with `measurePeakBytes` at two small batch sizes. Returns 0 when not even one
 * sample fits, and `wanted` when the limit is unknown or large enough.
 */
export const maxMicroBatch = (options: {
  readonly usage: HeapUsage
  readonly bytesPerSample: number
  readonly fixedBytes?: number
  readonly wanted: number
  readonly headroom?: number
}): number => {
  const free = availableBytes(options.usage, options.headroom) - (options.fixedBytes ?? 0)
  if (!Number.isFinite(free)) return options.wanted
  if (options.bytesPerSample <= 0) return options.wanted
  return Math.max(0, Math.min(options.wanted, Math.floor(free / options.bytesPerSample)))
}

/**
 * Peak tensor bytes allocated while `f` runs, above what was live before (tfjs tracks the peak per profile).
 * The result of `f` is disposed.
 */
export const measurePeakBytes = async (f: () => tf.TensorContainer): Promise<number> => {
  const start = tf.memory().numBytes
  const info = await tf.profile(() => {
    const out = f()
    tf.dispose(out)
    return out
  })
  return Math.max(0, info.peakBytes - start)
}
