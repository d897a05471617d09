/**
 * Sizing micro-batches before training, so that any batch size runs and nothing dies mid-step.
 *
 * BPTT keeps every timestep's activations until the backward pass, and the wasm heap cannot grow past
 * 4 GiB; when tfjs' `malloc` fails there the process dies with "memory access out of bounds". So:
 *
 * 1. A cheap guard: the bytes all kernels allocate in one eval-mode forward of one sample over one
 *    timestep, × T (the tape keeps each step) × 3 (backward transients and gradients). If that does not
 *    fit, training is refused with the numbers, before anything large is allocated.
 * 2. A measurement: the peak tensor bytes of a real forward + backward at micro-batch 1 and 2 (state
 *    variables snapshotted and restored, so BatchNorm running statistics are untouched). The difference
 *    is the cost of one more sample; the rest is fixed.
 * 3. The plan: the largest micro-batch whose peak, plus the gradient accumulator and the optimizer's
 *    buffers, leaves `headroom` of the limit free; the batch is then split into equal-as-possible chunks.
 *
 * BatchNorm normalises with the statistics of each micro-batch (a split batch is not a big batch), so
 * the micro-batch is part of the training's identity: checkpoints record it and a resume keeps it.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import {
  availableBytes,
  type BackendName,
  type HeapUsage,
  heapUsage,
  measurePeakBytes
} from "@spikernel/tensor"
import { Effect, Schema } from "effect"
import { correctCount, crossEntropy } from "./Loss.ts"
import type { TrainableModel } from "./TrainableModel.ts"
import { MemoryRefused, TrainingError, tensorFailed } from "./TrainingError.ts"

/**
 * The outcome of planning, recorded in the training result.
 *
 * @since 0.1.0
 */
export const MemoryPlan = Schema.Struct({
  backend: Schema.String,
  batchSize: Schema.Int,
  microBatch: Schema.Int,
  /** Peak tensor bytes added by one more sample in forward + backward. */
  bytesPerSample: Schema.Number,
  /** Peak bytes of a step that do not grow with the micro-batch, plus accumulator and optimizer buffers. */
  fixedBytes: Schema.Number,
  availableBytes: Schema.Number,
  limitBytes: Schema.NullOr(Schema.Number),
  /** Whether the micro-batch was measured (false: given in the config or taken from a checkpoint). */
  measured: Schema.Boolean
})

/**
 * @since 0.1.0
 */
export type MemoryPlan = typeof MemoryPlan.Type

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

/**
 * Splits `size` samples into chunks of at most `micro`, as equal as possible (sizes differ by ≤ 1).
 *
 * @since 0.1.0
 */
export const chunkSizes = (size: number, micro: number): Array<number> => {
  const count = Math.ceil(size / micro)
  const base = Math.floor(size / count)
  const extra = size - base * count
  return Array.from({ length: count }, (_, i) => base + (i < extra ? 1 : 0))
}

/**
 * Runs `f` with the model's state variables restored afterwards (the probe must not move BatchNorm
 * running statistics, or a resumed run would differ from an uninterrupted one).
 *
 * @since 0.1.0
 */
export const preservingState = <A>(model: TrainableModel, f: () => A): A => {
  const saved = [...model.state.values()].map((v) => [v, tf.clone(v)] as const)
  try {
    return f()
  } finally {
    for (const [v, copy] of saved) {
      v.assign(copy)
      copy.dispose()
    }
  }
}

/** Bytes all kernels allocate while `f` runs (whether or not they are freed again). */
const allocatedBytesOf = async (f: () => void): Promise<number> => {
  const info = await tf.profile(() => {
    f()
    return []
  })
  return info.kernels.reduce((sum, k) => sum + k.bytesAdded, 0)
}

const zerosBatch = (size: number, shape: readonly [number, number, number]) =>
  [tf.zeros([size, ...shape]) as tf.Tensor4D, tf.zeros([size], "int32") as tf.Tensor1D] as const

/**
 * One micro-batch's forward + backward, gradients disposed; what the planner measures.
 *
 * @since 0.1.0
 */
