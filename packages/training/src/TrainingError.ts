/**
 * The one error type of `@spikernel/training`. Callers branch on `reason._tag`; `message` is a single
 * line a user can act on (the CLI prints it as is).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Not even one sample fits in the tensor memory that is left: refused before training starts.
 *
 * @since 0.1.0
 */
export class MemoryRefused extends Schema.TaggedError<MemoryRefused>()("MemoryRefused", {
  /** Estimated bytes for one sample's forward + backward over all timesteps. */
  bytesPerSample: Schema.Number,
  /** Bytes that do not grow with the batch: weights, gradients, optimizer buffers. */
  fixedBytes: Schema.Number,
  availableBytes: Schema.Number,
  limitBytes: Schema.Number,
  message: Schema.String
}) {}

/**
 * A checkpoint could not be written, read or decoded, or it belongs to another training.
 *
 * @since 0.1.0
 */
export class CheckpointFailed extends Schema.TaggedError<CheckpointFailed>()("CheckpointFailed", {
  path: Schema.String,
  message: Schema.String
}) {}

/**
 * The loss became NaN or infinite: training stops instead of writing a poisoned checkpoint.
 *
 * @since 0.1.0
 */
export class NonFiniteLoss extends Schema.TaggedError<NonFiniteLoss>()("NonFiniteLoss", {
  epoch: Schema.Int,
  batch: Schema.Int,
  message: Schema.String
}) {}

/**
 * A configuration that decodes but cannot be used with this model or data set.
 *
 * @since 0.1.0
 */
export class InvalidTraining extends Schema.TaggedError<InvalidTraining>()("InvalidTraining", {
  message: Schema.String
}) {}

/**
 * The data set failed underneath (a file, a field).
 *
 * @since 0.1.0
 */
export class DataFailed extends Schema.TaggedError<DataFailed>()("DataFailed", {
  message: Schema.String
}) {}

/**
 * A tensor operation threw (tfjs raises plain errors).
 *
 * @since 0.1.0
 */
export class TensorFailed extends Schema.TaggedError<TensorFailed>()("TensorFailed", {
  message: Schema.String
}) {}

/**
 * @since 0.1.0
 */
export const TrainingErrorReason = Schema.Union([
  MemoryRefused,
  CheckpointFailed,
  NonFiniteLoss,
  InvalidTraining,
  DataFailed,
  TensorFailed
])

/**
 * @since 0.1.0
 */
export type TrainingErrorReason = typeof TrainingErrorReason.Type

/**
 * @since 0.1.0
 */
export class TrainingError extends Schema.TaggedError<TrainingError>()("TrainingError", {
  reason: TrainingErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}

/**
 * The first line of whatever a library threw.
 *
 * @since 0.1.0
 */
export const firstLine = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).split("\n")[0] ?? ""

/**
 * @since 0.1.0
 */
export const checkpointFailed = (path: string, message: string): TrainingError =>
  new TrainingError({ reason: new CheckpointFailed({ path, message }) })

/**
 * @since 0.1.0
 */
export const invalidTraining = (message: string): TrainingError =>
  new TrainingError({ reason: new InvalidTraining({ message }) })

/**
 * @since 0.1.0
 */
export const tensorFailed = (what: string, cause: unknown): TrainingError =>
  new TrainingError({ reason: new TensorFailed({ message: `${what}: ${firstLine(cause)}` }) })
