/**
 * BatchMatMul for wasm: the built-in kernel runs XNNPACK only for untransposed operands; with
 * `transposeA`/`transposeB` (every matMul gradient) it falls back to a scalar loop at 1–3 GFLOP/s. This
 * override transposes explicitly (a cheap copy) and calls the fast path.
 */
import * as tf from "@tensorflow/tfjs-core"
import { asTensor, markKernel } from "./KernelTensor.ts"

/** Swap the two innermost axes. */
const swapInner = (x: tf.Tensor): tf.Tensor => {
  const rank = x.rank
  const perm = Array.from({ length: rank }, (_, i) => i)
  perm[rank - 2] = rank - 1
  perm[rank - 1] = rank - 2
  return tf.transpose(x, perm)
}

export const batchMatMulWasm = (original: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.BatchMatMul,
  backendName: "wasm",
  ...(original.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
  kernelFunc: markKernel((args) => {
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args)
    return tf.tidy(() => {
      const a = asTensor(args.inputs.a!)
      const b = asTensor(args.inputs.b!)
      const a2 = attrs.transposeA ? swapInner(a) : a
      const b2 = attrs.transposeB ? swapInner(b) : b
      return original.kernelFunc({
        ...args,
        inputs: { a: a2, b: b2 },
        attrs: { ...args.attrs, transposeA: false, transposeB: false }
      }) as tf.TensorInfo as tf.Tensor
    })
  })
})
