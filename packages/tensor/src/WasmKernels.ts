/**
 * The kernels this package adds to (or replaces in) the wasm backend, and their explicit, idempotent
 * registration. Each one is composed of tf ops the wasm backend runs fast; see the per-kernel modules.
 *
 * | kernel               | built-in wasm                         | here                                  |
 * |----------------------|---------------------------------------|---------------------------------------|
 * | Conv2DBackpropFilter | missing                               | conv of xᵀ with dyᵀ (batch as chans)  |
 * | Conv2DBackpropInput  | scalar loop, ≈10× slower than forward | one forward conv over stride phases   |
 * | AvgPoolGrad          | loop (≈220 ms at [128,32,32,16])      | depthwise conv of zero-inserted dy    |
 * | BatchMatMul (ᵀ)      | scalar loop with transpose flags      | explicit transpose, then XNNPACK      |
 * | Sum, Mean            | transpose first unless innermost      | one XNNPACK average pool              |
 * | Slice                | copies the whole source per call      | copies only the slice                 |
 */
import * as tf from "@tensorflow/tfjs-core"
import { avgPoolGradWasm } from "./kernels/AvgPoolGradWasm.ts"
import { batchMatMulWasm } from "./kernels/BatchMatMulWasm.ts"
import { conv2dBackpropFilterWasm } from "./kernels/Conv2DBackpropFilterWasm.ts"
import { conv2dBackpropInputWasm } from "./kernels/Conv2DBackpropInputWasm.ts"
import { isSpikernelKernel } from "./kernels/KernelTensor.ts"
import { meanWasm, sumWasm } from "./kernels/ReduceWasm.ts"
import { sliceWasm } from "./kernels/SliceWasm.ts"

/** Builds a kernel from the built-in one it replaces (undefined when wasm has none). */
type KernelFactory = (original: tf.KernelConfig | undefined) => tf.KernelConfig | undefined

const requireOriginal =
  (make: (original: tf.KernelConfig) => tf.KernelConfig): KernelFactory =>
  (original) =>
    original === undefined ? undefined : make(original)

/** Kernel name → factory. Overrides that delegate to the built-in kernel skip when it is missing. */
export const wasmKernelFactories: ReadonlyArray<readonly [string, KernelFactory]> = [
  [tf.Conv2DBackpropFilter, conv2dBackpropFilterWasm],
  [tf.Conv2DBackpropInput, conv2dBackpropInputWasm],
  [tf.AvgPoolGrad, avgPoolGradWasm],
  [tf.BatchMatMul, requireOriginal(batchMatMulWasm)],
  [tf.Sum, requireOriginal(sumWasm)],
  [tf.Mean, requireOriginal(meanWasm)],
  [tf.Slice, requireOriginal(sliceWasm)]
]

const lookup = (kernelName: string): tf.KernelConfig | undefined => {
  const config: tf.KernelConfig | undefined = tf.getKernel(kernelName, "wasm")
  return config ?? undefined
}

/**
 * Register this package's wasm kernels, replacing built-in ones. Idempotent: a kernel already ours is
 * left alone. Returns the names of the kernels of this package now registered.
 */
export const registerWasmKernels = (): ReadonlyArray<string> => {
  const registered: Array<string> = []
  for (const [name, factory] of wasmKernelFactories) {
    const existing = lookup(name)
    if (isSpikernelKernel(existing)) {
      registered.push(name)
      continue
    }
    const config = factory(existing)
    if (config === undefined) continue
    if (existing !== undefined) tf.unregisterKernel(name, "wasm")
    tf.registerKernel(config)
    registered.push(name)
  }
  return registered
}

/** Names of the wasm kernels currently provided by this package. */
export const registeredWasmKernels = (): ReadonlyArray<string> =>
  wasmKernelFactories.map(([name]) => name).filter((name) => isSpikernelKernel(lookup(name)))
