/**
 * The benchmark's computing search: the tiny SAHD configuration of test/Cluster.test.ts,
 * SPIKERNEL_BENCH_BUDGET candidates (default 30), SPIKERNEL_BENCH_CONCURRENCY at a time (default 3).
 */
import { Datasets, load, pipeline, Scorers, Search, search, space, use } from "@spikernel/snasnet"

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.sahd, { batch: 16, repeats: 1, timesteps: 2, network: { widths: [4, 8] } }),
  budget: env("SPIKERNEL_BENCH_BUDGET", 30),
  concurrency: env("SPIKERNEL_BENCH_CONCURRENCY", 3)
})

export default pipeline({ name: "cluster-bench-sahd", seed: 11, steps: { data, found } })
