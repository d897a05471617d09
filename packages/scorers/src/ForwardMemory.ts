/**
 * Will a forward pass fit? The check the SAHD scorer runs before it starts, so that a configuration
 * too large for the backend (the wasm heap stops at 4 GiB, and a failed allocation there kills the
 * process mid-step) ends with the memory it would need and the limit — never a crash.
 *
 * The network's weights are already allocated when the check runs, so they are in the backend's
 * use and out of what is free. A static lower bound (batch × the per-sample LIF/feedback state)
 * decides whether to look closer: above what is free, it does not fit; within a factor
 * `probeFactor` (16) of it, the peak tensor bytes of two small forward passes (batch 2 and 4) are
 * measured and extrapolated linearly to the full batch — the peak of a forward is an affine function
 * of the batch, and the probes cost about 6/B of one repeat. The factor is wide because the peak is
 * far above the state: at 32×32×3, widths 128/256, B = 256 a sparse cell whose bound was under a
 * quarter of the free heap (the earlier factor, 4) went unprobed and aborted inside the wasm
 * convolution.
 *
 * @since 0.1.0
 */
import { availableBytes, type HeapUsage } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"

/**
 * The backend's name as `@spikernel/tensor` records it.
 *
 * @since 0.1.0
 */
export const activeBackend = (): "wasm" | "cpu" | "node" | "node-gpu" => {
  const name = tf.getBackend()
  if (name === "wasm" || name === "cpu") return name
  return name === "tensorflow" ? "node" : "node-gpu"
}

/**
 * The figures of the check.
 *
 * @since 0.1.0
 */
export interface MemoryCheck {
  /** Bytes the full forward is expected to need at its peak, beyond the weights. */
  readonly neededBytes: number
  /** Bytes still free on the backend (after its headroom). */
  readonly freeBytes: number
  /** The backend's limit (wasm heap maximum, or physical memory). */
  readonly limitBytes: number | null
  /** How `neededBytes` was obtained. */
  readonly method: "static bound" | "measured at batch 2 and 4"
  readonly fits: boolean
}

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MiB`

/**
 * One line for a check that does not fit.
 *
 * @since 0.1.0
 */
export const describeMemoryCheck = (check: MemoryCheck, batch: number): string =>
  `a forward pass at batch ${batch} needs about ${mib(check.neededBytes)} of tensor memory beyond the weights (${check.method}), ` +
  `but the ${activeBackend()} backend has ${mib(Math.max(0, check.freeBytes))} free` +
  (check.limitBytes === null ? "" : ` (limit ${mib(check.limitBytes)})`) +
  `; use a smaller --batch or narrower --widths`

/**
 * Peak tensor bytes above the current use while `f` runs (its tensors released afterwards).
 *
 * @since 0.1.0
 */
export const peakBytes = async (f: () => void): Promise<number> => {
  const start = tf.memory().numBytes
  const info = await tf.profile(() => {
    f()
    return []
  })
  return Math.max(0, info.peakBytes - start)
}

/**
 * The share of the backend's limit a forward leaves free. A quarter, not training's 15 %: on wasm a
 * forward that fits but brings the heap within a few hundred MiB of 4 GiB does not crash, it crawls —
 * a 32×32×3, 128/256, B = 256 cell estimated at 3,210 MiB against about 3,410 MiB free (15 %
 * headroom) ran over 7 minutes without finishing, where a cell needing about 2,300 MiB scores in
 * 40–75 s. With a quarter kept free it is refused in 4 s.
 *
 * @since 0.1.0
 */
export const forwardHeadroom = 0.25

/**
 * A forward whose static bound is within this factor of the free memory is measured.
 *
 * @since 0.1.0
 */
export const probeFactor = 16

/**
 * Checks a forward of `batch` images. `probe(b)` runs one forward at batch b (releasing everything).
 *
 * @since 0.1.0
 */
export const checkForwardMemory = async (options: {
  /** The backend's memory now (`Backend.heap`). */
  readonly usage: HeapUsage
  readonly batch: number
  readonly stateBytesPerSample: number
  readonly probe: (batch: number) => void
}): Promise<MemoryCheck> => {
  const { usage } = options
  const freeBytes = availableBytes(usage, forwardHeadroom)
  const bound = options.batch * options.stateBytesPerSample
  // Far below what is free, already above it, or too small a batch to extrapolate to: no probes.
  if (bound * probeFactor < freeBytes || bound > freeBytes || options.batch <= 4) {
    return {
      neededBytes: bound,
      freeBytes,
      limitBytes: usage.limitBytes,
      method: "static bound",
      fits: bound <= freeBytes
    }
  }
  const p2 = await peakBytes(() => options.probe(2))
  const p4 = await peakBytes(() => options.probe(4))
  const neededBytes = Math.max(bound, p2 + ((p4 - p2) / 2) * (options.batch - 2))
  return {
    neededBytes,
    freeBytes,
    limitBytes: usage.limitBytes,
    method: "measured at batch 2 and 4",
    fits: neededBytes <= freeBytes
  }
}
