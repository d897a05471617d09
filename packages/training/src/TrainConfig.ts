/**
 * The configuration of one training: everything that changes its result is here (and in a checkpoint's
 * fingerprint); where checkpoints go, whether to resume and how to report progress are run options.
 *
 * Defaults are SNASNet's recipe (METHOD.md §5): batch 64, T = 5, SGD lr 0.1 with momentum 0.9 and
 * weight decay 5e-4 really applied, cosine decay to lr × 0.01, augmentation on.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { OptimizerConfig } from "./Optimizer.ts"
import { ScheduleConfig } from "./Schedule.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const withDefault = <S extends Schema.Top & { readonly Encoded: A }, A>(schema: S, value: A) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/**
 * @since 0.1.0
 */
export const TrainConfig = Schema.Struct({
  epochs: PositiveInt,
  batchSize: withDefault(PositiveInt, 64),
  timesteps: withDefault(PositiveInt, 5),
  /** Seeds the data order, augmentation and dropout masks (weights are initialised by the caller). */
  seed: withDefault(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), 1234),
  optimizer: withDefault(OptimizerConfig, { kind: "sgd" }),
  schedule: withDefault(ScheduleConfig, { kind: "cosine" }),
  /** Random crop with padding and horizontal flip on the training split (the loader's recipe). */
  augment: withDefault(Schema.Boolean, true),
  /**
   * Firing-rate regularisation: adds this weight times the mean firing rate of every LIF layer
   * (spikes per neuron and timestep, over the micro-batch) to the loss, so training trades accuracy
   * for fewer spikes — fewer synaptic operations on neuromorphic hardware. The gradient reaches the
   * weights through the neuron's surrogate. Omitted: no penalty. The epoch record's `loss` stays the
   * cross-entropy alone.
   */
  firingRatePenalty: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  /** Drop the last, smaller batch of each epoch. */
  dropLast: withDefault(Schema.Boolean, false),
  /**
   * Samples per forward/backward pass. Omitted: the largest that fits the backend's memory (planned
   * before training). BatchNorm statistics are taken per micro-batch, so a different micro-batch gives
   * (slightly) different training; a checkpoint records the one it used and a resume keeps it.
   */
  microBatch: Schema.optionalKey(PositiveInt),
  /** Fraction of the tensor memory limit kept free when planning micro-batches. */
  memoryHeadroom: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 0.9 })), 0.2),
  /** Also checkpoint every this many batches inside an epoch (omitted: at epoch ends only). */
  checkpointEveryBatches: Schema.optionalKey(PositiveInt),
  /** Checkpoints kept in the directory (oldest removed first). */
  keepCheckpoints: withDefault(PositiveInt, 2)
})

/**
 * @since 0.1.0
 */
export type TrainConfig = typeof TrainConfig.Type

/**
 * @since 0.1.0
 */
export type TrainConfigInput = typeof TrainConfig.Encoded
