/**
 * SpiKernel's four steps on CIFAR-10 at the paper's settings (METHOD.md §6): SNASNet's CIFAR-10
 * network (widths 256/512, second pool 4 as its published model), T = 5, SAHD with batch 256 and
 * 2 repeats, 1000 candidates per kernel set and 5000 for the SNASNet baseline, SNASNet's training
 * recipe (SGD, lr 0.1, cosine, weight decay 5e-4 applied) for 300 epochs, and the pick under 10M
 * parameters. Step 1 takes SNASNet's published CIFAR-10 architecture.
 *
 * For a GPU (`--backend node-gpu`) and the data: `SPIKERNEL_CIFAR10=/data/cifar-10-batches-bin`
 * (the binary version; default `data/cifar-10-batches-bin`). `spikernel plan` names what is missing.
 *
 * @since 0.1.0
 */
import {
  Datasets,
  load,
  paperScale,
  publishedArchitectures,
  spikernelPipeline,
  use
} from "@spikernel/snasnet"
import { dataPath } from "./lib/DataPath.ts"

export default spikernelPipeline({
  name: "spikernel-cifar10",
  ...paperScale,
  data: load({
    loader: use(Datasets.Cifar.cifar10, { path: dataPath("SPIKERNEL_CIFAR10", "data/cifar-10-batches-bin") })
  }),
  network: { preset: "cifar10", secondPool: 4 },
  fixedArchitecture: publishedArchitectures.cifar10,
  out: "reports/spikernel-cifar10"
})