const probeStep = (
  model: TrainableModel,
  size: number,
  shape: readonly [number, number, number],
  T: number
): tf.TensorContainer => {
  const variables = [...model.weights.values()]
  const [images, labels] = zerosBatch(size, shape)
  try {
    preservingState(model, () => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(images, { timesteps: T, training: true })
        tf.dispose(correctCount(logits, labels))
        return crossEntropy(logits, labels)
      }, variables)
      value.dispose()
      tf.dispose(grads)
    })
  } finally {
    images.dispose()
    labels.dispose()
  }
  return []
}

/**
 * Plans the micro-batch for `batchSize` on the active backend.
 *
 * @since 0.1.0
 */
export const plan = Effect.fnUntraced(function* (options: {
  readonly model: TrainableModel
  readonly backend: BackendName
  readonly imageShape: readonly [number, number, number]
  readonly timesteps: number
  readonly batchSize: number
  /** Tensors per parameter the optimizer keeps (SGD with momentum 1, Adam 2). */
  readonly optimizerBuffers: number
  readonly headroom: number
  /** For tests: a pretend limit instead of the backend's. */
  readonly limitBytes?: number
}): Effect.fn.Return<MemoryPlan, TrainingError> {
  const { model, imageShape, timesteps, batchSize } = options
  const real = heapUsage(options.backend)
  const usage: HeapUsage =
    options.limitBytes === undefined ? real : { ...real, limitBytes: options.limitBytes }
  const available = availableBytes(usage, options.headroom)
  let params = 0
  for (const v of model.weights.values()) params += v.size
  // The gradient accumulator and the optimizer's buffers live across micro-batches.
  const persistent = params * 4 * (1 + options.optimizerBuffers)
  const refuse = (perSample: number, fixed: number, how: string) =>
    new TrainingError({
      reason: new MemoryRefused({
        bytesPerSample: perSample,
        fixedBytes: fixed,
        availableBytes: Math.max(0, available),
        limitBytes: usage.limitBytes ?? 0,
        message:
          `not even one sample fits: forward + backward over T=${timesteps} at ${imageShape.join("×")} ` +
          `needs about ${mib(perSample)} per sample (${how}) plus ${mib(fixed)} fixed, but only ` +
          `${mib(Math.max(0, available))} of the ${options.backend} limit of ${mib(usage.limitBytes ?? 0)} ` +
          `is free (${Math.round(options.headroom * 100)}% kept as headroom); use fewer timesteps, ` +
          `narrower widths or a backend with more memory`
      })
    })
  const measure = <A>(what: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (cause) => tensorFailed(`memory probe (${what})`, cause) })

  // 1. Guard: a forward of one sample over one timestep allocates little; scale it to BPTT.
  const guard = yield* measure("one timestep", async () => {
    const [image, labels] = zerosBatch(1, imageShape)
    try {
      return await allocatedBytesOf(() => {
        tf.tidy(() => {
          model.forward(image, { timesteps: 1, training: false })
        })
      })
    } finally {
      image.dispose()
      labels.dispose()
    }
  })
  const guessed = guard * timesteps * 3
  if (guessed + persistent > available)
    return yield* refuse(guessed, persistent, "estimated from one timestep")

  // 2. Measure at 1 and 2 samples.
  const one = yield* measure("1 sample", () =>
    measurePeakBytes(() => probeStep(model, 1, imageShape, timesteps))
  )
  if (one + persistent > available) return yield* refuse(one, persistent, "measured")
  const two = yield* measure("2 samples", () =>
    measurePeakBytes(() => probeStep(model, 2, imageShape, timesteps))
  )
  const perSample = Math.max(two - one, 1)
  const fixed = Math.max(0, one - perSample) + persistent
  const fit = Math.floor((available - fixed) / perSample)
  if (fit < 1) return yield* refuse(perSample, fixed, "measured")
  // Equal chunks: 64 with room for 40 runs as 2 × 32, not 40 + 24.
  const micro = chunkSizes(batchSize, Math.min(batchSize, fit))[0]
  return {
    backend: options.backend,
    batchSize,
    microBatch: micro,
    bytesPerSample: perSample,
    fixedBytes: fixed,
    availableBytes: available,
    limitBytes: usage.limitBytes,
    measured: true
  }
})
