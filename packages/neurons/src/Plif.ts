/**
 * The parametric LIF neuron (Fang et al., ICCV 2021; SpikingJelly's `ParametricLIFNode`): a LIF
 * whose time constant is learned. The trainable value is w with 1/τ = sigmoid(w), initialised to
 * w = −ln(τ₀ − 1) so that 1/τ starts at 1/τ₀; the charge is v[t] = v[t−1] + (x[t] − v[t−1])·sigmoid(w).
 *
 * The neuron's `step` reads its weight from a variable that the caller owns: a PLIF is a value
 * plus the variable it closes over, released with `dispose`.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { NeuronModel } from "@spikernel/core"
import { Schema } from "effect"
import { fireAndReset, ResetMode, tidyStep } from "./Lif.ts"
import { SurrogateConfig, snasnetSurrogate } from "./Surrogate.ts"

/**
 * The PLIF configuration; `initialTau` must exceed 1.
 *
 * @since 0.1.0
 */
export const PlifConfig = Schema.Struct({
  initialTau: Schema.Finite.check(Schema.isGreaterThan(1)),
  threshold: Schema.Finite.check(Schema.isGreaterThan(0)),
  reset: ResetMode,
  detachReset: Schema.Boolean,
  surrogate: SurrogateConfig
})

/**
 * @since 0.1.0
 */
export type PlifConfig = typeof PlifConfig.Type

/**
 * τ₀ = 4/3 (SNASNet's τ as the starting point), θ = 1, hard detached reset, ATan(α = 2).
 *
 * @since 0.1.0
 */
export const defaultPlif: PlifConfig = {
  initialTau: 4 / 3,
  threshold: 1,
  reset: "hard",
  detachReset: true,
  surrogate: snasnetSurrogate
}

/**
 * The initial value of the learnable w: −ln(τ₀ − 1).
 *
 * @since 0.1.0
 */
export const initialWeight = (initialTau: number): number => -Math.log(initialTau - 1)

/**
 * A PLIF population whose 1/τ is sigmoid(`weight`); `weight` is a scalar tensor (a variable when it
 * is trained).
 *
 * @since 0.1.0
 */
export const plif = (config: PlifConfig, weight: tf.Tensor): NeuronModel.Neuron => {
  const fire = fireAndReset(config)
  return {
    id: "plif",
    init: (shape) => tf.zeros(shape as Array<number>),
    step: (membrane, input) =>
      tidyStep(() => fire(tf.add(membrane, tf.mul(tf.sub(input, membrane), tf.sigmoid(weight)))))
  }
}

/**
 * A PLIF with its own trainable variable, initialised from `config.initialTau`.
 *
 * @since 0.1.0
 */
export const makePlif = (
  config: PlifConfig = defaultPlif,
  name = "plif.w"
): { readonly neuron: NeuronModel.Neuron; readonly weight: tf.Variable; readonly dispose: () => void } => {
  const initial = tf.scalar(initialWeight(config.initialTau))
  const weight = tf.variable(initial, true, name)
  initial.dispose()
  return { neuron: plif(config, weight), weight, dispose: () => weight.dispose() }
}
