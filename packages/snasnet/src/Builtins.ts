/**
 * Every built-in plugin and step executor, in one registry: what `spikernel run|plan` and a pipeline
 * can name. The one list to extend when a package gains a plugin.
 *
 * Scorer plugins are registered with the services they need and no plugin package may provide (a
 * plugin package never imports another): `ScoringNetworks` on `@spikernel/spaces`, the
 * `CandidateTrainer` on `@spikernel/training`, and a neuron model — the search step's own when it
 * names one, SNASNet's LIF (METHOD.md §2) otherwise, the default of `spikernel score` too and no part
 * of the score key because it is the default. Same id, version and config: the same cache keys.
 *
 * @since 0.1.0
 */
import { NeuronModel, type Plugin, type Scorer } from "@spikernel/core"
import { plugins as datasetPlugins } from "@spikernel/datasets"
import { EncoderPlugins } from "@spikernel/encoders"
import { Lif, NeuronPlugins } from "@spikernel/neurons"
import { type Executor, Registry } from "@spikernel/pipeline"
import { plugins as scorerPlugins, Sahd, type SahdConfig } from "@spikernel/scorers"
import { plugins as searchPlugins } from "@spikernel/search"
import { plugins as selectorPlugins } from "@spikernel/selectors"
import { SnasnetSpace } from "@spikernel/spaces"
import { Effect, Layer, Option } from "effect"
import * as CandidateTrainer from "./CandidateTrainer.ts"
import { bpttTrainer } from "./executors/Bptt.ts"
import { budgetAblationReporter } from "./executors/BudgetAblation.ts"
import { frontComparisonReporter } from "./executors/FrontComparison.ts"
import { kernelStudyReporter } from "./executors/KernelStudy.ts"
import { htmlReporter } from "./executors/Html.ts"
import { proxyStudyReporter } from "./executors/ProxyStudy.ts"
import { testEvaluator } from "./executors/TestTop1.ts"
import { fixed } from "./Fixed.ts"
import * as ScoringNetworks from "./ScoringNetworks.ts"

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
 * The services the scorer plugins need, from the data set and the tensor backend in context.
 *
 * @since 0.1.0
 */
export const scorerServices = Layer.mergeAll(ScoringNetworks.layer, CandidateTrainer.layer, neuronOrLif)

/**
 * A scorer plugin with the services above: same id, version and config, so the same cache keys.
 *
 * @since 0.1.0
 */
export const withScoringServices = (plugin: Plugin.AnyPlugin): Plugin.AnyPlugin => ({
  ...plugin,
  layer: (config) =>
    plugin.layer(config).pipe(Layer.provide(scorerServices)) as Layer.Layer<Scorer.Scorer, unknown, unknown>
})

/**
 * The SAHD scorer at a config, assembled exactly as a pipeline's `sahd` scorer is: what
 * `spikernel score` and `spikernel bench score` run. Needs the data set and the tensor backend.
 *
 * @since 0.1.0
 */
export const sahdLayer = (config: SahdConfig) => Sahd.layer(config).pipe(Layer.provide(scorerServices))

/**
 * Every plugin of the Spikernel packages (and this package's `fixed` strategy).
 *
 * @since 0.1.0
 */
export const plugins: ReadonlyArray<Plugin.AnyPlugin> = [
  ...datasetPlugins,
  ...EncoderPlugins.encoderPlugins,
  ...NeuronPlugins.neuronPlugins,
  ...SnasnetSpace.spacePlugins,
  ...searchPlugins,
  fixed,
  ...scorerPlugins.map(withScoringServices),
  ...selectorPlugins
]

/**
 * The step executors: `bptt` (train), `test-top1` (evaluate), `html`, `proxy-study` and
 * `budget-ablation` (report); the
 * pipeline engine adds its own `json` reporter.
 *
 * @since 0.1.0
 */
export const executors: ReadonlyArray<Executor.AnyExecutor> = [
  bpttTrainer,
  testEvaluator,
  htmlReporter,
  proxyStudyReporter,
  budgetAblationReporter,
  kernelStudyReporter,
  frontComparisonReporter
]

/**
 * The registry of everything built in.
 *
 * @since 0.1.0
 */
export const registry: Registry.Registry = Registry.make(plugins, executors)
