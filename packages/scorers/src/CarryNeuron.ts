/**
 * A neuron wrapper that carries LIF membranes from one forward call into the next: the official
 * HEAD quirk of the SAHD search (METHOD.md §3(a), §7.5 quirk 2), where `reset_net` is never called
 * between the two repeats, so repeat 2 starts from the membranes repeat 1 left.
 *
 * The network asks its neuron for a resting membrane (`init`) once per LIF layer at the first step
 * of every call, in hook order, and steps every layer once per timestep in the same order. So the
 * wrapper keeps the membranes of the last timestep's `layers` steps and hands them back, in order,
 * as the `init` values of the next call. With `carry` off it is the wrapped neuron unchanged.
 *
 * @since 0.1.0
 */
import type { NeuronModel } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"

/**
 * @since 0.1.0
 */
export interface CarryNeuron {
  readonly neuron: NeuronModel.Neuron
  /** Starts a forward call: from rest (`"reset"`) or from the last call's membranes (`"carry"`). */
  readonly beginCall: (mode: "reset" | "carry") => void
  /** How many membranes are held for the next call. */
  readonly held: () => number
  readonly dispose: () => void
}

/**
 * Wraps `inner` for networks with `layers` LIF layers run for `timesteps` steps per call.
 *
 * @since 0.1.0
 */
export const makeCarryNeuron = (
  inner: NeuronModel.Neuron,
  layers: number,
  timesteps: number
): CarryNeuron => {
  let kept: Array<tf.Tensor | undefined> = []
  let handed = 0
  let steps = 0
  let carrying = false
  const release = () => {
    for (const t of kept) t?.dispose()
    kept = []
  }
  return {
    neuron: {
      id: inner.id,
      init: (shape) => {
        const carried = carrying ? kept[handed] : undefined
        handed++
        // A clone, so the network may dispose it with the step like any resting membrane.
        if (carried !== undefined && carried.shape.join() === shape.join()) return carried.clone()
        return inner.init(shape)
      },
      step: (membrane, input) => {
        const out = inner.step(membrane, input)
        const position = steps % layers
        if (steps >= (timesteps - 1) * layers) {
          kept[position]?.dispose()
          kept[position] = tf.keep(out.membrane.clone())
        }
        steps++
        return out
      }
    },
    beginCall: (mode) => {
      carrying = mode === "carry"
      handed = 0
      steps = 0
      if (!carrying) release()
    },
    held: () => kept.filter((t) => t !== undefined).length,
    dispose: release
  }
}
