/**
 * What a `train` step stores and hands on: the trained models, each with its architecture, the
 * network it was built as, its size, its per-epoch records and its weights — a safetensors file in
 * the official PyTorch layout and names (the file `spikernel score --weights` and PyTorch's
 * `load_state_dict` read), kept in the store as a content-addressed blob with the step's value.
 *
 * Also the durable state of a training in progress: the models already finished and the newest
 * checkpoint of the one being trained, kept in the store's journal under the step's key, so a
 * resumed training continues from exactly those bytes and `spikernel gc` sees them.
 *
 * @since 0.1.0
 */
import { Architecture } from "@spikernel/core"
import { NetworkConfig } from "@spikernel/spaces"
import * as Training from "@spikernel/training"
import { Schema } from "effect"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * One trained model.
 *
 * @since 0.1.0
 */
export const TrainedModel = Schema.Struct({
  /** The id the selection gave it (a search's candidate index). */
  id: Schema.String,
  architecture: Architecture.Architecture,
  /** The network as built: preset, widths, pools, classifier. */
  network: NetworkConfig.NetworkConfig,
  timesteps: Schema.Int.check(Schema.isGreaterThan(0)),
  params: Count,
  /** Weight memory at FP32 (METHOD.md §6.5). */
  bytes: Count,
  /** One record per epoch (test top-1 in eval mode, firing rates, seconds). */
  epochs: Schema.Array(Training.EpochRecord),
  /** Samples per forward/backward pass the memory plan chose. */
  microBatch: Schema.Int.check(Schema.isGreaterThan(0)),
  backend: Schema.String,
  /** Safetensors, PyTorch layout and official names, with BatchNorm running statistics. */
  weights: Schema.Uint8ArrayFromBase64
})

/**
 * @since 0.1.0
 */
export type TrainedModel = typeof TrainedModel.Type

/**
 * The output of a `train` step, in the order of the selection it trained.
 *
 * @since 0.1.0
 */
export const TrainedModels = Schema.Struct({
  /** The data set the models were trained on (its fingerprint). */
  dataset: Schema.String,
  models: Schema.Array(TrainedModel)
})

/**
 * @since 0.1.0
 */
export type TrainedModels = typeof TrainedModels.Type

/**
 * The durable state of a `train` step between epochs: the models already finished, and the newest
 * checkpoint of the one being trained (by its id in the selection).
 *
 * @since 0.1.0
 */
export const TrainProgress = Schema.Struct({
  finished: Schema.Array(TrainedModel),
  current: Schema.NullOr(
    Schema.Struct({ id: Schema.String, checkpoint: Training.Checkpoint.TrainingCheckpoint })
  )
})

/**
 * @since 0.1.0
 */
export type TrainProgress = typeof TrainProgress.Type
