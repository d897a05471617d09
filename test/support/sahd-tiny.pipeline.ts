/**
 * A real tensor pipeline small enough for a test: three random {1,3} cells scored by SAHD on the bundled
 * fashion-mnist-mini (widths 4/8, batch 16, T = 2, one repeat), and the best of them. The Deno test runs it
 * under Deno and Node on the wasm backend and compares the result JSON.
 */
import { FashionMnistMini } from "@spikernel/datasets"
import { load, pipeline, search, select, use } from "@spikernel/pipeline"
import { sahd } from "@spikernel/scorers"
import { randomSearch } from "@spikernel/search"
import { topK } from "@spikernel/selectors"
import { SnasnetSpace } from "@spikernel/spaces"

const data = load({ loader: use(FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: use(SnasnetSpace.snasnetBackwardPlugin, { kernels: [1, 3] }),
  strategy: use(randomSearch, {}),
  scorer: use(sahd, { batch: 16, repeats: 1, timesteps: 2, network: { widths: [4, 8] } }),
  budget: 3
})

export default pipeline({
  name: "sahd-tiny",
  seed: 1,
  steps: { data, found, best: select({ from: found, selector: use(topK, { k: 1 }) }) }
})
