/**
 * The NeuronModel plugins of this package, in one list: `lif` (SNASNet's), `if`, `plif`.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { NeuronModel, type Plugin } from "@spikernel/core"
import { Effect, Layer } from "effect"
import { defaultIf, IfConfig, integrateAndFire } from "./IntegrateAndFire.ts"
import { LifConfig, lif, snasnetLif } from "./Lif.ts"
import { defaultPlif, PlifConfig, plif, initialWeight } from "./Plif.ts"

/**
 * The LIF neuron (defaults: SNASNet's, {@link snasnetLif}).
 *
 * @since 0.1.0
 */
export const lifPlugin: Plugin.Plugin<
  "NeuronModel",
  LifConfig,
  typeof LifConfig.Encoded,
  NeuronModel.NeuronModel
> = {
  kind: "NeuronModel",
  id: "lif",
  version: 1,
  description: "Leaky integrate-and-fire (SpikingJelly LIFNode, decay_input, τ = 4/3, θ = 1 by default)",
  config: LifConfig,
  layer: (config) => Layer.succeed(NeuronModel.NeuronModel, lif(config))
}

/**
 * The IF neuron.
 *
 * @since 0.1.0
 */
export const ifPlugin: Plugin.Plugin<
  "NeuronModel",
  IfConfig,
  typeof IfConfig.Encoded,
  NeuronModel.NeuronModel
> = {
  kind: "NeuronModel",
  id: "if",
  version: 1,
  description: "Integrate-and-fire without leak (SpikingJelly IFNode)",
  config: IfConfig,
  layer: (config) => Layer.succeed(NeuronModel.NeuronModel, integrateAndFire(config))
}

/**
 * The PLIF neuron: its learnable weight lives as long as the layer.
 *
 * @since 0.1.0
 */
export const plifPlugin: Plugin.Plugin<
  "NeuronModel",
  PlifConfig,
  typeof PlifConfig.Encoded,
  NeuronModel.NeuronModel
> = {
  kind: "NeuronModel",
  id: "plif",
  version: 1,
  description: "Parametric LIF with a learnable time constant (SpikingJelly ParametricLIFNode)",
  config: PlifConfig,
  layer: (config) =>
    Layer.effect(
      NeuronModel.NeuronModel,
      Effect.acquireRelease(
        Effect.sync(() => {
          const initial = tf.scalar(initialWeight(config.initialTau))
          const weight = tf.variable(initial, true, "plif.w")
          initial.dispose()
          return weight
        }),
        (weight) => Effect.sync(() => weight.dispose())
      ).pipe(Effect.map((weight) => plif(config, weight)))
    )
}

/**
 * Every neuron plugin of this package.
 *
 * @since 0.1.0
 */
export const neuronPlugins = [lifPlugin, ifPlugin, plifPlugin] as const

/**
 * The default configuration of each plugin.
 *
 * @since 0.1.0
 */
export const defaultConfigs = { lif: snasnetLif, if: defaultIf, plif: defaultPlif } as const
