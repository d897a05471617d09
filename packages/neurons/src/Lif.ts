/**
 * The leaky integrate-and-fire neuron of SNASNet: SpikingJelly's
 * `LIFNode(tau=4/3, v_threshold=1, v_reset=0, surrogate=ATan(), detach_reset=True)` with
 * `decay_input=True` (METHOD.md §2), written as charge → fire → reset.
 *
 * - charge: v[t] = v[t−1] + (x[t] − v[t−1])/τ = (1 − 1/τ)·v[t−1] + x[t]/τ  (0.25·v + 0.75·x at τ = 4/3)
 * - fire:   s[t] = H(v[t] − θ), H(0) = 1, with the surrogate derivative in backprop
 * - reset:  hard: v ← (1 − s)·v (to v_reset = 0); soft: v ← v − θ·s. With `detachReset` the spike
 *           in the reset path carries no gradient, as SpikingJelly's `detach_reset=True`.
 *
 * The state is zero at the start of every batch (`init`); `step` is pure. On the cpu and wasm
 * backends a step runs as one fused kernel (`LifKernel`, registered when a neuron is made) with the
 * same float32 results as the tf-ops form below, which every other backend uses.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { NeuronModel } from "@spikernel/core"
import { Schema } from "effect"
import { type LifKernelAttrs, lifKernelAvailable, lifKernelStep, registerLifKernel } from "./LifKernel.ts"
import { SurrogateConfig, snasnetSurrogate, spikeFunction, surrogate } from "./Surrogate.ts"

/**
 * Hard reset (to 0, SNASNet) or soft reset (subtract θ).
 *
 * @since 0.1.0
 */
export const ResetMode = Schema.Literals(["hard", "soft"])

/**
 * @since 0.1.0
 */
export type ResetMode = typeof ResetMode.Type

/**
 * The LIF configuration.
 *
 * @since 0.1.0
 */
export const LifConfig = Schema.Struct({
  /** Membrane time constant; must exceed 1 so that the leak 1 − 1/τ is in [0, 1). */
  tau: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)),
  threshold: Schema.Finite.check(Schema.isGreaterThan(0)),
  reset: ResetMode,
  detachReset: Schema.Boolean,
  surrogate: SurrogateConfig
})

/**
 * @since 0.1.0
 */
export type LifConfig = typeof LifConfig.Type

/**
 * SNASNet's neuron: τ = 4/3, θ = 1, hard reset to 0, detached reset, ATan(α = 2).
 *
 * @since 0.1.0
 */
export const snasnetLif: LifConfig = {
  tau: 4 / 3,
  threshold: 1,
  reset: "hard",
  detachReset: true,
  surrogate: snasnetSurrogate
}

/**
 * Fire and reset a charged membrane: the part every integrate-and-fire variant shares.
 *
 * `keep = step(θ − v)` is 1 below threshold and 0 at or above it, so it is exactly 1 − s with
 * H(0) = 1; `tf.step` has a zero gradient, which makes it the detached spike of the reset path.
 *
 * @since 0.1.0
 */
export const fireAndReset = (options: {
  readonly threshold: number
  readonly reset: ResetMode
  readonly detachReset: boolean
  readonly surrogate: SurrogateConfig
}): ((charged: tf.Tensor) => NeuronModel.NeuronStep) => {
  const { threshold, reset, detachReset } = options
  const fire = spikeFunction(surrogate(options.surrogate), threshold)
  return (charged) => {
    const keep = tf.step(tf.sub(threshold, charged))
    const spikes = fire(charged, keep)
    const resetSpikes = detachReset ? undefined : spikes
    let membrane: tf.Tensor
    if (reset === "hard") {
      membrane = tf.mul(charged, resetSpikes === undefined ? keep : tf.sub(1, resetSpikes))
    } else {
      membrane = tf.sub(charged, tf.mul(resetSpikes ?? tf.sub(1, keep), threshold))
    }
    return { spikes, membrane }
  }
}

/**
 * Runs one step in a `tf.tidy`, keeping only the spikes and the next membrane.
 *
 * @since 0.1.0
 */
export const tidyStep = (f: () => NeuronModel.NeuronStep): NeuronModel.NeuronStep => {
  const [spikes, membrane] = tf.tidy(() => {
    const out = f()
    return [out.spikes, out.membrane]
  })
  return { spikes, membrane }
}

/**
 * A LIF population. `fused: false` keeps the tf-ops form on every backend (a reference for tests).
 *
 * @since 0.1.0
 */
export const lif = (
  config: LifConfig = snasnetLif,
  options: { readonly fused?: boolean } = {}
): NeuronModel.Neuron => {
  const decay = 1 - 1 / config.tau
  const gain = 1 / config.tau
  const fire = fireAndReset(config)
  const fused = options.fused !== false
  if (fused) registerLifKernel()
  const attrs = kernelAttrs(config, decay, gain)
  return {
    id: "lif",
    init: (shape) => tf.zeros(shape as Array<number>),
    step: (membrane, input) => {
      if (fused && lifKernelAvailable()) {
        const [spikes, next] = lifKernelStep(membrane, input, attrs)
        return { spikes, membrane: next }
      }
      return tidyStep(() => {
        // v[t−1]·(1 − 1/τ) + x·(1/τ): with decay_input the input is scaled by 1/τ too.
        const charged = tf.add(tf.mul(membrane, decay), tf.mul(input, gain))
        return fire(charged)
      })
    }
  }
}

/**
 * The fused kernel's attributes for an integrate-and-fire configuration with v ← decay·v + gain·x.
 *
 * @since 0.1.0
 */
export const kernelAttrs = (
  config: {
    readonly threshold: number
    readonly reset: ResetMode
    readonly detachReset: boolean
    readonly surrogate: SurrogateConfig
  },
  decay: number,
  gain: number
): LifKernelAttrs => ({
  decay,
  gain,
  threshold: config.threshold,
  hardReset: config.reset === "hard",
  detachReset: config.detachReset,
  surrogate: config.surrogate.kind,
  alpha: config.surrogate.alpha
})
