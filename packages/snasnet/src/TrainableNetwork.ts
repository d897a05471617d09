/**
 * A `@spikernel/spaces` network as `@spikernel/training` trains it (the two packages do not import
 * each other): trainable weights and BatchNorm running statistics by official name, and a forward
 * pass that maps training's dropout key onto the network's dropout stream.
 *
 * @since 0.1.0
 */
import { Network } from "@spikernel/spaces"
import type * as Training from "@spikernel/training"

/**
 * @since 0.1.0
 */
export const trainableNetwork = (network: Network.Network): Training.TrainableModel => {
  const pick = (trainable: boolean) =>
    new Map(
      network.specs
        .filter((spec) => spec.trainable === trainable)
        .map((spec) => [spec.name, network.variables.get(spec.name)!] as const)
    )
  return {
    weights: pick(true),
    state: pick(false),
    forward: (images, o) => {
      const hook = o.onSpikes === undefined ? {} : { onSpikes: o.onSpikes }
      return Network.forward(
        network,
        images,
        o.training
          ? { timesteps: o.timesteps, training: true, dropout: o.dropoutKey ?? "off", ...hook }
          : { timesteps: o.timesteps, training: false, ...hook }
      )
    }
  }
}
