/**
 * The kernel-size study (issue 18; SpiKernel's step 1 at a scale where training levels off): SNASNet's
 * CIFAR-100 architecture with its cell convolutions at 3×3, 5×5 and 7×7, each trained from scratch
 * with three seeds; the report gives each size's final test accuracy (mean ± sd over seeds), its
 * parameters and bytes, the accuracy curves, and the gain over the last quarter of the epochs (is
 * training still climbing?). `reports/kernel-study/`.
 *
 * Scale, from the environment (`lib/StudyEnv.ts` refuses a malformed value, naming it):
 * - `SPIKERNEL_KERNEL_DATA`: an IDX directory of Fashion-MNIST (default: the bundled
 *   `fashion-mnist-mini`, 2,000 training / 1,000 test images). The run the README reports (this
 *   machine: 2 vCPUs, no GPU) used the first 4,000 training and 1,000 test images of Fashion-MNIST, 6 epochs:
 *   `npx tsx pipelines/tools/fashion-mnist-subset.ts /usr/share/datasets/fashion-mnist 4000 data/fmnist-4k-1k 1000`;
 * - `SPIKERNEL_KERNEL_EPOCHS` (default 8), `SPIKERNEL_KERNEL_SEEDS` (default `1,2,3`),
 *   `SPIKERNEL_KERNEL_SIZES` (default `3,5,7`), `SPIKERNEL_KERNEL_WIDTHS` (default `8,16`).
 * At paper scale on a GPU: widths 128,256, the full data set, SGD for 300 epochs (`paperScale`).
 *
 * @since 0.1.0
 */
import {
  bptt,
  Datasets,
  kernelStudySteps,
  load,
  pipeline,
  publishedArchitectures,
  use
} from "@spikernel/snasnet"
import { directory, wholeNumber, wholeNumbers } from "./lib/StudyEnv.ts"

const [w1, w2 = w1] = wholeNumbers("SPIKERNEL_KERNEL_WIDTHS", [8, 16])
const network = { widths: [w1, w2] as [number, number] }
const data = directory("SPIKERNEL_KERNEL_DATA")

export default pipeline({
  name: "kernel-study",
  seed: 6,
  steps: kernelStudySteps({
    out: "reports/kernel-study",
    name: "kernel-study",
    dataset: load({
      loader:
        data === undefined
          ? use(Datasets.FashionMnistMini.fashionMnistMini, {})
          : use(Datasets.Mnist.fashionMnist, { path: data })
    }),
    architecture: {
      cells: publishedArchitectures.cifar100,
      label: `SNASNet's CIFAR-100 architecture (${publishedArchitectures.cifar100}), backward cell`
    },
    kernels: wholeNumbers("SPIKERNEL_KERNEL_SIZES", [3, 5, 7]),
    seeds: wholeNumbers("SPIKERNEL_KERNEL_SEEDS", [1, 2, 3], 0),
    network,
    trainer: bptt({
      network,
      training: {
        epochs: wholeNumber("SPIKERNEL_KERNEL_EPOCHS", 8),
        batchSize: 64,
        timesteps: 5,
        optimizer: { kind: "adam", lr: 0.004 }
      }
    })
  })
})
