/**
 * The benchmark's waiting search: SPIKERNEL_BENCH_BUDGET candidates (default 30), each waiting
 * SPIKERNEL_BENCH_WAIT_MS (default 1000), SPIKERNEL_BENCH_CONCURRENCY at a time (default 3).
 */
import { Datasets, load, pipeline, Search, search, space, use } from "@spikernel/snasnet"
import { waitScorer } from "./WaitScorer.ts"

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(waitScorer, { ms: env("SPIKERNEL_BENCH_WAIT_MS", 1000) }),
  budget: env("SPIKERNEL_BENCH_BUDGET", 30),
  concurrency: env("SPIKERNEL_BENCH_CONCURRENCY", 3)
})

export default pipeline({
  name: "cluster-bench-wait",
  seed: 11,
  plugins: [waitScorer],
  steps: { data, found }
})
