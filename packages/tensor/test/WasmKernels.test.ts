import { describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import {
  atanSurrogate,
  avgPool2dIncludePad,
  Backend,
  batchNorm,
  heaviside,
  spikeWithSurrogate
} from "../src/index.ts"
import {
  avgPoolGradient,
  convCases,
  convGradients,
  filterGradientForms,
  liveMemory,
  relativeError
} from "./Gradients.ts"

const cases = convCases(56)
const tolerance = 1e-4

/** Run `f` with the cpu backend, then with wasm; return both results. */
const onBoth = <A>(f: () => A) =>
  Effect.gen(function* () {
    const reference = yield* Effect.sync(f).pipe(Effect.provide(Backend.layerCpu))
    const wasm = yield* Effect.sync(f).pipe(
      Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" }))
    )
    return { reference, wasm }
  })

// `kernels: "wasm"`: these are the XNNPACK compositions (the fallback); NativeKernels.test.ts covers oneDNN's.
describe("wasm gradient kernels equal the cpu backend's", () => {
  it("the cases cover k = 1…7, strides 1 and 2, every padding mode, batch 1 and odd sizes", () => {
    expect(new Set(cases.map((c) => c.kernel))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]))
    expect(new Set(cases.map((c) => c.stride))).toEqual(new Set([1, 2]))
    expect(new Set(cases.map((c) => (Array.isArray(c.pad) ? "explicit" : String(c.pad))))).toEqual(
      new Set([
        "same",
        "valid",
        "explicit",
        ...new Set(cases.flatMap((c) => (typeof c.pad === "number" ? [String(c.pad)] : [])))
      ])
    )
    expect(cases.some((c) => c.batch === 1)).toBe(true)
    expect(cases.some((c) => c.height % 2 === 1 && c.width % 2 === 1)).toBe(true)
  })

  it.effect("Conv2DBackpropInput and Conv2DBackpropFilter, via tf.grads of conv2d", () =>
    Effect.gen(function* () {
      const { reference, wasm } = yield* onBoth(() => cases.map(convGradients))
      cases.forEach((c, i) => {
        const where = JSON.stringify(c)
        expect(relativeError(wasm[i]!.dx, reference[i]!.dx), `dx ${where}`).toBeLessThan(tolerance)
        expect(relativeError(wasm[i]!.dw, reference[i]!.dw), `dw ${where}`).toBeLessThan(tolerance)
      })
    })
  )

  it.effect("both filter-gradient forms (per-tap GEMMs and the convolution) on every case", () =>
    Effect.gen(function* () {
      const reference = yield* Effect.sync(() => cases.map(convGradients)).pipe(
        Effect.provide(Backend.layerCpu)
      )
      const forms = yield* Effect.sync(() => cases.map(filterGradientForms)).pipe(
        Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" }))
      )
      cases.forEach((c, i) => {
        const where = JSON.stringify(c)
        expect(relativeError(forms[i]!.gemm, reference[i]!.dw), `gemm ${where}`).toBeLessThan(tolerance)
        expect(relativeError(forms[i]!.conv, reference[i]!.dw), `conv ${where}`).toBeLessThan(tolerance)
      })
    })
  )

  it.effect("AvgPoolGrad, including a global pool", () =>
    Effect.gen(function* () {
      const poolCases = cases.filter((c) => typeof c.pad === "string" || c.height >= c.kernel)
      const global = () =>
        tf.tidy(() => {
          const x = tf.randomUniform([3, 7, 5, 4], -1, 1, "float32", 3) as tf.Tensor4D
          return tf
            .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, [7, 5], 1, "valid"), 2)))(x)
            .dataSync()
        })
      const { reference, wasm } = yield* onBoth(() => [
        ...poolCases.map(avgPoolGradient),
        global() as Float32Array
      ])
      reference.forEach((r, i) => {
        expect(relativeError(wasm[i]!, r), JSON.stringify(poolCases[i] ?? "global")).toBeLessThan(tolerance)
      })
    })
  )

  it.effect("Sum/Mean over leading and spatial axes, Slice, and transposed matMul", () =>
    Effect.gen(function* () {
      const ops = () =>
        tf.tidy(() => {
          const x = tf.randomUniform([3, 5, 7, 6], -1, 1, "float32", 5)
          const m = tf.reshape(x, [105, 6])
          return [
            tf.sum(x, [0, 1, 2]),
            tf.mean(x, [0, 1]),
            tf.sum(x, [1, 2], true),
            tf.mean(x, [1, 2]),
            tf.sum(m, 0),
            tf.mean(x, [2]),
            tf.slice(x, [1, 1, 2, 0], [2, 3, 4, 6]),
            tf.slice(x, [1, 0, 0, 0], [1, 5, 7, 6]),
            tf.slice(x, [0, 2, 0, 1], [3, 1, 7, 2]),
            tf.matMul(m, m, true, false),
            tf.matMul(m, m, false, true),
            tf.matMul(tf.reshape(x, [3, 35, 6]), tf.reshape(x, [3, 35, 6]), true, false)
          ].map((t) => t.dataSync() as Float32Array)
        })
      const { reference, wasm } = yield* onBoth(ops)
      reference.forEach((r, i) => {
        expect(relativeError(wasm[i]!, r), `op ${i}`).toBeLessThan(tolerance)
      })
    })
  )

  it.effect("no kernel leaks a tensor, a byte or a backend buffer", () =>
    Effect.gen(function* () {
      for (const c of cases.slice(0, 21)) {
        const x = tf.randomUniform(
          [c.batch, c.height, c.width, c.inChannels],
          -1,
          1,
          "float32",
          1
        ) as tf.Tensor4D
        const w = tf.randomUniform([c.kernel, c.kernel, c.inChannels, c.outChannels]) as tf.Tensor4D
        const dy = tf.ones(tf.conv2d(x, w, c.stride, c.pad).shape) as tf.Tensor4D
        const m = tf.reshape(x, [-1, c.inChannels])
        const pooled = tf.avgPool(x, 1, 1, "valid")
        const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC" }
        const calls: ReadonlyArray<() => tf.Tensor | Array<tf.Tensor>> = [
          () =>
            tf
              .engine()
              .runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...attrs, inputShape: x.shape }),
          () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }),
          () =>
            tf
              .engine()
              .runKernel(
                tf.AvgPoolGrad,
                { dy: pooled, input: x },
                { filterSize: 1, strides: 1, pad: "valid" }
              ),
          () => tf.sum(x, [0, 1, 2]),
          () => tf.mean(x, [1, 2]),
          () => tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 1]),
          () => tf.matMul(m, m, true)
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
        tf.dispose([m, pooled])
        tf.dispose([x, w, dy])
      }
    }).pipe(Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" })))
  )
})

