/**
 * `@spikernel/training`: BPTT training of spiking networks with surrogate gradients — optimizers with
 * PyTorch's update rules, per-epoch schedules, micro-batching sized to the backend's memory,
 * evaluation in eval mode, Schema'd epoch records and checkpoints that resume exactly.
 *
 * The entry point is `train(options)`; see README.md.
 *
 * @since 0.1.0
 */

/** Checkpoints: what a training needs to continue exactly. */
export * as Checkpoint from "./Checkpoint.ts"
/** Where checkpoints are kept: a directory (atomic writes, verified reads) or memory. */
export * as CheckpointStore from "./CheckpointStore.ts"
/** The per-epoch record. */
export * from "./EpochRecord.ts"
/** Evaluation in eval mode, with firing rates. */
export * from "./Evaluate.ts"
/** Cross-entropy and top-1. */
export * from "./Loss.ts"
/** Micro-batch planning against the backend's memory. */
export * as MemoryPlan from "./MemoryPlan.ts"
/** SGD (with the official-bug switch) and Adam. */
export * as Optimizer from "./Optimizer.ts"
/** Learning-rate schedules. */
export * from "./Schedule.ts"
/** The training loop. */
export * from "./Train.ts"
/** The training configuration. */
export * from "./TrainConfig.ts"
/** The model shape training needs. */
export * from "./TrainableModel.ts"
/** Typed errors. */
export * from "./TrainingError.ts"
/** One optimisation step with gradient accumulation. */
export * from "./TrainStep.ts"
