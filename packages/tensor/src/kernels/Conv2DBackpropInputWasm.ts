/**
 * Conv2DBackpropInput for wasm: one fast forward convolution over all stride phases (see
 * `conv2dBackpropInputFast`) instead of the built-in scalar loop (≈10× slower than forward).
 */
import * as tf from "@tensorflow/tfjs-core"
import { conv2dBackpropInputFast } from "../ConvGradients.ts"
import { asTensor, markKernel } from "./KernelTensor.ts"

export const conv2dBackpropInputWasm = (original: tf.KernelConfig | undefined): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  ...(original?.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
  kernelFunc: markKernel((args) => {
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs
    if (attrs.dataFormat === "NCHW" && original !== undefined) return original.kernelFunc(args)
    return tf.tidy(() =>
      conv2dBackpropInputFast(
        asTensor<tf.Tensor4D>(args.inputs.dy!),
        asTensor<tf.Tensor4D>(args.inputs.filter!),
        attrs.inputShape,
        attrs.strides,
        attrs.pad,
        attrs.dimRoundingMode
      )
    )
  })
})
