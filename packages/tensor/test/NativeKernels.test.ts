import { describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs-core"
import { ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import {
  activeWasmKernels,
  Backend,
  convDims,
  loadOnednn,
  registeredWasmKernels,
  registerWasmKernels
} from "../src/index.ts"
import { type ConvCase, convCases, convGradients, liveMemory, relativeError } from "./Gradients.ts"

const loaded = loadOnednn()
const available = loaded._tag === "Loaded"
const cases = convCases(84, 23)
const tolerance = 1e-4

const native = Backend.layer({ backend: "wasm", kernels: "native" })

/** y = conv2d(x, w) and the two gradients of Σ y·r, flat. */
const convAll = (c: ConvCase) =>
  tf.tidy(() => {
    const x = tf.randomUniform(
      [c.batch, c.height, c.width, c.inChannels],
      -1,
      1,
      "float32",
      31
    ) as tf.Tensor4D
    const w = tf.randomUniform([c.kernel, c.kernel, c.inChannels, c.outChannels], -1, 1, "float32", 32)
    const y = tf.conv2d(x, w as tf.Tensor4D, c.stride, c.pad)
    return { y: y.dataSync() as Float32Array, ...convGradients(c) }
  })

const service = Effect.gen(function* () {
  return yield* Backend
})

describe.skipIf(!available)("oneDNN kernels (native) equal the cpu backend's", () => {
  it("the cases cover k = 1…7, strides 1 and 2, every padding mode, batch 1 and odd sizes", () => {
    expect(new Set(cases.map((c) => c.kernel))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]))
    expect(new Set(cases.map((c) => c.stride))).toEqual(new Set([1, 2]))
    const modes = new Set(cases.map((c) => (Array.isArray(c.pad) ? "explicit" : typeof c.pad)))
    expect(modes).toEqual(new Set(["string", "number", "explicit"]))
    expect(new Set(cases.flatMap((c) => (typeof c.pad === "string" ? [c.pad] : [])))).toEqual(
      new Set(["same", "valid"])
    )
    expect(cases.some((c) => c.batch === 1)).toBe(true)
    expect(cases.some((c) => c.height % 2 === 1 && c.width % 2 === 1)).toBe(true)
  })

  it.effect("Conv2D, and Conv2DBackpropInput/Filter through tf.grads, within 1e-4; oneDNN ran them", () =>
    Effect.gen(function* () {
      const reference = yield* Effect.sync(() => cases.map(convAll)).pipe(Effect.provide(Backend.layerCpu))
      const result = yield* Effect.gen(function* () {
        const backend = yield* Backend
        expect(backend.info.kernels).toBe("native")
        expect(backend.info.onednn).toMatch(/^2\./)
        expect(activeWasmKernels()).toBe("native")
        if (loaded._tag === "Loaded") loaded.binding.clearCache()
        const out = cases.map(convAll)
        // Every case is one oneDNN can express: no silent fallback to the wasm kernels.
        for (const c of cases) {
          const info = tf.backend_util.computeConv2DInfo(
            [c.batch, c.height, c.width, c.inChannels],
            [c.kernel, c.kernel, c.inChannels, c.outChannels],
            c.stride,
            1,
            c.pad
          )
          expect(convDims(info), JSON.stringify(c)).toBeDefined()
        }
        // Primitives were created (and cached) by the addon: three kinds per distinct shape at most.
        if (loaded._tag === "Loaded") expect(loaded.binding.cacheSize()).toBeGreaterThanOrEqual(cases.length)
        return out
      }).pipe(Effect.provide(native))
      cases.forEach((c, i) => {
        const where = JSON.stringify(c)
        expect(relativeError(result[i]!.y, reference[i]!.y), `y ${where}`).toBeLessThan(tolerance)
        expect(relativeError(result[i]!.dx, reference[i]!.dx), `dx ${where}`).toBeLessThan(tolerance)
        expect(relativeError(result[i]!.dw, reference[i]!.dw), `dw ${where}`).toBeLessThan(tolerance)
      })
    })
  )

  it.effect("no kernel leaks a tensor, a byte or a backend buffer", () =>
    Effect.gen(function* () {
      for (const c of cases.slice(0, 28)) {
        const x = tf.randomUniform([c.batch, c.height, c.width, c.inChannels]) as tf.Tensor4D
        const w = tf.randomUniform([c.kernel, c.kernel, c.inChannels, c.outChannels]) as tf.Tensor4D
        const dy = tf.ones(tf.conv2d(x, w, c.stride, c.pad).shape) as tf.Tensor4D
        const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC" }
        const calls: ReadonlyArray<() => tf.Tensor> = [
          () => tf.conv2d(x, w, c.stride, c.pad),
          () =>
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropInput,
                { dy, filter: w },
                { ...attrs, inputShape: x.shape }
              ) as tf.Tensor,
          () =>
            tf
              .engine()
              .runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor
        ]
        for (const call of calls) {
          const before = liveMemory()
          tf.tidy(() => {
            call()
          })
          expect(liveMemory(), JSON.stringify(c)).toEqual(before)
          const out = call()
          expect(liveMemory()[0], JSON.stringify(c)).toBe(before[0] + 1)
          tf.dispose(out)
          expect(liveMemory(), JSON.stringify(c)).toEqual(before)
        }
        tf.dispose([x, w, dy])
      }
    }).pipe(Effect.provide(native))
  )

  it.effect(
    "a configuration oneDNN's output formula does not give (ceil rounding) runs the wasm kernel",
    () =>
      Effect.gen(function* () {
        const info = tf.backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 2], 2, 1, 0, "ceil")
        expect(convDims(info)).toBeUndefined()
        const run = () =>
          tf.tidy(() => {
            const x = tf.randomUniform([1, 8, 8, 2], -1, 1, "float32", 3) as tf.Tensor4D
            const w = tf.randomUniform([3, 3, 2, 2], -1, 1, "float32", 4) as tf.Tensor4D
            return tf.conv2d(x, w, 2, 0, "NHWC", 1, "ceil").dataSync() as Float32Array
          })
        // The reference is the kernel it falls back to (XNNPACK), exactly.
        const reference = yield* Effect.sync(run).pipe(
          Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" }))
        )
        const result = yield* Effect.sync(run).pipe(Effect.provide(native))
        expect(result).toEqual(reference)
      })
  )

  it.effect("registration swaps between the sets and back, idempotently", () =>
    Effect.gen(function* () {
      if (loaded._tag !== "Loaded") return
      const threads = (yield* Backend).info.threads
      expect([...registeredWasmKernels()]).toContain(tf.Conv2D)
      registerWasmKernels()
      expect(activeWasmKernels()).toBe("wasm")
      expect([...registeredWasmKernels()]).not.toContain(tf.Conv2D)
      const again = registerWasmKernels({ native: { binding: loaded.binding, threads } })
      expect(activeWasmKernels()).toBe("native")
      expect([...again].sort()).toEqual([...registeredWasmKernels()].sort())
      expect([...registerWasmKernels({ native: { binding: loaded.binding, threads } })].sort()).toEqual(
        [...again].sort()
      )
      expect(loaded.binding.threads()).toBe(threads)
    }).pipe(Effect.provide(native))
  )
})

