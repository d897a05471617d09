/**
 * The integrate-and-fire neuron (no leak): v[t] = v[t−1] + x[t], then the same fire and reset as
 * the LIF (SpikingJelly's `IFNode`); fused on cpu and wasm like the LIF.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { NeuronModel } from "@spikernel/core"
import { Schema } from "effect"
import { fireAndReset, kernelAttrs, ResetMode, tidyStep } from "./Lif.ts"
import { lifKernelAvailable, lifKernelStep, registerLifKernel } from "./LifKernel.ts"
import { SurrogateConfig, snasnetSurrogate } from "./Surrogate.ts"

/**
 * The IF configuration.
 *
 * @since 0.1.0
 */
export const IfConfig = Schema.Struct({
  threshold: Schema.Finite.check(Schema.isGreaterThan(0)),
  reset: ResetMode,
  detachReset: Schema.Boolean,
  surrogate: SurrogateConfig
})

/**
 * @since 0.1.0
 */
export type IfConfig = typeof IfConfig.Type

/**
 * θ = 1, hard reset, detached, ATan(α = 2): SNASNet's settings without the leak.
 *
 * @since 0.1.0
 */
export const defaultIf: IfConfig = {
  threshold: 1,
  reset: "hard",
  detachReset: true,
  surrogate: snasnetSurrogate
}

/**
 * An IF population.
 *
 * @since 0.1.0
 */
export const integrateAndFire = (
  config: IfConfig = defaultIf,
  options: { readonly fused?: boolean } = {}
): NeuronModel.Neuron => {
  const fire = fireAndReset(config)
  const fused = options.fused !== false
  if (fused) registerLifKernel()
  const attrs = kernelAttrs(config, 1, 1)
  return {
    id: "if",
    init: (shape) => tf.zeros(shape as Array<number>),
    step: (membrane, input) => {
      if (fused && lifKernelAvailable()) {
        const [spikes, next] = lifKernelStep(membrane, input, attrs)
        return { spikes, membrane: next }
      }
      return tidyStep(() => fire(tf.add(membrane, input)))
    }
  }
}
