/**
 * The search-budget ablation (issue 18; SpiKernel's 1000 candidates against SNASNet's 5000): the
 * best SAHD score a random search reaches after 50, 100, 250, 500 and 1000 candidates, over five
 * seeds per kernel set, for {1,3}, {1,5} and {1,7} on the bundled Fashion-MNIST subset.
 *
 * Each seed runs one search of the largest budget; a smaller budget is read off the prefix of that
 * one random stream (candidate i draws from (seed, strategy, i) whatever the budget), so a seed's
 * budgets are nested searches, not independent ones; the spread over seeds is the chance part.
 * `reports/budget-ablation/`.
 *
 * Scale: the scorer is the quickstart's (widths 8/16, batch 64, 2 repeats, T = 5). The defaults
 * are 15,000 scored candidates (3 sets × 5 seeds × 1000); `SPIKERNEL_ABLATION_BUDGETS` (e.g.
 * `25,50,100`) and `SPIKERNEL_ABLATION_SEEDS` (e.g. `1,2,3,4,5`) scale it.
 *
 * @since 0.1.0
 */
import { budgetAblationSteps, Datasets, load, pipeline, Scorers, use } from "@spikernel/snasnet"
import { wholeNumbers } from "./lib/StudyEnv.ts"

export default pipeline({
  name: "budget-ablation",
  seed: 1,
  steps: budgetAblationSteps({
    out: "reports/budget-ablation",
    name: "budget-ablation",
    dataset: load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) }),
    kernelSets: [
      [1, 3],
      [1, 5],
      [1, 7]
    ],
    seeds: wholeNumbers("SPIKERNEL_ABLATION_SEEDS", [1, 2, 3, 4, 5], 0),
    budgets: wholeNumbers("SPIKERNEL_ABLATION_BUDGETS", [50, 100, 250, 500, 1000]),
    scorer: use(Scorers.sahd, { batch: 64, repeats: 2, timesteps: 5, network: { widths: [8, 16] } })
  })
})
