/**
 * Pipeline steps as typed values. Each builder returns a `Step<O>` tagged with what it outputs, and
 * each input names the outputs it accepts, so a mis-wired pipeline (a selector fed a dataset, a
 * search without a dataset) is a TypeScript error:
 *
 * ```ts
 * const data = load({ loader: { id: "synthetic", config: { size: 64 } } })
 * const found = search({ dataset: data, space, strategy, scorer, budget: 200 })
 * const top = select({ from: found, selector: { id: "top-k", config: { k: 5 } } })
 * select({ from: data, selector })   // error: Step<"dataset"> is not Step<"candidates">
 * ```
 *
 * Steps refer to their upstream steps as values, so an upstream cannot be missing or cyclic.
 * Configs are plain data here; they are decoded by each plugin's Schema before anything runs.
 *
 * @since 0.1.0
 */
import type { Plugin } from "@spikernel/core"
import type { Schema } from "effect"

/**
 * What a step outputs.
 *
 * @since 0.1.0
 */
export type Output = "dataset" | "candidates" | "selection" | "models" | "evaluation" | "tradeoff" | "report"

/**
 * The step kinds of DESIGN.md §3.
 *
 * @since 0.1.0
 */
export type StepKind = "load" | "search" | "select" | "train" | "evaluate" | "tradeoff" | "report"

/**
 * A plugin of a registered kind and its config (in its encoded, JSON form). `version`, when given,
 * pins the plugin version: a different registered version is an error rather than a silent change.
 *
 * @since 0.1.0
 */
export interface PluginRef<K extends Plugin.PluginKind = Plugin.PluginKind> {
  readonly kind?: K
  readonly id: string
  readonly version?: number
  readonly config?: unknown
}

/**
 * A step executor (trainer, evaluator, reporter) and its config.
 *
 * @since 0.1.0
 */
export interface ExecutorRef {
  readonly id: string
  readonly version?: number
  readonly config?: unknown
}

/**
 * A reference to a plugin whose config is type-checked against the plugin's own Schema.
 *
 * @since 0.1.0
 */
export const use = <K extends Plugin.PluginKind, C, CE>(
  plugin: {
    readonly kind: K
    readonly id: string
    readonly version: number
    readonly config: Schema.Codec<C, CE>
  },
  config: CE
): PluginRef<K> => ({ kind: plugin.kind, id: plugin.id, version: plugin.version, config })

/**
 * @since 0.1.0
 */
export interface LoadSpec {
  readonly kind: "load"
  readonly loader: PluginRef<"DatasetLoader">
}

/**
 * @since 0.1.0
 */
export interface SearchSpec {
  readonly kind: "search"
  readonly dataset: Step<"dataset">
  readonly space: PluginRef<"SearchSpace">
  readonly strategy: PluginRef<"SearchStrategy">
  /** The primary scorer: the strategy observes it and selectors rank by it. */
  readonly scorer: PluginRef<"Scorer">
  /** Further scorers recorded for every candidate (`params`, `memory`, …). */
  readonly measures?: ReadonlyArray<PluginRef<"Scorer">>
  readonly encoder?: PluginRef<"Encoder">
  readonly neuron?: PluginRef<"NeuronModel">
  /** How many candidates to propose. */
  readonly budget: number
  /** Candidates evaluated at once (default 1). Part of the key: an adaptive strategy sees
   * observations later when more candidates are in flight. */
  readonly concurrency?: number
  /** Overrides the pipeline seed for this step. */
  readonly seed?: number
  /** Checkpoint the strategy state every this many candidates (default 25); not part of the key. */
  readonly checkpointEvery?: number
  /** Times a candidate whose evaluation failed is tried again (default 0; never for a memory
   * refusal); not part of the key. */
  readonly retries?: number
  /** Reject, before scoring, every candidate whose memory on a device at `weightBits` is over
   * `maxBytes` (recorded with the reason); needs the `memory` scorer among `measures`. Part of the
   * key. */
  readonly memoryBudget?: { readonly maxBytes: number; readonly weightBits: 32 | 16 | 8 | 4 }
}

/**
 * @since 0.1.0
 */
export interface SelectSpec {
  readonly kind: "select"
  readonly from: Step<"candidates"> | Step<"evaluation">
  readonly selector: PluginRef<"Selector">
}

