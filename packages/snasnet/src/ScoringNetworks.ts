/**
 * The `ScoringNetworks` service (core) on `@spikernel/spaces`' network builder: what the scorer
 * plugins build a candidate's network with.
 *
 * @since 0.1.0
 */
import { Scorer } from "@spikernel/core"
import { DeployedMemory, Network, ParamCount, WeightSpecs } from "@spikernel/spaces"
import { Effect, Layer } from "effect"
import { resolveNetwork } from "./Networks.ts"
import { assignTorchWeights } from "./TorchWeights.ts"

/**
 * @since 0.1.0
 */
export const scoringNetworks: Scorer.ScoringNetworks["Service"] = {
  summary: (arch, options, dataset) =>
    Effect.map(resolveNetwork(options, dataset), (config) => {
      const memory = ParamCount.memoryEstimate(arch, config)
      return {
        config: {
          preset: options.preset ?? dataset,
          inputSize: config.inputSize,
          inputChannels: config.inputChannels,
          widths: config.widths.join(","),
          secondPool: config.secondPool,
          hidden: config.hidden
        },
        imageShape: [config.inputSize, config.inputSize, config.inputChannels] as const,
        params: memory.params,
        bytes: memory.bytes,
        lifLayers: WeightSpecs.lifLayers(arch).length,
        stateBytesPerSample: memory.state.bytes,
        macsPerTimestep: ParamCount.macsPerTimestep(arch, config),
        memory: DeployedMemory.deployedMemory(arch, config)
      }
    }),
  build: (arch, options, dataset, init) =>
    Effect.gen(function* () {
      const config = yield* resolveNetwork(options, dataset)
      const network = Network.buildNetwork(arch, config, {
        neuron: init.neuron,
        seed: init.seed,
        index: init.index
      })
      if (init.weights !== undefined) {
        yield* assignTorchWeights(network, init.weights).pipe(
          Effect.tapError(() => Effect.sync(network.dispose))
        )
      }
      return {
        run: (images, run) => {
          Network.forward(network, images, {
            timesteps: run.timesteps,
            onSpikes: run.onSpikes,
            training: true,
            dropout: run.dropout,
            updateRunningStats: false
          }).dispose()
        },
        dispose: network.dispose
      }
    })
}

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<Scorer.ScoringNetworks> = Layer.succeed(
  Scorer.ScoringNetworks,
  scoringNetworks
)
