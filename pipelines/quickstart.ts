/**
 * The quickstart (`npm start`): SpiKernel end to end on the bundled `fashion-mnist-mini` (2,000
 * training and 1,000 test images of Fashion-MNIST), small enough for a laptop CPU.
 *
 * 1. A random search with the SAHD score per kernel set: SNASNet's {1,3} as the baseline, with five
 *    times the candidates of SpiKernel's {1,5} and {1,7} (the paper's 5000 vs 1000, scaled down).
 * 2. The best candidate of each set is trained from scratch for a few epochs and evaluated.
 * 3. The accuracy–memory trade-off: the Pareto front, and the most accurate model within the
 *    memory budget.
 * 4. The report: `reports/quickstart/index.html` (plus `summary.md` and `results.json`).
 *
 * Scaled down from the paper (METHOD.md §6) to fit minutes of CPU: channel widths 8/16 instead of
 * SNASNet's 128/256–256/512, a search batch of 64 instead of 256, 40/8 candidates instead of
 * 5000/1000, and Adam (lr 4e-3, batch 64) for 2 epochs instead of SGD for 300 (at these widths SGD at lr 0.1
 * stays at chance for the first epochs, see `@spikernel/training`'s README). T = 5 and the
 * backward cell are the paper's. Every result is cached in `.spikernel/`: a second run computes
 * nothing.
 *
 * @since 0.1.0
 */
import {
  bptt,
  Datasets,
  htmlReport,
  kernelSetSteps,
  load,
  pipeline,
  reportInputs,
  Scorers,
  stepsByPhase,
  use
} from "@spikernel/snasnet"

const seed = 1
const widths: [number, number] = [8, 16]

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const scorer = use(Scorers.sahd, { batch: 64, repeats: 2, timesteps: 5, network: { widths } })
const trainer = bptt({
  network: { widths },
  training: { epochs: 2, batchSize: 64, timesteps: 5, optimizer: { kind: "adam", lr: 0.004 } }
})

const sets = {
  snasnet: kernelSetSteps({ name: "snasnet", dataset: data, kernels: [1, 3], scorer, budget: 40, trainer }),
  k15: kernelSetSteps({ dataset: data, kernels: [1, 5], scorer, budget: 8, trainer }),
  k17: kernelSetSteps({ dataset: data, kernels: [1, 7], scorer, budget: 8, trainer })
}

const summary = htmlReport({
  out: "reports/quickstart",
  name: "quickstart",
  seed,
  from: { data, ...reportInputs(sets) },
  // 1 MB of FP32 weights: these networks span about 0.9–1.3 MB (0.23M–0.32M parameters).
  budget: { maxBytes: 1_000_000 },
  baseline: ["search-snasnet"]
})

export default pipeline({
  name: "quickstart",
  seed,
  steps: { data, ...stepsByPhase([sets.snasnet, sets.k15, sets.k17]), report: summary }
})
