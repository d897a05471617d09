/**
 * Every scorer plugin against the Scorer contract of `@spikernel/testing`, as the registry holds it
 * (`Builtins.withScoringServices`: the `ScoringNetworks` on `@spikernel/spaces`, the candidate trainer,
 * SNASNet's LIF), on real networks, and for the scorers that read data the synthetic set at 28×28×1.
 * The suite runs here because no plugin package may import another, and this is where scorers meet
 * the spaces; the scorers package runs the same suite over its test doubles.
 *
 * Kept small so it stays quick on one core: `sahd` at widths 4/8, batch 8, T = 2, on wasm;
 * `trained-accuracy` for one epoch of 16 images (one step) at T = 1, widths 4/8, one test batch.
 */
import { NodeServices } from "@effect/platform-node"
import { Architecture, Plugin, Rng, type Scorer } from "@spikernel/core"
import { memory, params, sahd, trainedAccuracy } from "@spikernel/scorers"
import { SnasnetSpace } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import { scorerContract } from "@spikernel/testing"
import { Effect, Layer } from "effect"
import { syntheticLayer } from "../src/bench/BenchScore.ts"
import { withScoringServices } from "../src/Builtins.ts"

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
/** A scorer plugin as the registry holds it, its config decoded, over the given context. */
const scorerLayer = <ROut, E>(plugin: Plugin.AnyPlugin, config: unknown, context: Layer.Layer<ROut, E>) =>
  Layer.unwrap(
    Effect.map(Plugin.decodeConfig(plugin, config), (decoded) => withScoringServices(plugin).layer(decoded))
  ).pipe(Layer.provide(context as Layer.Layer<unknown, unknown>)) as Layer.Layer<Scorer.Scorer, unknown>

for (const plugin of [params, memory]) {
  scorerContract(`${plugin.id} (real networks, the data set's preset)`, {
    layer: scorerLayer(plugin, { network: { preset: "fashion-mnist" } }, Backend.layerCpu),
    id: plugin.id,
    architectures,
    impossible: {
      layer: scorerLayer(plugin, {}, Backend.layerCpu),
      reason: /no network preset in the config and no data set/
    }
  })

  scorerContract(`${plugin.id} (real networks, cifar100 with narrower widths)`, {
    layer: scorerLayer(plugin, { network: { preset: "cifar100", widths: [64, 128] } }, Backend.layerCpu),
    id: plugin.id,
    architectures
  })
}

const sahdServices = (trainSize: number) => Layer.merge(data(trainSize), Backend.layerWasm())

scorerContract("sahd (widths 4/8, batch 8, T = 2, wasm)", {
  layer: scorerLayer(sahd, { batch: 8, timesteps: 2, network: tiny }, sahdServices(64)),
  id: "sahd",
  architectures: architectures.slice(0, 2),
  impossible: {
    layer: scorerLayer(sahd, { batch: 128, timesteps: 2, network: tiny }, sahdServices(64)),
    reason: /batch 128 is larger than the 64 training images/
  }
})

const trainerServices = Layer.mergeAll(data(16), Backend.layerWasm())

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
