/**
 * `@spikernel/scorers`: the training-free SAHD score of SNASNet (METHOD.md §3) and the figures a
 * selection needs (parameters, memory, dense MACs); and `wait`, the cluster benchmark's instrument.
 *
 * The kernel math is pure and exact: bit-packed codes (`BitCodes`), their Gram matrix by popcount
 * (`HammingGram`), the float32-faithful kernel accumulation (`SahdKernel`) and a pivoted float64
 * log-determinant (`LogDet`).
 *
 * @since 0.1.0
 */
import { sahd } from "./SahdScorer.ts"
import { macs, memory, params } from "./SizeScorers.ts"
import { trainedAccuracy } from "./TrainedAccuracyScorer.ts"
import { wait } from "./WaitScorer.ts"

export * from "./BitCodes.ts"
export * from "./CarryNeuron.ts"
export * from "./ForwardMemory.ts"
export * from "./HammingGram.ts"
export * from "./LogDet.ts"
export * from "./SahdKernel.ts"
/** The scorer plugins. */
export * from "./SahdScorer.ts"
export * from "./SizeScorers.ts"
export * from "./TrainedAccuracyScorer.ts"
export * from "./SpikePacking.ts"
export * from "./WaitScorer.ts"
export * from "./WasmGram.ts"

/**
 * Every scorer plugin of this package. They need a `ScoringNetworks` service (and `sahd` a
 * DatasetLoader and a NeuronModel; `trained-accuracy` a `CandidateTrainer`) in context.
 *
 * @since 0.1.0
 */
export const plugins = [sahd, params, memory, macs, trainedAccuracy, wait] as const
