/**
 * One optimisation step on one batch: unrolled BPTT over T timesteps (the network's forward runs all
 * steps under one gradient tape, so the surrogate gradients flow back through every LIF state), split
 * into micro-batches whose gradients are accumulated before a single optimizer update.
 *
 * The loss of a micro-batch of m out of n samples is weighted m/n, so the accumulated gradient is the
 * gradient of the batch-mean cross-entropy, as an unsplit batch computes it (BatchNorm aside: each
 * micro-batch normalises with its own statistics). With a firing-rate penalty, each micro-batch's
 * loss also carries the weight times its mean firing rate.
 *
 * @since 0.1.0
 */
import type { DatasetLoader } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"
import { correctCount, crossEntropy } from "./Loss.ts"
import { chunkSizes } from "./MemoryPlan.ts"
import type { Optimizer } from "./Optimizer.ts"
import type { DropoutKey, TrainableModel } from "./TrainableModel.ts"

/**
 * @since 0.1.0
 */
export interface StepResult {
  /** Mean cross-entropy over the batch. */
  readonly loss: number
  /** Samples whose train-mode logits put the label first. */
  readonly correct: number
}

/**
 * Copies samples [start, start + size) of a batch into tensors.
 *
 * @since 0.1.0
 */
export const sliceBatch = (
  batch: DatasetLoader.ImageBatch,
  start: number,
  size: number
): readonly [tf.Tensor4D, tf.Tensor1D] => {
  const [h, w, c] = batch.imageShape
  const pixels = h * w * c
  const images = tf.tensor4d(batch.images.subarray(start * pixels, (start + size) * pixels), [size, h, w, c])
  const labels = tf.tensor1d(batch.labels.subarray(start, start + size), "int32")
  return [images, labels]
}

/**
 * Gradients of the batch loss by model weight name, accumulated over micro-batches. The caller owns
 * (and disposes) the returned tensors. Throws what tfjs throws.
 *
 * @since 0.1.0
 */
export const batchGradients = (options: {
  readonly model: TrainableModel
  readonly batch: DatasetLoader.ImageBatch
  readonly microBatch: number
  readonly timesteps: number
  /** The dropout key of micro-batch `i` of this batch. */
  readonly dropoutKey: (micro: number) => DropoutKey
  /** Adds this weight × the mean LIF firing rate to the loss (`TrainConfig.firingRatePenalty`). */
  readonly firingRatePenalty?: number
}): { readonly grads: Map<string, tf.Tensor>; readonly result: StepResult } => {
  const { model, batch } = options
  const names = new Map<string, string>()
  const variables: Array<tf.Variable> = []
  for (const [name, v] of model.weights) {
    names.set(v.name, name)
    variables.push(v)
  }
  const grads = new Map<string, tf.Tensor>()
  let loss = 0
  let correct = 0
  let start = 0
  try {
    chunkSizes(batch.size, options.microBatch).forEach((size, micro) => {
      const [images, labels] = sliceBatch(batch, start, size)
      start += size
      let hits: tf.Scalar | undefined
      let entropy: tf.Scalar | undefined
      // Each LIF layer's spike count at each timestep, kept past the layer's scope for the penalty.
      const spikeSums: Array<tf.Scalar> = []
      let neuronSteps = 0
      const penalty = options.firingRatePenalty
      try {
        const out = tf.variableGrads(() => {
          const logits = model.forward(images, {
            timesteps: options.timesteps,
            training: true,
            dropoutKey: options.dropoutKey(micro),
            ...(penalty === undefined
              ? {}
              : {
                  onSpikes: (_layer: string, _t: number, spikes: tf.Tensor) => {
                    spikeSums.push(tf.keep(tf.sum(spikes)))
                    neuronSteps += spikes.size
                  }
                })
          })
          hits = tf.keep(correctCount(logits, labels))
          const ce = crossEntropy(logits, labels)
          entropy = tf.keep(ce)
          const total =
            penalty === undefined || spikeSums.length === 0
              ? ce
              : tf.add(ce, tf.mul(tf.div(tf.addN(spikeSums), neuronSteps), penalty))
          return tf.mul(total, size / batch.size) as tf.Scalar
        }, variables)
        loss += (entropy!.dataSync()[0] * size) / batch.size
        out.value.dispose()
        correct += hits!.dataSync()[0]
        for (const [tfName, g] of Object.entries(out.grads)) {
          // variableGrads leaves a null for a weight the loss does not reach (a pruned branch).
          if (g === null || g === undefined) continue
          const name = names.get(tfName)!
          const previous = grads.get(name)
          if (previous === undefined) {
            grads.set(name, g)
          } else {
            grads.set(name, tf.add(previous, g))
            previous.dispose()
            g.dispose()
          }
        }
      } finally {
        images.dispose()
        labels.dispose()
        hits?.dispose()
        entropy?.dispose()
        tf.dispose(spikeSums)
      }
    })
  } catch (cause) {
    tf.dispose([...grads.values()])
    throw cause
  }
  return { grads, result: { loss, correct } }
}

/**
 * Gradients, then one optimizer update at learning rate `lr`; nothing is left allocated but the new
 * weights and optimizer buffers. Throws what tfjs throws.
 *
 * @since 0.1.0
 */
export const trainStep = (options: {
  readonly model: TrainableModel
  readonly optimizer: Optimizer
  readonly batch: DatasetLoader.ImageBatch
  readonly microBatch: number
  readonly timesteps: number
  readonly lr: number
  readonly dropoutKey: (micro: number) => DropoutKey
  readonly firingRatePenalty?: number
}): StepResult => {
  const { grads, result } = batchGradients(options)
  try {
    if (Number.isFinite(result.loss)) options.optimizer.apply(options.model.weights, grads, options.lr)
  } finally {
    tf.dispose([...grads.values()])
  }
  return result
}
