/**
 * SpiKernel's four steps on the full Fashion-MNIST (60,000 / 10,000 images) at a width a CPU can
 * train (METHOD.md §6; the shape is `lib/Paper.ts`):
 *
 * 1. SNASNet's CIFAR-100 architecture with its 3×3 cell convolutions at 3×3, 5×5 and 7×7;
 * 2. the six kernel sets {1,3}, {1,5}, {1,7}, {3,5}, {3,7}, {5,7};
 * 3. a 1000-candidate random search per set with the SAHD score, and the SNASNet baseline ({1,3},
 *    5000 candidates);
 * 4. each search's best candidate trained and evaluated, the Pareto front, the pick under the
 *    budget, and each set's search speed-up over the baseline (`reports/spikernel-fmnist`).
 *
 * Scaled to one CPU: channel widths 8/16 (SNASNet's CIFAR-100 network has 128/256), a search batch
 * of 64 (256), Adam (lr 4e-3, batch 64) for 10 epochs (SGD for 300); T = 5 and the backward cell
 * are the paper's. The budget, 260,000 parameters, sits inside the range these networks span
 * (about 0.23M with no cell convolution to 0.32M with six 7×7 ones), as the paper's 10M does at
 * CIFAR widths.
 *
 * Settings from the environment: `SPIKERNEL_FASHION_MNIST` (the IDX directory; default Debian's
 * `/usr/share/datasets/fashion-mnist`), `SPIKERNEL_FMNIST_CANDIDATES` (per set; default 1000, the
 * baseline five times as many) and `SPIKERNEL_FMNIST_EPOCHS` (default 10).
 *
 * @since 0.1.0
 */
import { Datasets, load, spikernelPipeline, use } from "@spikernel/snasnet"
import { dataPath } from "./lib/DataPath.ts"

export default spikernelPipeline({
  name: "spikernel-fmnist",
  seed: 1,
  data: load({
    loader: use(Datasets.Mnist.fashionMnist, {
      path: dataPath("SPIKERNEL_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
    })
  }),
  network: { widths: [8, 16] },
  score: { batch: 64, repeats: 2, timesteps: 5 },
  candidates: Number(process.env.SPIKERNEL_FMNIST_CANDIDATES ?? 1000),
  training: {
    epochs: Number(process.env.SPIKERNEL_FMNIST_EPOCHS ?? 10),
    batchSize: 64,
    timesteps: 5,
    optimizer: { kind: "adam", lr: 0.004 }
  },
  budget: { maxParams: 260_000 },
  out: "reports/spikernel-fmnist"
})
