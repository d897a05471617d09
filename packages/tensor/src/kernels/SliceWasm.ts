/**
 * Slice for wasm without the full copy: the built-in kernel reads its source through `readSync`, which
 * copies the whole tensor out of the heap on every call (slicing one timestep off [T·B,…] costs T times
 * too much). This one copies only the selected elements, heap to heap, in runs as long as the layout allows.
 */
import * as tf from "@tensorflow/tfjs-core"
import { markKernel } from "./KernelTensor.ts"

interface WasmHeapBackend {
  makeOutput(shape: Array<number>, dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array
}

/** Copy the box `begin`/`size` of a row-major array with `shape` into `out`. */
export const copyBox = (
  src: Float32Array | Int32Array | Uint8Array,
  shape: ReadonlyArray<number>,
  begin: ReadonlyArray<number>,
  size: ReadonlyArray<number>,
  out: Float32Array | Int32Array | Uint8Array
): void => {
  const rank = shape.length
  // Merge trailing axes taken whole into one contiguous run.
  let inner = rank - 1
  let run = size[rank - 1] ?? 1
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) {
    inner--
    run *= size[inner]!
  }
  const strides = tf.util.computeStrides([...shape])
  const outer = size.slice(0, inner)
  const count = outer.reduce((p, d) => p * d, 1)
  const index = outer.map(() => 0)
  let offsetIn = begin.reduce((p, b, i) => p + b * (i < rank - 1 ? strides[i]! : 1), 0)
  let offsetOut = 0
  for (let k = 0; k < count; k++) {
    out.set(src.subarray(offsetIn, offsetIn + run), offsetOut)
    offsetOut += run
    // Odometer over the outer axes; strides of the source move the read offset.
    for (let axis = inner - 1; axis >= 0; axis--) {
      index[axis]!++
      offsetIn += strides[axis]!
      if (index[axis]! < outer[axis]!) break
      offsetIn -= index[axis]! * strides[axis]!
      index[axis] = 0
    }
  }
}

export const sliceWasm = (original: tf.KernelConfig): tf.KernelConfig => ({
  kernelName: tf.Slice,
  backendName: "wasm",
  ...(original.setupFunc === undefined ? {} : { setupFunc: original.setupFunc }),
  kernelFunc: markKernel((args) => {
    const x = args.inputs.x!
    if (x.dtype === "string") return original.kernelFunc(args)
    const attrs = args.attrs as unknown as tf.SliceAttrs
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size)
    const backend = args.backend as WasmHeapBackend
    // Allocate first: growing the heap detaches earlier views.
    const out = backend.makeOutput(size, x.dtype)
    if (tf.util.sizeFromShape(size) > 0) {
      copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out))
    }
    return out
  })
})
