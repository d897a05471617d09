/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter for the wasm backend on oneDNN (`@spikernel/onednn`).
 *
 * Each kernel allocates its output on the wasm heap like any wasm kernel, then hands oneDNN Float32Array
 * views of the heap at the input and output tensors' offsets: oneDNN reads and writes the tensors where
 * they are, nothing is copied. Views are made after the output is allocated (a growing single-threaded
 * heap detaches older views), and the addon checks each view's length against the shape.
 *
 * NHWC only, any stride, dilation, and 'same'/'valid'/explicit padding whose output size oneDNN's formula
 * reproduces; anything else — and any oneDNN error — runs the kernel it replaced (`fallback`), so results
 * never depend on whether a shape happens to be supported.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { OnednnBinding } from "../Onednn.ts"
import { markKernel } from "./KernelTensor.ts"

/** What these kernels use of tfjs-backend-wasm's `BackendWasm`. */
interface WasmBackendView {
  makeOutput(shape: ReadonlyArray<number>, dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray
  disposeData(dataId: tf.DataId, force?: boolean): boolean
}

/**
 * The addon's `dims`: n h w ci ho wo co kh kw sh sw pt pl pb pr dh dw, or undefined when oneDNN's output
 * size (in − (k−1)·d − 1 + pads) / s + 1 differs from tfjs's (e.g. `dimRoundingMode: 'ceil'`).
 */
export const convDims = (c: tf.backend_util.Conv2DInfo): ReadonlyArray<number> | undefined => {
  const { top, left, bottom, right } = c.padInfo
  if (c.dataFormat !== "channelsLast" || Math.min(top, left, bottom, right) < 0) return undefined
  const out = (size: number, k: number, d: number, s: number, p: number) =>
    Math.floor((size - (k - 1) * d - 1 + p) / s) + 1
  if (out(c.inHeight, c.filterHeight, c.dilationHeight, c.strideHeight, top + bottom) !== c.outHeight) return
  if (out(c.inWidth, c.filterWidth, c.dilationWidth, c.strideWidth, left + right) !== c.outWidth) return
  const sizes = [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels]
  if (sizes.some((n) => n < 1)) return undefined
  return [
    ...sizes,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    top,
    left,
    bottom,
    right,
    c.dilationHeight,
    c.dilationWidth
  ]
}

const asFloats = (view: tf.backend_util.TypedArray): Float32Array => {
  if (!(view instanceof Float32Array)) throw new Error("oneDNN kernels take float32 tensors")
  return view
}

/** Allocate the output, run oneDNN on heap views, or dispose the output and run `fallback` on failure. */
const runOnHeap = (
  args: Parameters<tf.KernelFunc>[0],
  fallback: tf.KernelConfig | undefined,
  kernelName: string,
  binding: OnednnBinding,
  kind: 0 | 1 | 2,
  dims: ReadonlyArray<number> | undefined,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  outShape: ReadonlyArray<number>
): tf.TensorInfo | tf.TensorInfo[] => {
  const backend = args.backend as unknown as WasmBackendView
  const runFallback = () => {
    if (fallback === undefined) throw new Error(`${kernelName}: no wasm kernel for this configuration`)
    return fallback.kernelFunc(args)
  }
  if (dims === undefined || a.dtype !== "float32" || b.dtype !== "float32") return runFallback()
  const out = backend.makeOutput(outShape, "float32")
  try {
    binding.conv(
      kind,
      dims,
      asFloats(backend.typedArrayFromHeap(a)),
      asFloats(backend.typedArrayFromHeap(b)),
      asFloats(backend.typedArrayFromHeap(out))
    )
    return out
  } catch (cause) {
    backend.disposeData(out.dataId, true)
    // A configuration oneDNN has no implementation for: the wasm kernel computes it (same results,
    // slower). A view that does not match its shape (ONEDNN_ARGUMENT) is a bug here: it is raised.
    if (typeof cause === "object" && cause !== null && "code" in cause && cause.code === "ONEDNN_ERROR")
      return runFallback()
    throw cause
  }
}

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean =>
  a.length === b.length && a.every((n, i) => n === b[i])

/** Conv2D on oneDNN; `fallback` is XNNPACK's. */
export const conv2dOnednn = (
  binding: OnednnBinding,
  fallback: tf.KernelConfig | undefined
): tf.KernelConfig => ({
  kernelName: tf.Conv2D,
  backendName: "wasm",
  ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  kernelFunc: markKernel((args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo }
    const attrs = args.attrs as unknown as tf.Conv2DAttrs
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat)
    )
    return runOnHeap(args, fallback, tf.Conv2D, binding, 0, convDims(info), x, filter, info.outShape)
  })
})

/** Conv2DBackpropInput on oneDNN; `fallback` is this package's wasm composition. */
export const conv2dBackpropInputOnednn = (
  binding: OnednnBinding,
  fallback: tf.KernelConfig | undefined
): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  kernelFunc: markKernel((args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat)
    )
    const dims = sameShape(info.outShape, dy.shape) ? convDims(info) : undefined
    return runOnHeap(args, fallback, tf.Conv2DBackpropInput, binding, 1, dims, dy, filter, attrs.inputShape)
  })
})

/** Conv2DBackpropFilter on oneDNN; `fallback` is this package's wasm composition. */
export const conv2dBackpropFilterOnednn = (
  binding: OnednnBinding,
  fallback: tf.KernelConfig | undefined
): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  kernelFunc: markKernel((args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat)
    )
    const dims = sameShape(info.outShape, dy.shape) ? convDims(info) : undefined
    return runOnHeap(args, fallback, tf.Conv2DBackpropFilter, binding, 2, dims, x, dy, attrs.filterShape)
  })
})
