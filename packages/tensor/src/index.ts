/**
 * `@spikernel/tensor`: picks the tfjs backend (`Backend` service and layers), records it (`BackendInfo`),
 * watches the wasm heap (`HeapUsage`), and gives wasm the gradient kernels it lacks or runs slowly.
 * See README.md for what to import when.
 */

// Backend selection (Effect)
export { Backend, type BackendService } from "./Backend.ts"
export { autoOrder, BackendChoice, BackendName, BackendOptions } from "./BackendChoice.ts"
export {
  BackendError,
  BackendErrorReason,
  BackendInitFailed,
  BackendUnavailable,
  HeapExhausted,
  InvalidBackendChoice,
  NativeKernelsUnavailable
} from "./BackendError.ts"
export { BackendInfo } from "./BackendInfo.ts"
export { KernelsChoice, KernelsName } from "./KernelsChoice.ts"
export { loadOnednn, type OnednnBinding, type OnednnLoad, onednnHint } from "./Onednn.ts"
export { defaultThreads, describe as describeBackend, installHint } from "./BackendInit.ts"

// Memory
export {
  availableBytes,
  HeapUsage,
  heapUsage,
  maxMicroBatch,
  measurePeakBytes,
  wasmHeapLimitBytes
} from "./HeapUsage.ts"

// Fast gradients as plain functions (any backend) and the wasm kernel registry
export {
  avgPoolGradFast,
  conv2dBackpropFilterFast,
  conv2dBackpropInputFast,
  type DimRoundingMode,
  type Pad,
  phasePlan
} from "./ConvGradients.ts"
export {
  activeWasmKernels,
  nativeKernelFactories,
  registeredWasmKernels,
  registerWasmKernels,
  type WasmKernelsOptions,
  wasmKernelFactories
} from "./WasmKernels.ts"
export { convDims } from "./kernels/ConvOnednn.ts"

// Fast training helpers (plain functions over tf ops, any backend)
export {
  batchNorm,
  batchNormEpsilon,
  batchNormMomentum,
  type BatchNormMode,
  type BatchNormWeights,
  channelMean
} from "./BatchNorm.ts"
export {
  type BatchNormStatistics,
  type ChannelAffine,
  type FoldedConv,
  foldBatchNorm,
  inferenceAffine
} from "./BatchNormFold.ts"
export { avgPool2dIncludePad } from "./Pooling.ts"
export { atanSurrogate, heaviside, spikeWithSurrogate } from "./Spike.ts"
export { type LoadedWasm, maxWasmThreads, wasmBinaryDir } from "./WasmLoader.ts"
/**
 * The convolution benchmark behind `spikernel bench kernels`.
 *
 * @since 0.1.0
 */
export * as KernelBench from "./KernelBench.ts"
/**
 * @since 0.1.0
 */
export * as WasmBinary from "./WasmBinary.ts"
