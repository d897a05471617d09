/**
 * Sum and Mean for wasm. The built-in kernels reduce innermost axes only and transpose first otherwise,
 * which makes a per-channel reduction of NHWC activations (axes [0,1,2], every bias/BN gradient, tf.moments)
 * 5–10× slower than an average pool over the same data. Both fast forms are one XNNPACK average pool:
 * - leading axes [0..k) of a tensor with trailing size m: a [1, n, 1, m] view pooled over [n, 1];
 * - axes [1,2] of a rank-4 tensor: a pool over H×W.
 * Sum is the pooled mean times the count. A GEMM with a ones row would be faster only when the operand's
 * packed form is cached, which tfjs does per tensor id — wrong for fresh activations (and stale if the same
 * tensor is reshaped). XNNPACK's average pool crashes (out of bounds) from 16384 channels on, so wider
 * tensors stay with the built-in kernel.
 */
import * as tf from "@tensorflow/tfjs-core"
import { asTensor, markKernel } from "./KernelTensor.ts"

type Reduction = "sum" | "mean"

/** Widest channel count the pooled form is used for (16384 crashes the tfjs 4.22 build). */
export const maxPooledChannels = 8192

const outputShape = (
  shape: ReadonlyArray<number>,
  axes: ReadonlyArray<number>,
  keepDims: boolean
): Array<number> =>
  keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))

const isLeading = (axes: ReadonlyArray<number>, rank: number): boolean =>
  axes.length < rank && axes.every((a, i) => a === i)

/** The pooled form for these axes, or undefined when the built-in kernel is the one to use. */
const fastReduce = (x: tf.Tensor, axes: ReadonlyArray<number>, keepDims: boolean, op: Reduction) => {
  if (x.dtype !== "float32" || x.size === 0) return undefined
  const shape = x.shape
  let pooled: tf.Tensor | undefined
  let count = 1
  if (isLeading(axes, x.rank)) {
    count = axes.reduce((p, a) => p * shape[a]!, 1)
    const m = x.size / count
    if (count === 1 || m > maxPooledChannels) return undefined
    pooled = tf.avgPool(tf.reshape(x, [1, count, 1, m]) as tf.Tensor4D, [count, 1], 1, "valid")
  } else if (x.rank === 4 && axes.length === 2 && axes[0] === 1 && axes[1] === 2) {
    const [, h, w, c] = shape as [number, number, number, number]
    if (c > maxPooledChannels) return undefined
    count = h * w
    pooled = tf.avgPool(x as tf.Tensor4D, [h, w], 1, "valid")
  }
  if (pooled === undefined) return undefined
  const scaled = op === "mean" ? pooled : tf.mul(pooled, count)
  return tf.reshape(scaled, outputShape(shape, axes, keepDims))
}

const reduceWasm =
  (kernelName: string, op: Reduction) =>
  (original: tf.KernelConfig): tf.KernelConfig => ({
    kernelName,
    backendName: "wasm",
    ...(original.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
    kernelFunc: markKernel((args) => {
      const attrs = args.attrs as unknown as tf.SumAttrs
      const info = args.inputs.x!
      const axes = [...tf.util.parseAxisParam(attrs.axis, info.shape)].sort((a, b) => a - b)
      const result = tf.tidy(() => fastReduce(asTensor(info), axes, attrs.keepDims, op))
      return result ?? original.kernelFunc(args)
    })
  })

export const sumWasm = reduceWasm(tf.Sum, "sum")
export const meanWasm = reduceWasm(tf.Mean, "mean")
