/**
 * Search strategies compared under equal budgets with the same scorer: random search (SNASNet's)
 * against regularized evolution on the backward cell space, and both against exhaustive enumeration
 * (in the space's fixed order) on the forward space, over several seeds. The report
 * (`reports/compare-strategies`) plots the best SAHD score against candidates and seconds per
 * strategy, and the median and band of the final best score over the seeds.
 *
 * Every search scores with the same SAHD settings on `fashion-mnist-mini` (widths 8/16, batch 64,
 * T = 5), kernel set {1,3}. Scores are cached per (architecture, seed): strategies that meet the same
 * cell with the same seed share one score, which the report counts as reused, not paid.
 *
 * Scale: `SPIKERNEL_COMPARE_BUDGET` candidates per search (default 40) and
 * `SPIKERNEL_COMPARE_SEEDS` seeds (default 3).
 *
 * @since 0.1.0
 */
import {
  Datasets,
  htmlReport,
  load,
  pipeline,
  Scorers,
  Search,
  search,
  type Step,
  space,
  use
} from "@spikernel/snasnet"

const budget = Number(process.env.SPIKERNEL_COMPARE_BUDGET ?? 40)
const seeds = Array.from({ length: Number(process.env.SPIKERNEL_COMPARE_SEEDS ?? 3) }, (_, i) => i + 1)
const kernels = [1, 3]

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const scorer = use(Scorers.sahd, { batch: 64, repeats: 2, timesteps: 5, network: { widths: [8, 16] } })
// A population of a fifth of the budget and tournaments of a quarter of the population (NNI's
// 100 and 25, scaled to the budget).
const evolution = use(Search.regularizedEvolution, {
  population: Math.max(2, Math.floor(budget / 5)),
  sampleSize: Math.max(1, Math.floor(budget / 20))
})

const searches: Record<string, Step.Step<"candidates">> = {}
for (const cell of ["backward", "forward"] as const) {
  for (const seed of seeds) {
    const strategies = { random: use(Search.randomSearch, {}), evolution }
    for (const [name, strategy] of Object.entries(strategies)) {
      searches[`${name}-${cell}-s${seed}`] = search({
        dataset: data,
        space: space(cell, kernels),
        strategy,
        scorer,
        budget,
        seed
      })
    }
  }
}
// Exhaustive enumeration ignores its seed: one run, the first `budget` cells in enumeration order.
searches["exhaustive-forward"] = search({
  dataset: data,
  space: space("forward", kernels),
  strategy: use(Search.exhaustive, {}),
  scorer,
  budget,
  seed: 1
})

export default pipeline({
  name: "compare-strategies",
  seed: 1,
  steps: {
    data,
    ...searches,
    report: htmlReport({
      out: "reports/compare-strategies",
      name: "compare-strategies",
      seed: 1,
      from: { data, ...searches }
    })
  }
})
