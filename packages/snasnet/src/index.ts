/**
 * `@spikernel/snasnet`: SNASNet and SpiKernel assembled from the plugin packages — the one package
 * that imports them. Pipelines and the CLI import this package (and nothing below it needs to know
 * it exists):
 *
 * ```ts
 * import { bptt, Datasets, htmlReport, load, pipeline, Scorers, search, Search, select, Selectors,
 *   Spaces, testTop1, train, evaluate, use } from "@spikernel/snasnet"
 * ```
 *
 * It holds the bridges between plugin packages (the scoring networks on `@spikernel/spaces`, the
 * candidate trainer on `@spikernel/training`, the PyTorch `state_dict` weights, the trainable-network
 * adapter), the `bptt`, `test-top1` and `html` executors, the `fixed` strategy, and `Builtins`, the
 * registry of every built-in plugin and executor.
 *
 * @since 0.1.0
 */

// ---------------------------------------------------------------------------- the pipeline language

export { evaluate, load, pipeline, report, search, select, tradeoff, train, use } from "@spikernel/pipeline"
export type { Pipeline, Step } from "@spikernel/pipeline"

// ------------------------------------------------------------------------ the built-in plugins, by kind

/** Data set loaders: CIFAR-10/100, TinyImageNet, (Fashion-)MNIST, the bundled subset, synthetic. */
export * as Datasets from "@spikernel/datasets"
/** Spike encoders: direct, rate, latency. */
export * as Encoders from "@spikernel/encoders"
/** Neuron models: LIF, IF, PLIF, with their surrogates. */
export * as Neurons from "@spikernel/neurons"
/** The SNASNet cell spaces, the network builder and its parameter and memory model. */
export * as Spaces from "@spikernel/spaces"
/** Search strategies: random, regularized evolution, exhaustive, NSGA-II. */
export * as Search from "@spikernel/search"
/** Scorers: SAHD, parameters, memory, trained accuracy. */
export * as Scorers from "@spikernel/scorers"
/** Selectors: top-k, memory budget, Pareto front, best under a budget. */
export * as Selectors from "@spikernel/selectors"
/** BPTT training: optimizers, schedules, memory plans, checkpoints, evaluation. */
export * as Training from "@spikernel/training"
/** Reports: tables, plots, the HTML page. */
export * as Reports from "@spikernel/report"

// ------------------------------------------------------------------------------------ the assembly

/** Every built-in plugin and executor, and the scorer services. */
export * as Builtins from "./Builtins.ts"
/** The `CandidateTrainer` service on spaces + training. */
export * as CandidateTrainer from "./CandidateTrainer.ts"
/** The network a candidate is built as (preset and overrides). */
export * as Networks from "./Networks.ts"
/** The `ScoringNetworks` service on spaces. */
export * as ScoringNetworks from "./ScoringNetworks.ts"
/** Weights in the official PyTorch `state_dict` layout (safetensors). */
export * as TorchWeights from "./TorchWeights.ts"
/** A trained network as an NIR graph (plain data), its HDF5 file, and the export. */
export * as Nir from "./Nir.ts"
export * as NirExport from "./NirExport.ts"
export * as NirFile from "./NirFile.ts"
/** A spaces network as training trains it. */
export { trainableNetwork } from "./TrainableNetwork.ts"
/** The `fixed` strategy: given architectures, in order, once each. */
export { FixedConfig, fixed } from "./Fixed.ts"
/** The `bptt` trainer. */
export { bptt, bpttTrainer, TrainerConfig } from "./executors/Bptt.ts"
/** The `test-top1` evaluator. */
export {
  Evaluation,
  EvaluatorConfig,
  ModelEvaluation,
  testEvaluator,
  testTop1
} from "./executors/TestTop1.ts"
/** The `html` reporter. */
export { HtmlReport, HtmlReporterConfig, htmlReport, htmlReporter, reportInputOf } from "./executors/Html.ts"
/** The search-budget ablation (issue 18). */
export {
  BudgetAblationConfig,
  BudgetAblationReport,
  budgetAblationReporter,
  budgetAblationSteps
} from "./executors/BudgetAblation.ts"
/** Score–memory fronts of multi-objective searches compared (issue 19). */
export {
  FrontComparisonConfig,
  frontComparisonReporter,
  frontComparisonSteps
} from "./executors/FrontComparison.ts"
/** The kernel-size study (issue 18). */
export { KernelStudyConfig, kernelStudyReporter, kernelStudySteps } from "./executors/KernelStudy.ts"
/** The proxy-quality study (issue 18). */
export {
  ProxyStudyConfig,
  ProxyStudyReport,
  proxyStudyReporter,
  proxyStudySteps,
  randomProxy
} from "./executors/ProxyStudy.ts"
/** What every study report step stores, and the executor they share. */
export { StudyReport, studyReporter } from "./executors/StudyReporter.ts"
/** What a train step outputs. */
export { TrainedModel, TrainedModels, TrainProgress } from "./executors/TrainedModels.ts"
/** The benchmarks of `spikernel bench score` and `spikernel bench train`. */
export * as BenchScore from "./bench/BenchScore.ts"
export * as BenchTrain from "./bench/BenchTrain.ts"
/** One kernel set's search → best → training → evaluation, and the paper's four-step pipeline. */
export {
  type KernelSetSteps,
  kernelSetSteps,
  reportInputs,
  setName,
  space,
  stepsByPhase
} from "./KernelSetSteps.ts"
export { type PaperSettings, paperScale, publishedArchitectures, spikernelPipeline } from "./Paper.ts"
