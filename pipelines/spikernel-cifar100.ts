/**
 * SpiKernel's four steps on CIFAR-100 at the paper's settings (METHOD.md §6): SNASNet's CIFAR-100
 * network (widths 128/256, second pool 2 as its published model), T = 5, SAHD with batch 256 and
 * 2 repeats, 1000 candidates per kernel set and 5000 for the SNASNet baseline, SNASNet's training
 * recipe (SGD, lr 0.1, cosine, weight decay 5e-4 applied) for 300 epochs, and the pick under 10M
 * parameters. Step 1 takes SNASNet's published CIFAR-100 architecture.
 *
 * For a GPU (`--backend node-gpu`) and the data: `SPIKERNEL_CIFAR100=/data/cifar-100-binary`
 * (default `data/cifar-100-binary`). `spikernel plan` names what is missing.
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
  name: "spikernel-cifar100",
  ...paperScale,
  data: load({
    loader: use(Datasets.Cifar.cifar100, { path: dataPath("SPIKERNEL_CIFAR100", "data/cifar-100-binary") })
  }),
  network: { preset: "cifar100" },
  fixedArchitecture: publishedArchitectures.cifar100,
  out: "reports/spikernel-cifar100"
})
