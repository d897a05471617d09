/**
 * Sum and Mean for wasm. The built-in kernels reduce innermost axes only and transpose first otherwise,
 * which makes a per-channel reduction of NHWC activations (axes [0,1,2], every bias/BN gradient, tf.moments)
 * 12–20× slower than it needs to be. Two fast forms, else the built-in kernel:
 * - leading axes [0..k): a [1,N]·[N,M] GEMM with a ones row (1/N for Mean);
 * - axes [1,2] of a rank-4 tensor: a global avgPool over H×W (×H·W for Sum).
 */
import * as tf from "@tensorflow/tfjs-core"
import { asTensor, markKernel } from "./KernelTensor.ts"

type Reduction = "sum" | "mean"

const outputShape = (
  shape: ReadonlyArray<number>,
  axes: ReadonlyArray<number>,
  keepDims: boolean
): Array<number> =>
  keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))

const isLeading = (axes: ReadonlyArray<number>, rank: number): boolean =>
  axes.length < rank && axes.every((a, i) => a === i)

/** The fast form for these axes, or undefined when the built-in kernel is as good. */
const fastReduce = (x: tf.Tensor, axes: ReadonlyArray<number>, keepDims: boolean, op: Reduction) => {
  if (x.dtype !== "float32" || x.size === 0) return undefined
  const shape = x.shape
  if (isLeading(axes, x.rank)) {
    const n = axes.reduce((p, a) => p * shape[a]!, 1)
    if (n === 1) return undefined
    const m = x.size / n
    const weights = tf.fill([1, n], op === "mean" ? 1 / n : 1)
    return tf.reshape(tf.matMul(weights, tf.reshape(x, [n, m])), outputShape(shape, axes, keepDims))
  }
  if (x.rank === 4 && axes.length === 2 && axes[0] === 1 && axes[1] === 2) {
    const [, h, w] = shape as [number, number, number, number]
    const pooled = tf.avgPool(x as tf.Tensor4D, [h, w], 1, "valid")
    const scaled = op === "mean" ? pooled : tf.mul(pooled, h * w)
    return tf.reshape(scaled, outputShape(shape, axes, keepDims))
  }
  return undefined
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
