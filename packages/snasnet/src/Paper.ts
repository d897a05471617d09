/**
 * SpiKernel's four steps (METHOD.md §6.1) as one pipeline over any data set, parameterised by
 * scale, so the Fashion-MNIST, CIFAR-10, CIFAR-100 and TinyImageNet pipelines are the same shape:
 *
 * 1. kernel-size impact: one published SNASNet architecture with its 3×3 cell convolutions at 3×3,
 *    5×5 and 7×7 (kernel sets {1,3}, {1,5}, {1,7}: the 1×1 convolutions stay 1×1), trained and
 *    evaluated — its own report, `<out>/kernel-size-impact`;
 * 2. the six kernel sets {1,3}, {1,5}, {1,7}, {3,5}, {3,7}, {5,7};
 * 3. a random search with the SAHD score per set (`candidates` each), and the SNASNet baseline:
 *    {1,3} with five times as many candidates;
 * 4. each search's best candidate trained and evaluated; the report (`<out>`) draws the Pareto
 *    front, picks the most accurate model within the budget, and gives each set's search speed-up
 *    over the baseline.
 *
 * The baseline searches with its own seed (the pipeline's + 1): with the pipeline's, its first
 * candidates would be exactly SpiKernel's {1,3} search, served from the cache at no cost, and the
 * speed-up would compare a paid search with a free one.
 *
 * @since 0.1.0
 */
import { KernelSet, type Scorer } from "@spikernel/core"
import { pipeline, type Step, use } from "@spikernel/pipeline"
import { sahd } from "@spikernel/scorers"
import type { Budget } from "@spikernel/selectors"
import { bptt } from "./executors/Bptt.ts"
import { htmlReport } from "./executors/Html.ts"
import { fixed } from "./Fixed.ts"
import { type KernelSetSteps, kernelSetSteps, reportInputs, setName, stepsByPhase } from "./KernelSetSteps.ts"

/**
 * SNASNet's published architectures (its README): the CIFAR-100 one is the default fixed
 * architecture of step 1.
 *
 * @since 0.1.0
 */
export const publishedArchitectures = {
  cifar10: "0303 0030 2002 0200",
  cifar100: "0302 0030 3003 0000"
} as const

/**
 * The paper's scale (METHOD.md §6): SAHD at batch 256 with 2 repeats and T = 5, 1000 candidates per
 * kernel set, 300 epochs of SGD at batch 64, and models under 10M parameters.
 *
 * @since 0.1.0
 */
export const paperScale = {
  seed: 1234,
  score: { batch: 256, repeats: 2, timesteps: 5 },
  candidates: 1000,
  training: { epochs: 300, batchSize: 64, timesteps: 5 },
  budget: { maxParams: 9_999_999 }
} as const

/**
 * The settings of one paper pipeline.
 *
 * @since 0.1.0
 */
export interface PaperSettings {
  readonly name: string
  readonly seed: number
  readonly data: Step.Step<"dataset">
  /** The network of every candidate (preset, widths, second pool). */
  readonly network: typeof Scorer.NetworkOptions.Encoded
  /** The SAHD scorer's settings besides the network (SNASNet: batch 256, 2 repeats, T = 5). */
  readonly score: { readonly batch: number; readonly repeats?: number; readonly timesteps?: number }
  /** Candidates per kernel set; the baseline gets five times as many. */
  readonly candidates: number
  readonly training: Parameters<typeof bptt>[0]["training"]
  readonly budget: typeof Budget.Encoded
  /** Step 1's fixed architecture (default: SNASNet's CIFAR-100 architecture). */
  readonly fixedArchitecture?: string
  readonly out: string
}

/**
 * The four steps of SpiKernel as one pipeline.
 *
 * @since 0.1.0
 */
export const spikernelPipeline = (settings: PaperSettings) => {
  const { data, seed } = settings
  const scorer = use(sahd, { ...settings.score, network: settings.network })
  const trainer = bptt({ network: settings.network, training: settings.training })

  // Step 1: one architecture, three kernel sizes.
  const impact: Record<string, KernelSetSteps> = {}
  for (const kernels of [
    [1, 3],
    [1, 5],
    [1, 7]
  ]) {
    const name = `impact-${setName(kernels)}`
    impact[name] = kernelSetSteps({
      name,
      dataset: data,
      kernels,
      scorer,
      budget: 1,
      strategy: use(fixed, {
        architectures: [settings.fixedArchitecture ?? publishedArchitectures.cifar100]
      }),
      trainer
    })
  }
  const reportImpact = htmlReport({
    out: `${settings.out}/kernel-size-impact`,
    name: `${settings.name}: kernel-size impact`,
    seed,
    from: { data, ...reportInputs(impact) }
  })

  // Steps 2–4: six kernel sets and the SNASNet baseline.
  const sets: Record<string, KernelSetSteps> = {
    snasnet: kernelSetSteps({
      name: "snasnet",
      dataset: data,
      kernels: KernelSet.snasnetKernels,
      scorer,
      budget: settings.candidates * 5,
      seed: seed + 1,
      trainer
    })
  }
  for (const kernels of KernelSet.spikernelPairs) {
    sets[setName(kernels)] = kernelSetSteps({
      dataset: data,
      kernels,
      scorer,
      budget: settings.candidates,
      trainer
    })
  }
  const report = htmlReport({
    out: settings.out,
    name: settings.name,
    seed,
    from: { data, ...reportInputs(sets) },
    budget: settings.budget,
    baseline: ["search-snasnet"]
  })
  // The comparison (steps 2–4) first, so its report is written before step 1's trainings start.
  const steps = {
    data,
    ...stepsByPhase(Object.values(sets)),
    report,
    ...stepsByPhase(Object.values(impact)),
    "report-impact": reportImpact
  }
  return pipeline({ name: settings.name, seed, steps })
}