describe("training helpers", () => {
  it.effect(
    "batchNorm (training) equals tf.moments + tf.batchNorm and their autodiff; running statistics as PyTorch",
    () =>
      Effect.gen(function* () {
        const run = () =>
          tf.tidy(() => {
            const x = tf.randomUniform([6, 5, 3, 4], -2, 3, "float32", 21) as tf.Tensor4D
            const gamma = tf.randomUniform([4], 0.5, 1.5, "float32", 22) as tf.Tensor1D
            const beta = tf.randomUniform([4], -1, 1, "float32", 23) as tf.Tensor1D
            const r = tf.randomUniform(x.shape, -1, 1, "float32", 24)
            const stats = { runningMean: tf.variable(tf.zeros([4])), runningVar: tf.variable(tf.ones([4])) }
            const fast = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor =>
              batchNorm(
                a as tf.Tensor4D,
                { gamma: g, beta: b, ...stats },
                { training: true, updateRunningStats: false }
              )
            const slow = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
              const { mean, variance } = tf.moments(a, [0, 1, 2])
              return tf.batchNorm(a as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5)
            }
            const loss = (f: typeof fast) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(f(a, g, b), r))
            const grads = (f: typeof fast) =>
              tf
                .grads(loss(f))([x, gamma, beta])
                .map((t) => t.dataSync())
            // Running statistics: momentum 0.1, the unbiased variance (n = 6·5·3).
            batchNorm(x, { gamma, beta, ...stats }, { training: true, updateRunningStats: true }).dispose()
            const { mean, variance } = tf.moments(x, [0, 1, 2])
            const n = 6 * 5 * 3
            const result = [
              fast(x, gamma, beta).dataSync(),
              slow(x, gamma, beta).dataSync(),
              ...grads(fast),
              ...grads(slow),
              stats.runningMean.dataSync(),
              tf.mul(mean, 0.1).dataSync(),
              stats.runningVar.dataSync(),
              tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))).dataSync()
            ]
            stats.runningMean.dispose()
            stats.runningVar.dispose()
            return result
          })
        const { reference, wasm } = yield* onBoth(run)
        for (const result of [reference, wasm]) {
          const [yFast, ySlow, dxF, dgF, dbF, dxS, dgS, dbS, rm, rmWant, rv, rvWant] =
            result as Array<Float32Array>
          expect(relativeError(yFast!, ySlow!), "y").toBeLessThan(tolerance)
          expect(relativeError(dxF!, dxS!), "dx").toBeLessThan(tolerance)
          expect(relativeError(dgF!, dgS!), "dgamma").toBeLessThan(tolerance)
          expect(relativeError(dbF!, dbS!), "dbeta").toBeLessThan(tolerance)
          expect(relativeError(rm!, rmWant!), "running mean").toBeLessThan(tolerance)
          expect(relativeError(rv!, rvWant!), "running var").toBeLessThan(tolerance)
        }
      })
  )

  it.effect("heaviside spikes at the threshold; the ATan surrogate is the derivative of its primitive", () =>
    Effect.gen(function* () {
      const v = tf.tensor1d([-1, -1e-3, 0, 1e-3, 0.5, 2])
      expect([...heaviside(v).dataSync()]).toEqual([0, 0, 1, 1, 1, 1])
      // ATan surrogate (α = 2): primitive (1/π)·atan(π x) + 1/2, derivative 1/(1 + (π x)²).
      const dv = tf.grad((a: tf.Tensor) => tf.sum(spikeWithSurrogate(a, 1, atanSurrogate(2))))(tf.add(v, 1))
      const primitive = (x: number) => Math.atan(Math.PI * x) / Math.PI + 0.5
      const h = 1e-3
      const numeric = [...v.dataSync()].map((x) => (primitive(x + h) - primitive(x - h)) / (2 * h))
      ;[...dv.dataSync()].forEach((d, i) => {
        expect(d).toBeCloseTo(numeric[i]!, 4)
      })
      expect(dv.dataSync()[2]).toBeCloseTo(1, 6)
      tf.dispose([v, dv])
    }).pipe(Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" })))
  )

  it.effect("avgPool2dIncludePad divides by k² at the borders, as PyTorch's AvgPool2d(3, 1, 1)", () =>
    Effect.gen(function* () {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D
      const y = avgPool2dIncludePad(x, 3, 1, 1)
      const values = [...y.dataSync()]
      expect(values[0]).toBeCloseTo(4 / 9, 6)
      expect(values[1]).toBeCloseTo(6 / 9, 6)
      expect(values[5]).toBeCloseTo(1, 6)
      const g = tf.grad((a: tf.Tensor) => tf.sum(avgPool2dIncludePad(a as tf.Tensor4D, 3, 1, 1)))(x)
      expect(g.dataSync()[0]).toBeCloseTo(4 / 9, 6)
      expect(g.dataSync()[5]).toBeCloseTo(1, 6)
      tf.dispose([x, y, g])
    }).pipe(Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" })))
  )
})
