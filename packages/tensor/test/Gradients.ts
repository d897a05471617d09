/**
 * The gradient cases both test runners share (vitest under Node, `deno test`): random small shapes with
 * odd sizes, batch 1, strides 1 and 2, every padding mode and kernel sizes 1–7, each computed with
 * `tf.grads` on whatever backend is active. Comparing the cpu backend's results with wasm's checks the
 * kernels of this package against tfjs's reference kernels.
 */
import * as tf from "@tensorflow/tfjs-core"
import { conv2dBackpropFilterFast } from "../src/index.ts"

export type PadSpec = "same" | "valid" | number | tf.backend_util.ExplicitPadding

export interface ConvCase {
  readonly batch: number
  readonly height: number
  readonly width: number
  readonly inChannels: number
  readonly outChannels: number
  readonly kernel: number
  readonly stride: number
  readonly pad: PadSpec
}

/** A small deterministic generator (mulberry32) so both runners see the same cases. */
const generator = (seed: number) => {
  let a = seed >>> 0
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0
  }
}

/** `count` conv cases; every kernel size 1–7, both strides and all four padding modes appear. */
export const convCases = (count: number, seed = 7): ReadonlyArray<ConvCase> => {
  const next = generator(seed)
  const pads = (k: number): ReadonlyArray<PadSpec> => [
    "same",
    "valid",
    Math.floor(k / 2),
    [
      [0, 0],
      [next(k), next(k)],
      [next(k), next(k)],
      [0, 0]
    ]
  ]
  return Array.from({ length: count }, (_, i) => {
    const kernel = 1 + (i % 7)
    const stride = 1 + (Math.floor(i / 7) % 2)
    const pad = pads(kernel)[Math.floor(i / 14) % 4]!
    return {
      batch: i % 5 === 0 ? 1 : 1 + next(3),
      // At least the kernel, so even 'valid' has an output; often odd.
      height: kernel + next(6),
      width: kernel + 1 + next(5),
      inChannels: 1 + next(4),
      outChannels: 1 + next(5),
      kernel,
      stride,
      pad
    }
  })
}

/** Seeded inputs of a case (tfjs's seeded generator gives the same values on every backend). */
const inputs = (c: ConvCase) => {
  const x = tf.randomUniform([c.batch, c.height, c.width, c.inChannels], -1, 1, "float32", 11) as tf.Tensor4D
  const w = tf.randomUniform(
    [c.kernel, c.kernel, c.inChannels, c.outChannels],
    -1,
    1,
    "float32",
    12
  ) as tf.Tensor4D
  return { x, w }
}

/** dL/dx and dL/dw of L = Σ conv2d(x, w) · r for a fixed random r, as flat arrays. */
export const convGradients = (c: ConvCase): { dx: Float32Array; dw: Float32Array } =>
  tf.tidy(() => {
    const { x, w } = inputs(c)
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)
    const r = tf.randomUniform(conv(x, w).shape, -1, 1, "float32", 13)
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), r)))([x, w])
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array }
  })

/** dL/dw by both forms of `conv2dBackpropFilterFast` (per-tap GEMMs up to 49 taps, and the conv form). */
export const filterGradientForms = (c: ConvCase): { gemm: Float32Array; conv: Float32Array } =>
  tf.tidy(() => {
    const { x, w } = inputs(c)
    const r = tf.randomUniform(tf.conv2d(x, w, c.stride, c.pad).shape, -1, 1, "float32", 13) as tf.Tensor4D
    const form = (maxTaps: number) =>
      conv2dBackpropFilterFast(x, r, w.shape, c.stride, c.pad, undefined, maxTaps).dataSync() as Float32Array
    return { gemm: form(49), conv: form(0) }
  })

/** dL/dx of L = Σ avgPool(x) · r with the case's kernel, stride and a string/zero padding. */
export const avgPoolGradient = (c: ConvCase): Float32Array =>
  tf.tidy(() => {
    const { x } = inputs(c)
    const pad = typeof c.pad === "string" ? c.pad : 0
    const pool = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, c.kernel, c.stride, pad)
    const r = tf.randomUniform(pool(x).shape, -1, 1, "float32", 14)
    return tf
      .grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), r)))(x)
      .dataSync() as Float32Array
  })

/** Largest |a − b| relative to the largest |b| (1e-6 floor). */
export const relativeError = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  let scale = 1e-6
  for (const v of b) scale = Math.max(scale, Math.abs(v))
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst / scale
}

/** Tensors, bytes and backend buffers live now: a kernel that leaks changes one of them. */
export const liveMemory = (): readonly [number, number, number] => [
  tf.memory().numTensors,
  tf.memory().numBytes,
  tf.engine().backend.numDataIds()
]
