/**
 * Conv2DBackpropFilter for wasm, which has none: "batch as channels" (see `conv2dBackpropFilterFast`).
 */
import * as tf from "@tensorflow/tfjs-core"
import { conv2dBackpropFilterFast, gemmFilterGradMaxTaps } from "../ConvGradients.ts"
import { asTensor, markKernel } from "./KernelTensor.ts"

/** XNNPACK's thread count of the wasm backend instance. */
const threadsOf = (backend: unknown): number => {
  const wasm = (backend as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm
  return wasm?.tfjs?.getThreadsCount?.() ?? 1
}

export const conv2dBackpropFilterWasm = (original: tf.KernelConfig | undefined): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  ...(original?.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
  kernelFunc: markKernel((args) => {
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs
    if (attrs.dataFormat === "NCHW") {
      if (original !== undefined) return original.kernelFunc(args)
      throw new Error("Conv2DBackpropFilter on wasm supports NHWC only")
    }
    return tf.tidy(() =>
      conv2dBackpropFilterFast(
        asTensor<tf.Tensor4D>(args.inputs.x!),
        asTensor<tf.Tensor4D>(args.inputs.dy!),
        attrs.filterShape,
        attrs.strides,
        attrs.pad,
        attrs.dimRoundingMode,
        gemmFilterGradMaxTaps(threadsOf(args.backend))
      )
    )
  })
})
