/**
 * Building blocks the paper's pipelines share: one kernel set's search → best candidate → training →
 * evaluation, with readable step names (`search-k15`, `best-k15`, `train-k15`, `eval-k15`), and
 * the settings of SpiKernel's experiments (METHOD.md §6).
 *
 * @since 0.1.0
 */
import { evaluate, search, select, type Step, train, use } from "@spikernel/pipeline"
import { randomSearch } from "@spikernel/search"
import { topK } from "@spikernel/selectors"
import { SnasnetSpace } from "@spikernel/spaces"
import type { bptt } from "./executors/Bptt.ts"
import { testTop1 } from "./executors/TestTop1.ts"

/**
 * `k15` for {1,5}: the suffix of a kernel set's step names.
 *
 * @since 0.1.0
 */
export const setName = (kernels: ReadonlyArray<number>): string => `k${kernels.join("")}`

/**
 * The searched cell space of a kernel set.
 *
 * @since 0.1.0
 */
export const space = (cell: "backward" | "forward", kernels: ReadonlyArray<number>) =>
  use(cell === "backward" ? SnasnetSpace.snasnetBackwardPlugin : SnasnetSpace.snasnetForwardPlugin, {
    kernels: [...kernels]
  })

/**
 * What one kernel set contributes to a pipeline.
 *
 * @since 0.1.0
 */
export interface KernelSetSteps {
  readonly found: Step.Step<"candidates">
  readonly evaluated: Step.Step<"evaluation">
  /** Every step, by name, for `pipeline({ steps })`. */
  readonly steps: Readonly<Record<string, Step.Step<Step.Output>>>
}

/**
 * A kernel set's search (random by default), its `top` best candidates by the score, their training
 * and their evaluation.
 *
 * @since 0.1.0
 */
export const kernelSetSteps = (options: {
  /** The suffix of the step names (default `k13` etc.; the SNASNet baseline uses its own). */
  readonly name?: string
  readonly dataset: Step.Step<"dataset">
  readonly cell?: "backward" | "forward"
  readonly kernels: ReadonlyArray<number>
  readonly scorer: Step.PluginRef<"Scorer">
  readonly budget: number
  readonly strategy?: Step.PluginRef<"SearchStrategy">
  readonly seed?: number
  /** Candidates trained (default 1: the best). */
  readonly top?: number
  readonly trainer: ReturnType<typeof bptt>
  readonly evaluator?: ReturnType<typeof testTop1>
  /** Further scorers recorded for every candidate (the `memory` measure for a memory budget). */
  readonly measures?: ReadonlyArray<Step.PluginRef<"Scorer">>
  /** Reject before scoring every candidate over this memory on a device (needs the `memory` measure). */
  readonly memoryBudget?: Step.SearchSpec["memoryBudget"]
}): KernelSetSteps => {
  const name = options.name ?? setName(options.kernels)
  const found = search({
    dataset: options.dataset,
    space: space(options.cell ?? "backward", options.kernels),
    strategy: options.strategy ?? use(randomSearch, {}),
    scorer: options.scorer,
    budget: options.budget,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.measures === undefined ? {} : { measures: options.measures }),
    ...(options.memoryBudget === undefined ? {} : { memoryBudget: options.memoryBudget })
  })
  const best = select({ from: found, selector: use(topK, { k: options.top ?? 1 }) })
  const models = train({ from: best, dataset: options.dataset, trainer: options.trainer })
  const evaluated = evaluate({ models, dataset: options.dataset, evaluator: options.evaluator ?? testTop1() })
  return {
    found,
    evaluated,
    steps: {
      [`search-${name}`]: found,
      [`best-${name}`]: best,
      [`train-${name}`]: models,
      [`eval-${name}`]: evaluated
    }
  }
}

/**
 * The steps of several kernel sets, by phase — every search, then every selection, training and
 * evaluation — so that a run finishes all the (cheaper) searches before the first training starts.
 *
 * @since 0.1.0
 */
export const stepsByPhase = (sets: ReadonlyArray<KernelSetSteps>): Record<string, Step.Step<Step.Output>> => {
  const ordered: Record<string, Step.Step<Step.Output>> = {}
  for (const prefix of ["search-", "best-", "train-", "eval-"]) {
    for (const set of sets) {
      for (const [name, step] of Object.entries(set.steps)) if (name.startsWith(prefix)) ordered[name] = step
    }
  }
  return ordered
}

/**
 * The searches and evaluations of several kernel sets, keyed for a report's `from`.
 *
 * @since 0.1.0
 */
export const reportInputs = (
  sets: Readonly<Record<string, KernelSetSteps>>
): Record<string, Step.Step<Step.Output>> => {
  const from: Record<string, Step.Step<Step.Output>> = {}
  for (const [name, set] of Object.entries(sets)) {
    from[`search-${name}`] = set.found
    from[`eval-${name}`] = set.evaluated
  }
  return from
}