describe("fallback to the wasm kernels", () => {
  it("loadOnednn says why in one line when the addon is absent, unbuilt, or broken", () => {
    const absent = loadOnednn((s) => {
      throw Object.assign(new Error(`Cannot find module '${s}'\nRequire stack: …`), {
        code: "MODULE_NOT_FOUND"
      })
    })
    expect(absent).toEqual({ _tag: "Unavailable", reason: "@spikernel/onednn is not installed" })
    const unbuilt = loadOnednn(() => {
      throw Object.assign(new Error("@spikernel/onednn: oneDNN headers not found"), {
        code: "ONEDNN_NOT_BUILT"
      })
    })
    expect(unbuilt).toEqual({ _tag: "Unavailable", reason: "@spikernel/onednn: oneDNN headers not found" })
    const broken = loadOnednn(() => {
      throw new Error("libdnnl.so.2: cannot open shared object file: No such file or directory")
    })
    expect(broken._tag).toBe("Unavailable")
    expect(broken._tag === "Unavailable" && broken.reason).toMatch(/^load failed: libdnnl\.so\.2/)
    expect(loadOnednn(() => ({}))._tag).toBe("Unavailable")
  })

  it.effect(
    "SPIKERNEL_KERNELS=wasm runs XNNPACK and the wasm compositions, and they equal the cpu backend's",
    () =>
      Effect.gen(function* () {
        const subset = cases.slice(0, 24)
        const reference = yield* Effect.sync(() => subset.map(convAll)).pipe(Effect.provide(Backend.layerCpu))
        const wasm = Backend.layer().pipe(
          Layer.provide(
            ConfigProvider.layer(
              ConfigProvider.fromUnknown({ SPIKERNEL_BACKEND: "wasm", SPIKERNEL_KERNELS: "wasm" })
            )
          )
        )
        const result = yield* Effect.gen(function* () {
          const backend = yield* Backend
          expect(backend.info.kernels).toBe("wasm")
          expect(backend.info.onednn).toBeUndefined()
          expect(activeWasmKernels()).toBe("wasm")
          const before = liveMemory()
          const out = subset.map(convAll)
          expect(liveMemory()).toEqual(before)
          return out
        }).pipe(Effect.provide(wasm))
        subset.forEach((c, i) => {
          const where = JSON.stringify(c)
          expect(relativeError(result[i]!.y, reference[i]!.y), `y ${where}`).toBeLessThan(tolerance)
          expect(relativeError(result[i]!.dx, reference[i]!.dx), `dx ${where}`).toBeLessThan(tolerance)
          expect(relativeError(result[i]!.dw, reference[i]!.dw), `dw ${where}`).toBeLessThan(tolerance)
        })
      })
  )

  it.effect(
    "an unknown SPIKERNEL_KERNELS is a typed error; --compute-kernels native fails when unavailable",
    () =>
      Effect.gen(function* () {
        const bad = yield* Effect.exit(
          service.pipe(
            Effect.provide(
              Backend.layer({ backend: "wasm" }).pipe(
                Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ SPIKERNEL_KERNELS: "mkl" })))
              )
            )
          )
        )
        const error = Exit.findErrorOption(bad)
        expect(Option.isSome(error) && error.value.reason._tag).toBe("InvalidBackendChoice")
        expect(Option.isSome(error) && error.value.message).toContain("SPIKERNEL_KERNELS=mkl")
        const forced = yield* Effect.exit(service.pipe(Effect.provide(native)))
        if (available) {
          expect(Exit.isSuccess(forced)).toBe(true)
        } else {
          const failure = Exit.findErrorOption(forced)
          expect(Option.isSome(failure) && failure.value.reason._tag).toBe("NativeKernelsUnavailable")
          expect(Option.isSome(failure) && failure.value.message).toContain("libdnnl-dev")
        }
      })
  )
})
