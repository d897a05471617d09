/**
 * AvgPoolGrad for wasm: a depthwise convolution of the zero-inserted dy (see `avgPoolGradFast`) instead of
 * the built-in loop (≈220 ms per call at [128,32,32,16]).
 */
import * as tf from "@tensorflow/tfjs-core"
import { avgPoolGradFast } from "../ConvGradients.ts"
import { asTensor, markKernel } from "./KernelTensor.ts"

export const avgPoolGradWasm = (original: tf.KernelConfig | undefined): tf.KernelConfig => ({
  kernelName: tf.AvgPoolGrad,
  backendName: "wasm",
  ...(original?.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
  kernelFunc: markKernel((args) => {
    const attrs = args.attrs as unknown as tf.AvgPoolGradAttrs
    const input = args.inputs.input!
    return tf.tidy(() =>
      avgPoolGradFast(
        asTensor<tf.Tensor4D>(args.inputs.dy!),
        input.shape as [number, number, number, number],
        attrs.filterSize,
        attrs.strides,
        attrs.pad
      )
    )
  })
})
