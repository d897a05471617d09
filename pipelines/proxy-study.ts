/**
 * The proxy-quality study (issue 18): does the SAHD score rank SNN architectures the way training
 * does, and better than the parameter count, the dense MAC count or a random order?
 *
 * Architectures are drawn at random from the SNASNet backward-cell space of one kernel set; each
 * proxy scores the same N (one random search per proxy with the same
 * seed draws the same sequence); all N are trained from scratch for E epochs; the report gives
 * Kendall τ-b and Spearman ρ of each proxy against test accuracy with bootstrap 95 % intervals,
 * top-k overlap, the accuracy each proxy's pick gives up, how often a 10-candidate search's pick is
 * within 1 or 2 points of its best, and τ between the rankings after ⌈E/2⌉ and E epochs (is E long
 * enough?). `reports/proxy-study/`.
 *
 * Scale, from the environment (the defaults are the run on this machine — 2 vCPUs, no GPU — that the README reports):
 * - `SPIKERNEL_PROXY_DATA`: an IDX directory of Fashion-MNIST (default: the bundled
 *   `fashion-mnist-mini`, 2,000 training / 1,000 test images; for ≥ 10,000 training images make one
 *   with `npx tsx pipelines/tools/fashion-mnist-subset.ts /usr/share/datasets/fashion-mnist 10000 DIR`);
 * - `SPIKERNEL_PROXY_ARCHS`: random draws (default 72: 40 distinct architectures at this seed, since
 *   a random search repeats cells); `SPIKERNEL_PROXY_EPOCHS` (default 3),
 *   `SPIKERNEL_PROXY_KERNELS` (default `1,3`), `SPIKERNEL_PROXY_WIDTHS` (default `8,16`).
 * At paper scale on a GPU: widths 128,256, the full data set, E = 20 or more.
 *
 * @since 0.1.0
 */
import { bptt, Datasets, load, pipeline, proxyStudySteps, Scorers, Spaces, use } from "@spikernel/snasnet"
import { directory, wholeNumber, wholeNumbers } from "./lib/StudyEnv.ts"

const seed = 18
const [w1, w2 = w1] = wholeNumbers("SPIKERNEL_PROXY_WIDTHS", [8, 16])
const network = { widths: [w1, w2] as [number, number] }
const data = directory("SPIKERNEL_PROXY_DATA")

const dataset = load({
  loader:
    data === undefined
      ? use(Datasets.FashionMnistMini.fashionMnistMini, {})
      : use(Datasets.Mnist.fashionMnist, { path: data })
})

export default pipeline({
  name: "proxy-study",
  seed,
  steps: proxyStudySteps({
    out: "reports/proxy-study",
    name: "proxy-study",
    seed,
    dataset,
    space: use(Spaces.SnasnetSpace.snasnetBackwardPlugin, {
      kernels: wholeNumbers("SPIKERNEL_PROXY_KERNELS", [1, 3])
    }),
    architectures: wholeNumber("SPIKERNEL_PROXY_ARCHS", 72),
    proxies: {
      sahd: {
        scorer: use(Scorers.sahd, { batch: 64, repeats: 2, timesteps: 5, network }),
        description: "SNASNet's SAHD score (batch 64, 2 repeats, T = 5)"
      },
      params: {
        scorer: use(Scorers.params, { network }),
        description: "The trainable parameter count (more is assumed better)",
        detail: "params"
      },
      macs: {
        scorer: use(Scorers.macs, { network }),
        description: "Dense multiply-accumulates per timestep (the FLOPs proxy; more is assumed better)",
        detail: "macsPerTimestep"
      }
    },
    trainer: bptt({
      network,
      training: {
        epochs: wholeNumber("SPIKERNEL_PROXY_EPOCHS", 3),
        batchSize: 64,
        timesteps: 5,
        optimizer: { kind: "adam", lr: 0.004 }
      }
    })
  })
})
