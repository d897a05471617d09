/**
 * A multi-objective search against random search on equal budgets (issue 19): NSGA-II over the
 * SAHD score and weight memory, and SNASNet's random search, each over several seeds in the
 * backward {1,3} space; the report (`reports/multi-objective`) draws every search's score–memory
 * front and gives its hypervolume in one common box, mean ± sd per strategy, and on how many seeds
 * each strategy's front was the better one.
 *
 * Scale (this machine: 2 vCPUs, no GPU): the quickstart's SAHD settings (widths 8/16, batch 64,
 * 2 repeats, T = 5) on the bundled fashion-mnist-mini; `SPIKERNEL_MO_BUDGET` candidates per search
 * (default 100: five NSGA-II generations of 20) and `SPIKERNEL_MO_SEEDS` (default `1,2,3,4,5`);
 * `SPIKERNEL_MO_POPULATION` (default 20).
 *
 * @since 0.1.0
 */
import { Datasets, frontComparisonSteps, load, pipeline, Scorers, Search, use } from "@spikernel/snasnet"
import { wholeNumber, wholeNumbers } from "./lib/StudyEnv.ts"

export default pipeline({
  name: "multi-objective",
  seed: 19,
  steps: frontComparisonSteps({
    out: "reports/multi-objective",
    name: "multi-objective",
    dataset: load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) }),
    kernels: [1, 3],
    strategies: {
      nsga2: use(Search.nsga2, {
        population: wholeNumber("SPIKERNEL_MO_POPULATION", 20, 2),
        memory: "bytes"
      }),
      random: use(Search.randomSearch, {})
    },
    seeds: wholeNumbers("SPIKERNEL_MO_SEEDS", [1, 2, 3, 4, 5], 0),
    budget: wholeNumber("SPIKERNEL_MO_BUDGET", 100),
    scorer: use(Scorers.sahd, { batch: 64, repeats: 2, timesteps: 5, network: { widths: [8, 16] } })
  })
})
