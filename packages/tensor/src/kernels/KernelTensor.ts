/**
 * Glue between tfjs's kernel API (TensorInfo in, TensorInfo out) and ordinary tf ops, which the kernels of
 * this package are composed of. Ops called inside a kernel are not taped (tfjs tapes only at kernel depth
 * 0), and every kernel body runs in `tf.tidy`, so intermediates are freed and only the output survives.
 */
import * as tf from "@tensorflow/tfjs-core"

/** Marks kernel functions of this package, so registration can recognise its own and stay idempotent. */
export const spikernelKernel: unique symbol = Symbol.for("@spikernel/tensor/kernel") as never

/** The engine passes op inputs as Tensors; wrap a bare TensorInfo just in case (freed by the caller's tidy). */
export const asTensor = <T extends tf.Tensor>(info: tf.TensorInfo): T =>
  (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as T

export const isSpikernelKernel = (config: tf.KernelConfig | undefined): boolean =>
  config !== undefined && spikernelKernel in config.kernelFunc

/** A kernel function carrying the marker. */
export const markKernel = (kernelFunc: tf.KernelFunc): tf.KernelFunc =>
  Object.assign(kernelFunc, { [spikernelKernel]: true })
