import { assert, describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs-core"
import { ConfigProvider, Effect, Exit, Layer, Option, Schema } from "effect"
import {
  Backend,
  type BackendError,
  BackendInfo,
  availableBytes,
  maxMicroBatch,
  activeWasmKernels,
  registeredWasmKernels,
  registerWasmKernels,
  wasmHeapLimitBytes
} from "../src/index.ts"

const spikernelKernelMark = Symbol.for("@spikernel/tensor/kernel")

const nativeInstalled = (pkg: string) =>
  import(pkg).then(
    () => true,
    () => false
  )

const failureOf = <A>(exit: Exit.Exit<A, BackendError>): BackendError => {
  const error = Exit.findErrorOption(exit)
  if (Option.isNone(error)) throw new Error("expected a typed failure")
  return error.value
}

const service = Effect.gen(function* () {
  return yield* Backend
})

describe("Backend", () => {
  it.effect("layerCpu selects the pure-JS backend and records it", () =>
    Effect.gen(function* () {
      const backend = yield* Backend
      expect(backend.info).toEqual({ backend: "cpu", tfjsVersion: tf.version_core, threads: 1, simd: false })
      expect(Schema.decodeUnknownSync(BackendInfo)(backend.info)).toEqual(backend.info)
      expect(tf.getBackend()).toBe("cpu")
    }).pipe(Effect.provide(Backend.layerCpu))
  )

  it.effect("wasm: SIMD, every core as a thread (up to 8), this package's wasm kernels registered", () =>
    Effect.gen(function* () {
      const backend = yield* Backend
      expect(backend.info.backend).toBe("wasm")
      expect(backend.info.simd).toBe(true)
      expect(backend.info.threads).toBeGreaterThanOrEqual(1)
      expect(tf.getBackend()).toBe("wasm")
      expect([...registeredWasmKernels()].sort()).toEqual(
        [
          "AvgPoolGrad",
          "BatchMatMul",
          "Conv2DBackpropFilter",
          "Conv2DBackpropInput",
          "Mean",
          "Slice",
          "Sum"
        ].sort()
      )
      // Registration is idempotent: registering again keeps the same set and does not throw.
      expect([...registerWasmKernels()].sort()).toEqual([...registeredWasmKernels()].sort())
      expect(backend.info.kernels).toBe("wasm")
      expect(activeWasmKernels()).toBe("wasm")
      expect(spikernelKernelMark in tf.getKernel(tf.Conv2D, "wasm")!.kernelFunc).toBe(false)
    }).pipe(Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" })))
  )

  it.effect("auto takes wasm when tfjs-node(-gpu) cannot be imported", () =>
    Effect.gen(function* () {
      const gpu = yield* Effect.promise(() => nativeInstalled("@tensorflow/tfjs-node-gpu"))
      const cpu = yield* Effect.promise(() => nativeInstalled("@tensorflow/tfjs-node"))
      const backend = yield* service.pipe(Effect.provide(Backend.layer({ backend: "auto" })))
      expect(backend.info.backend).toBe(gpu ? "node-gpu" : cpu ? "node" : "wasm")
    })
  )

  it.effect("forcing node-gpu without the package fails with one line on how to install it", () =>
    Effect.gen(function* () {
      if (yield* Effect.promise(() => nativeInstalled("@tensorflow/tfjs-node-gpu"))) return
      const exit = yield* Effect.exit(service.pipe(Effect.provide(Backend.layer({ backend: "node-gpu" }))))
      const error = failureOf(exit)
      expect(error.reason._tag).toBe("BackendUnavailable")
      expect(error.message).not.toContain("\n")
      expect(error.message).toContain("npm install @tensorflow/tfjs-node-gpu")
      expect(error.message).toContain("CUDA 11.2")
      expect(error.message).toContain("cuDNN 8.1")
    })
  )

  it.effect("SPIKERNEL_BACKEND chooses the backend; an unknown name is a typed error", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        service.pipe(
          Effect.provide(
            Backend.layer().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
          )
        )
      const chosen = yield* withEnv({ SPIKERNEL_BACKEND: "cpu" })
      expect(chosen.info.backend).toBe("cpu")
      const error = failureOf(yield* Effect.exit(withEnv({ SPIKERNEL_BACKEND: "tpu" })))
      expect(error.reason._tag).toBe("InvalidBackendChoice")
      expect(error.message).toContain("SPIKERNEL_BACKEND=tpu")
      // An explicit option wins over the environment.
      const explicit = yield* service.pipe(
        Effect.provide(
          Backend.layer({ backend: "cpu" }).pipe(
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ SPIKERNEL_BACKEND: "tpu" })))
          )
        )
      )
      expect(explicit.info.backend).toBe("cpu")
    })
  )
})

describe("wasm heap", () => {
  it.effect("reports its size and 4 GiB limit, and refuses what cannot fit before allocating", () =>
    Effect.gen(function* () {
      const backend = yield* Backend
      const before = yield* backend.heap
      expect(before.backend).toBe("wasm")
      expect(before.limitBytes).toBe(wasmHeapLimitBytes)
      const x = tf.zeros([16, 1024, 1024])
      const during = yield* backend.heap
      expect(during.tensorBytes - before.tensorBytes).toBe(16 * 2 ** 22)
      expect(during.heapBytes).toBeGreaterThanOrEqual(during.tensorBytes)
      x.dispose()
      yield* backend.ensureHeap(2 ** 20)
      const refused = failureOf(yield* Effect.exit(backend.ensureHeap(8 * 2 ** 30)))
      assert.strictEqual(refused.reason._tag, "HeapExhausted")
      expect(refused.message).toContain("smaller (micro-)batch")
    }).pipe(Effect.provide(Backend.layer({ backend: "wasm" })))
  )

  it("maxMicroBatch divides what is free by the bytes per sample", () => {
    const usage = { backend: "wasm" as const, tensorBytes: 1e9, heapBytes: 1.5e9, limitBytes: 4e9 }
    expect(availableBytes(usage, 0.25)).toBe(2e9)
    expect(maxMicroBatch({ usage, bytesPerSample: 3e7, fixedBytes: 2e8, wanted: 256, headroom: 0.25 })).toBe(
      60
    )
    expect(maxMicroBatch({ usage, bytesPerSample: 3e7, wanted: 16, headroom: 0.25 })).toBe(16)
    expect(maxMicroBatch({ usage, bytesPerSample: 3e9, wanted: 16, headroom: 0.25 })).toBe(0)
    expect(maxMicroBatch({ usage: { ...usage, limitBytes: null }, bytesPerSample: 3e9, wanted: 16 })).toBe(16)
  })
})
