/**
 * The NeuronModel service: a spiking neuron as `init` + a pure `step` (charge → fire → reset),
 * with its surrogate gradient in the fire function.
 *
 * Owned by `@spikernel/neurons`, which may refine this interface.
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { Context } from "effect"

/**
 * The result of one step: the spikes (0/1) and the next membrane state.
 *
 * @since 0.1.0
 */
export interface NeuronStep {
  readonly spikes: tf.Tensor
  readonly membrane: tf.Tensor
}

/**
 * A neuron population's dynamics.
 *
 * @since 0.1.0
 */
export interface Neuron {
  readonly id: string
  /** The resting membrane for an input of this shape (called at the start of every batch). */
  readonly init: (shape: ReadonlyArray<number>) => tf.Tensor
  /** One timestep: v[t] from v[t−1] and the input x[t], then spikes and reset. */
  readonly step: (membrane: tf.Tensor, input: tf.Tensor) => NeuronStep
}

/**
 * @since 0.1.0
 */
export class NeuronModel extends Context.Service<NeuronModel, Neuron>()("@spikernel/core/NeuronModel") {}
