/**
 * SpiKernel's four steps on TinyImageNet-200 at the paper's settings (METHOD.md §6): SNASNet's
 * TinyImageNet network (widths 128/256, stem stride 2, Hfc 4096, second pool 2), T = 5, SAHD with
 * batch 256 and 2 repeats, 1000 candidates per kernel set and 5000 for the SNASNet baseline,
 * SNASNet's training recipe for 300 epochs, and the pick under 10M parameters. SNASNet published no
 * TinyImageNet architecture; step 1 takes its CIFAR-100 one.
 *
 * For a GPU (`--backend node-gpu`) and the data: `SPIKERNEL_TINYIMAGENET=/data/tiny-imagenet-200`
 * (default `data/tiny-imagenet-200`). `spikernel plan` names what is missing.
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
  name: "spikernel-tinyimagenet",
  ...paperScale,
  data: load({
    loader: use(Datasets.TinyImageNet.tinyImageNet, {
      path: dataPath("SPIKERNEL_TINYIMAGENET", "data/tiny-imagenet-200")
    })
  }),
  network: { preset: "tinyimagenet" },
  fixedArchitecture: publishedArchitectures.cifar100,
  out: "reports/spikernel-tinyimagenet"
})
