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
 *
 * With the oneDNN addon (`kernels: "native"`), Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter run on
 * oneDNN instead, each falling back to the kernel above (XNNPACK's for Conv2D) where oneDNN cannot.
 * Registering again with the other set swaps them back: every kernel of this package remembers the
 * built-in kernel it replaced.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { KernelsName } from "./KernelsChoice.ts"
import { avgPoolGradWasm } from "./kernels/AvgPoolGradWasm.ts"
import { batchMatMulWasm } from "./kernels/BatchMatMulWasm.ts"
import { conv2dBackpropFilterWasm } from "./kernels/Conv2DBackpropFilterWasm.ts"
import { conv2dBackpropInputWasm } from "./kernels/Conv2DBackpropInputWasm.ts"
import { conv2dBackpropFilterOnednn, conv2dBackpropInputOnednn, conv2dOnednn } from "./kernels/ConvOnednn.ts"
import { isSpikernelKernel } from "./kernels/KernelTensor.ts"
import { meanWasm, sumWasm } from "./kernels/ReduceWasm.ts"
import { sliceWasm } from "./kernels/SliceWasm.ts"
import type { OnednnBinding } from "./Onednn.ts"

/** Builds a kernel from the built-in one it replaces (undefined when wasm has none). */
type KernelFactory = (original: tf.KernelConfig | undefined) => tf.KernelConfig | undefined

/** Builds a native kernel from the wasm kernel it falls back to. */
type NativeKernelFactory = (binding: OnednnBinding, fallback: tf.KernelConfig | undefined) => tf.KernelConfig

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

/** The kernels oneDNN runs with `kernels: "native"`. */
export const nativeKernelFactories: ReadonlyArray<readonly [string, NativeKernelFactory]> = [
  [tf.Conv2D, conv2dOnednn],
  [tf.Conv2DBackpropInput, conv2dBackpropInputOnednn],
  [tf.Conv2DBackpropFilter, conv2dBackpropFilterOnednn]
]

/** Stored on this package's kernel functions: the built-in kernel replaced, and which set it belongs to. */
const builtinKey: unique symbol = Symbol.for("@spikernel/tensor/builtin") as never
const setKey: unique symbol = Symbol.for("@spikernel/tensor/kernels") as never

interface Provenance {
  readonly [builtinKey]?: tf.KernelConfig | undefined
  readonly [setKey]?: KernelsName
}

const provenance = (config: tf.KernelConfig): Provenance => config.kernelFunc as unknown as Provenance

const lookup = (kernelName: string): tf.KernelConfig | undefined => {
  const config: tf.KernelConfig | undefined = tf.getKernel(kernelName, "wasm")
  return config ?? undefined
}

/** The built-in wasm kernel of `name` (undefined when wasm has none), whatever is registered now. */
const builtinOf = (name: string): tf.KernelConfig | undefined => {
  const existing = lookup(name)
  return isSpikernelKernel(existing) ? provenance(existing!)[builtinKey] : existing
}

const tag = (
  config: tf.KernelConfig,
  builtin: tf.KernelConfig | undefined,
  set: KernelsName
): tf.KernelConfig => {
  Object.assign(config.kernelFunc, { [builtinKey]: builtin, [setKey]: set })
  return config
}

/** Options of `registerWasmKernels`. */
export interface WasmKernelsOptions {
  /** Run the convolutions on oneDNN (the loaded addon), with `threads` OpenMP threads. */
  readonly native?: { readonly binding: OnednnBinding; readonly threads: number }
}

/**
 * Register this package's wasm kernels, replacing built-in ones: the wasm set, or with `native` the
 * oneDNN convolutions over it. Idempotent: a kernel already of the requested set is left alone; one of the
 * other set is swapped. Returns the names of the kernels of this package now registered.
 */
export const registerWasmKernels = (options: WasmKernelsOptions = {}): ReadonlyArray<string> => {
  const native = options.native
  if (native !== undefined) native.binding.setThreads(native.threads)
  const names = [...new Set([...wasmKernelFactories, ...nativeKernelFactories].map(([name]) => name))]
  const registered: Array<string> = []
  for (const name of names) {
    const existing = lookup(name)
    const builtin = builtinOf(name)
    const wasmFactory = wasmKernelFactories.find(([n]) => n === name)?.[1]
    const nativeFactory = nativeKernelFactories.find(([n]) => n === name)?.[1]
    const ours: KernelsName | undefined =
      native !== undefined && nativeFactory !== undefined ? "native" : wasmFactory ? "wasm" : undefined
    if (ours === undefined) {
      // Native-only kernel (Conv2D) under the wasm set: the built-in kernel, as wasm registers it.
      if (isSpikernelKernel(existing)) {
        tf.unregisterKernel(name, "wasm")
        if (builtin !== undefined) tf.registerKernel(builtin)
      }
      continue
    }
    if (isSpikernelKernel(existing) && provenance(existing!)[setKey] === ours) {
      registered.push(name)
      continue
    }
    const wasmConfig = wasmFactory === undefined ? builtin : wasmFactory(builtin)
    const config =
      ours === "native" && native !== undefined && nativeFactory !== undefined
        ? nativeFactory(native.binding, wasmConfig)
        : wasmConfig
    if (config === undefined || config === builtin) continue
    if (existing !== undefined) tf.unregisterKernel(name, "wasm")
    tf.registerKernel(tag(config, builtin, ours))
    registered.push(name)
  }
  return registered
}

/** Names of the wasm kernels currently provided by this package. */
export const registeredWasmKernels = (): ReadonlyArray<string> =>
  [...new Set([...wasmKernelFactories, ...nativeKernelFactories].map(([name]) => name))].filter((name) =>
    isSpikernelKernel(lookup(name))
  )

/** Which set runs the wasm backend's convolutions now (`native` when Conv2DBackpropFilter is oneDNN's). */
export const activeWasmKernels = (): KernelsName => {
  const config = lookup(tf.Conv2DBackpropFilter)
  return config !== undefined && isSpikernelKernel(config) && provenance(config)[setKey] === "native"
    ? "native"
    : "wasm"
}
