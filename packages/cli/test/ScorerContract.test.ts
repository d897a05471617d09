/**
 * Every scorer plugin against the Scorer contract of `@spikernel/testing`, on real networks: the
 * CLI's `ScoringNetworks` (the network builder of `@spikernel/spaces`), SNASNet's LIF, and for the
 * scorers that read data the synthetic set at 28×28×1. The suite runs here because no plugin
 * package may import another, and this is where scorers meet the spaces (as `Plugins.ts` assembles
 * them); the scorers package runs the same suite over its test doubles.
 *
 * Kept small so it stays quick on one core: `sahd` at widths 4/8, batch 8, T = 2, on wasm;
 * `trained-accuracy` for one epoch of 16 images (one step) at T = 1, widths 4/8, one test batch.
 */
import { NodeServices } from "@effect/platform-node"
import { Architecture, NeuronModel, Plugin, Rng, type Scorer } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { memory, params, sahd, trainedAccuracy } from "@spikernel/scorers"
import { SnasnetSpace } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import { scorerContract } from "@spikernel/testing"
import { Effect, Layer } from "effect"
import {
  spacesCandidateTrainerLayer,
  spacesScoringNetworksLayer,
  syntheticLayer
} from "../src/commands/Score.ts"

const space = SnasnetSpace.snasnetSpace("backward", [1, 3])
const readme = Effect.runSync(
  Architecture.parseArchitecture("0302 0030 3003 0000", { cellType: "backward", kernels: [1, 3] })
)
const architectures = [
  readme,
  space.sample(Rng.draws({ seed: 1, stream: "test/scorer-contract", index: 0 })),
  space.sample(Rng.draws({ seed: 1, stream: "test/scorer-contract", index: 1 }))
]
const tiny = { preset: "fashion-mnist", widths: [4, 8] } as const

const data = (trainSize: number) =>
  syntheticLayer([28, 28, 1], trainSize).pipe(Layer.provide(NodeServices.layer))
const lif = Layer.succeed(NeuronModel.NeuronModel, Lif.lif())

/** A scorer plugin's Layer with its config decoded and the given services underneath. */
const scorerLayer = <C, E, R>(
  plugin: Plugin.Plugin<"Scorer", C, E, Scorer.Scorer, never, R>,
  config: unknown,
  services: Layer.Layer<R, unknown>
): Layer.Layer<Scorer.Scorer, unknown> =>
  Layer.unwrap(Effect.map(Plugin.decodeConfig(plugin, config), (decoded) => plugin.layer(decoded))).pipe(
    Layer.provide(services)
  )

for (const plugin of [params, memory]) {
  scorerContract(`${plugin.id} (real networks, the data set's preset)`, {
    layer: scorerLayer(plugin, { network: { preset: "fashion-mnist" } }, spacesScoringNetworksLayer),
    id: plugin.id,
    architectures,
    impossible: {
      layer: scorerLayer(plugin, {}, spacesScoringNetworksLayer),
      reason: /no network preset in the config and no data set/
    }
  })

  scorerContract(`${plugin.id} (real networks, cifar100 with narrower widths)`, {
    layer: scorerLayer(
      plugin,
      { network: { preset: "cifar100", widths: [64, 128] } },
      spacesScoringNetworksLayer
    ),
    id: plugin.id,
    architectures
  })
}

const sahdServices = (trainSize: number) =>
  Layer.mergeAll(spacesScoringNetworksLayer, data(trainSize), lif).pipe(
    Layer.provideMerge(Backend.layerWasm())
  )

scorerContract("sahd (widths 4/8, batch 8, T = 2, wasm)", {
  layer: scorerLayer(sahd, { batch: 8, timesteps: 2, network: tiny }, sahdServices(64)),
  id: "sahd",
  architectures: architectures.slice(0, 2),
  impossible: {
    layer: scorerLayer(sahd, { batch: 128, timesteps: 2, network: tiny }, sahdServices(64)),
    reason: /batch 128 is larger than the 64 training images/
  }
})

const trainerServices = spacesCandidateTrainerLayer.pipe(
  Layer.provideMerge(Layer.mergeAll(data(16), Backend.layerWasm(), NodeServices.layer))
)

scorerContract("trained-accuracy (one step: 16 images, T = 1, widths 4/8)", {
  layer: scorerLayer(
    trainedAccuracy,
    { epochs: 1, batchSize: 16, timesteps: 1, evalBatches: 1, network: tiny },
    trainerServices
  ),
  id: "trained-accuracy",
  architectures: architectures.slice(0, 2),
  keys: [{ seed: 2, index: 0 }],
  impossible: {
    layer: scorerLayer(
      trainedAccuracy,
      {
        epochs: 1,
        batchSize: 16,
        timesteps: 2,
        evalBatches: 1,
        network: { preset: "cifar100", widths: [4, 8] }
      },
      trainerServices
    ),
    reason: /10 classes, the network 100/
  }
})
