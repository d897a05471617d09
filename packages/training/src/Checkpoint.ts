/**
 * A training checkpoint: everything a training needs to continue exactly where it stopped — its
 * position, records and partial-epoch sums (the state), the weights with the BatchNorm running
 * statistics and the optimizer buffers (both safetensors bytes). Where checkpoints are kept is the
 * `CheckpointStore` service's business (a directory for `spikernel train`, the result store for a
 * pipeline's train step).
 *
 * @since 0.1.0
 */
import { CanonicalJson, Digest } from "@spikernel/core"
import { Schema } from "effect"
import { EpochRecord } from "./EpochRecord.ts"
import { TrainConfig } from "./TrainConfig.ts"

/**
 * Where the data order stands: `batch` batches of epoch `epoch` (0-based) are done.
 *
 * @since 0.1.0
 */
export const Position = Schema.Struct({
  epoch: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  batch: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export type Position = typeof Position.Type

/**
 * Running sums of an epoch that is not finished yet (all zero at an epoch boundary).
 *
 * @since 0.1.0
 */
export const PartialEpoch = Schema.Struct({
  lossSum: Schema.Finite,
  correct: Schema.Int,
  samples: Schema.Int,
  seconds: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type PartialEpoch = typeof PartialEpoch.Type

/**
 * The state of a checkpoint besides its tensors.
 *
 * @since 0.1.0
 */
export const CheckpointState = Schema.Struct({
  format: Schema.Literal("spikernel-training-checkpoint"),
  version: Schema.Literal(1),
  /** sha256 of what must match for a resume: config, model layout, data set. */
  fingerprint: Schema.String,
  config: TrainConfig,
  position: Position,
  microBatch: Schema.Int.check(Schema.isGreaterThan(0)),
  optimizerSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** The backend that wrote it: bit-exact continuation holds on the same backend. */
  backend: Schema.String,
  records: Schema.Array(EpochRecord),
  partial: PartialEpoch
})

/**
 * @since 0.1.0
 */
export type CheckpointState = typeof CheckpointState.Type

/**
 * A whole checkpoint: the state, the weights and running statistics (safetensors, official names,
 * tfjs layout) and the optimizer buffers (safetensors, `momentum_buffer/<name>`, `exp_avg/<name>`, …).
 *
 * @since 0.1.0
 */
export const TrainingCheckpoint = Schema.Struct({
  state: CheckpointState,
  weights: Schema.Uint8ArrayFromBase64,
  optimizer: Schema.Uint8ArrayFromBase64
})

/**
 * @since 0.1.0
 */
export type TrainingCheckpoint = typeof TrainingCheckpoint.Type

/**
 * The name of the checkpoint at a position (sorts in training order).
 *
 * @since 0.1.0
 */
export const nameOf = (position: Position): string =>
  `ckpt-e${String(position.epoch).padStart(4, "0")}-b${String(position.batch).padStart(6, "0")}`

/**
 * The fingerprint a resume must match: the config fields that change results (not the checkpoint
 * cadence), the weight and state names and shapes, and the data set's fingerprint.
 *
 * @since 0.1.0
 */
export const fingerprint = (options: {
  readonly config: TrainConfig
  readonly layout: ReadonlyArray<readonly [string, ReadonlyArray<number>]>
  readonly dataset: string
}): string => {
  const {
    checkpointEveryBatches: _every,
    keepCheckpoints: _keep,
    microBatch: _micro,
    ...rest
  } = options.config
  const encoded = Schema.encodeSync(TrainConfig)(rest as TrainConfig)
  return Digest.sha256Hex(
    CanonicalJson.canonicalJson({
      config: encoded,
      layout: options.layout.map(([name, shape]) => [name, [...shape]]),
      dataset: options.dataset
    })
  )
}