/**
 * @since 0.1.0
 */
export interface TrainSpec {
  readonly kind: "train"
  readonly from: Step<"selection"> | Step<"tradeoff">
  readonly dataset: Step<"dataset">
  readonly trainer: ExecutorRef
  readonly seed?: number
}

/**
 * @since 0.1.0
 */
export interface EvaluateSpec {
  readonly kind: "evaluate"
  readonly models: Step<"models">
  readonly dataset: Step<"dataset">
  readonly evaluator: ExecutorRef
  readonly seed?: number
}

/**
 * The accuracy–memory trade-off: a selector (Pareto front, best under a budget) over evaluated models.
 *
 * @since 0.1.0
 */
export interface TradeoffSpec {
  readonly kind: "tradeoff"
  readonly from: Step<"evaluation">
  readonly selector: PluginRef<"Selector">
}

/**
 * @since 0.1.0
 */
export interface ReportSpec {
  readonly kind: "report"
  /** The steps the report covers, by the name they get in it. */
  readonly from: Readonly<Record<string, Step<Output>>>
  /** The reporter; the built-in `json` reporter when omitted. */
  readonly reporter?: ExecutorRef
}

/**
 * @since 0.1.0
 */
export type StepSpec =
  | LoadSpec
  | SearchSpec
  | SelectSpec
  | TrainSpec
  | EvaluateSpec
  | TradeoffSpec
  | ReportSpec

/**
 * A declared step that outputs `O`.
 *
 * @since 0.1.0
 */
export interface Step<O extends Output> {
  readonly _tag: "Step"
  readonly output: O
  readonly spec: StepSpec
}

const make = <O extends Output>(output: O, spec: StepSpec): Step<O> => ({ _tag: "Step", output, spec })

/**
 * Loads a data set.
 *
 * @since 0.1.0
 */
export const load = (input: Omit<LoadSpec, "kind">): Step<"dataset"> =>
  make("dataset", { kind: "load", ...input })

/**
 * Searches a space with a strategy, scoring each candidate.
 *
 * @since 0.1.0
 */
export const search = (input: Omit<SearchSpec, "kind">): Step<"candidates"> =>
  make("candidates", { kind: "search", ...input })

/**
 * Picks from scored candidates or evaluated models.
 *
 * @since 0.1.0
 */
export const select = (input: Omit<SelectSpec, "kind">): Step<"selection"> =>
  make("selection", { kind: "select", ...input })

/**
 * Trains the selected architectures.
 *
 * @since 0.1.0
 */
export const train = (input: Omit<TrainSpec, "kind">): Step<"models"> =>
  make("models", { kind: "train", ...input })

/**
 * Evaluates trained models.
 *
 * @since 0.1.0
 */
export const evaluate = (input: Omit<EvaluateSpec, "kind">): Step<"evaluation"> =>
  make("evaluation", { kind: "evaluate", ...input })

/**
 * Chooses along the accuracy–memory trade-off of evaluated models.
 *
 * @since 0.1.0
 */
export const tradeoff = (input: Omit<TradeoffSpec, "kind">): Step<"tradeoff"> =>
  make("tradeoff", { kind: "tradeoff", ...input })

/**
 * Reports on steps.
 *
 * @since 0.1.0
 */
export const report = (input: Omit<ReportSpec, "kind">): Step<"report"> =>
  make("report", { kind: "report", ...input })

/**
 * The upstream steps of a step, by role (the field that names them), in a fixed order.
 *
 * @since 0.1.0
 */
export const upstreamOf = (spec: StepSpec): ReadonlyArray<readonly [string, Step<Output>]> => {
  switch (spec.kind) {
    case "load":
      return []
    case "search":
      return [["dataset", spec.dataset]]
    case "select":
    case "tradeoff":
      return [["from", spec.from]]
    case "train":
      return [
        ["from", spec.from],
        ["dataset", spec.dataset]
      ]
    case "evaluate":
      return [
        ["models", spec.models],
        ["dataset", spec.dataset]
      ]
    case "report":
      return Object.keys(spec.from)
        .sort()
        .map((name) => [`from.${name}`, spec.from[name]] as const)
  }
}
