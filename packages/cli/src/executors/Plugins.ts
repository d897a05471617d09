/**
 * The plugins and executors `spikernel run|plan` know: every plugin list of the Spikernel packages,
 * and this folder's step executors (train, evaluate, html report).
 *
 * Scorers are the one kind whose layers need services no plugin package may provide (a plugin
 * package never imports another): the `ScoringNetworks` built on `@spikernel/spaces`, and for `sahd`
 * a neuron model. Both are supplied here, so a pipeline names `sahd` like any other plugin. A
 * search step's own `neuron` wins; without one, SNASNet's LIF (METHOD.md §2) is used — the same
 * default the `score` command has, and no part of the score key because it is the default.
 *
 * @since 0.1.0
 */
import type { Plugin, Scorer } from "@spikernel/core"
import { NeuronModel } from "@spikernel/core"
import { plugins as datasetPlugins } from "@spikernel/datasets"
import { EncoderPlugins } from "@spikernel/encoders"
import { Lif, NeuronPlugins } from "@spikernel/neurons"
import type { Executor } from "@spikernel/pipeline"
import { plugins as scorerPlugins } from "@spikernel/scorers"
import { plugins as searchPlugins } from "@spikernel/search"
import { plugins as selectorPlugins } from "@spikernel/selectors"
import { SnasnetSpace } from "@spikernel/spaces"
import { Effect, Layer, Option } from "effect"
import { spacesScoringNetworksLayer } from "../commands/Score.ts"
import { testEvaluator } from "./EvaluateExecutor.ts"
import { htmlReporter } from "./HtmlReporter.ts"
import { bpttTrainer } from "./TrainExecutor.ts"

/**
 * The step's neuron model when it names one, SNASNet's LIF otherwise.
 *
 * @since 0.1.0
 */
export const neuronOrLif: Layer.Layer<NeuronModel.NeuronModel> = Layer.effect(
  NeuronModel.NeuronModel,
  Effect.map(Effect.serviceOption(NeuronModel.NeuronModel), (given) =>
    Option.getOrElse(given, () => Lif.lif())
  )
)

/**
 * A scorer plugin with the services only the CLI can assemble: same id, version and config, so the
 * same cache keys.
 *
 * @since 0.1.0
 */
export const withScoringServices = (plugin: Plugin.AnyPlugin): Plugin.AnyPlugin => ({
  ...plugin,
  layer: (config) =>
    plugin
      .layer(config)
      .pipe(Layer.provide(Layer.merge(spacesScoringNetworksLayer, neuronOrLif))) as Layer.Layer<
      Scorer.Scorer,
      unknown,
      unknown
    >
})

/**
 * Every plugin of the Spikernel packages.
 *
 * @since 0.1.0
 */
export const builtinPlugins: ReadonlyArray<Plugin.AnyPlugin> = [
  ...datasetPlugins,
  ...EncoderPlugins.encoderPlugins,
  ...NeuronPlugins.neuronPlugins,
  ...SnasnetSpace.spacePlugins,
  ...searchPlugins,
  ...scorerPlugins.map(withScoringServices),
  ...selectorPlugins
]

/**
 * The step executors of this folder.
 *
 * @since 0.1.0
 */
export const builtinExecutors: ReadonlyArray<Executor.AnyExecutor> = [
  bpttTrainer,
  testEvaluator,
  htmlReporter
]
