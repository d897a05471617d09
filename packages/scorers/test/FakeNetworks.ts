/**
 * Test doubles for the sahd scorer: a tiny real SNN behind the `ScoringNetworks` service (fixed
 * random projections of the image into three LIF layers, stepped with the given neuron, so the
 * membranes and their carry-over are real) and an in-memory DatasetLoader.
 */
import {
  Architecture,
  DatasetLoader,
  type DeploymentMemory,
  type NeuronModel,
  Rng,
  Scorer
} from "@spikernel/core"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer, Stream } from "effect"

export const imageShape = [4, 4, 2] as const
const pixels = imageShape[0] * imageShape[1] * imageShape[2]
export const layerSizes = [64, 96, 40]

/** Every `run` call, for checking the dropout keys the scorer passes. */
export interface RunLog {
  readonly dropout: Array<unknown>
}

/** What the networks were asked and what they emitted. */
export interface NetworkLog {
  /** The data set name and preset of every `summary` call. */
  readonly summaries: Array<{ readonly dataset: string; readonly preset: string | undefined }>
  /** Per `run` call, the spikes of every hook call in order: batch-major 0/1 values. */
  readonly spikes: Array<Array<{ readonly batch: number; readonly values: Float32Array }>>
}

/** The fake's parameter count: it grows with the cell's convolutions, so candidates differ. */
export const fakeParams = (arch: Architecture.Architecture): number =>
  1000 + 234 * Architecture.convOpCount(arch)

/** The fake's memory at a bit-width: its parameters at `bits` each, nothing else. */
export const fakeMemory = (arch: Architecture.Architecture): DeploymentMemory.DeploymentMemory => {
  const at = (weightBits: DeploymentMemory.WeightBits): DeploymentMemory.MemoryAtBits => {
    const weights = (fakeParams(arch) * weightBits) / 8
    return {
      weightBits,
      stateBits: weightBits === 32 ? 32 : 16,
      weights,
      scales: 0,
      batchNorm: 0,
      biases: 0,
      membranes: 0,
      spikes: 0,
      feedback: 0,
      peakActivation: 0,
      parameters: weights,
      runtime: 0,
      total: weights
    }
  }
  return { "32": at(32), "16": at(16), "8": at(8), "4": at(4) }
}

export const fakeNetworks = (
  options: { stateBytesPerSample?: number; log?: RunLog; network?: NetworkLog } = {}
): Scorer.ScoringNetworks["Service"] => ({
  summary: (arch, network, dataset) =>
    Effect.sync(() => {
      options.network?.summaries.push({ dataset, preset: network.preset })
      return {
        config: { preset: network.preset ?? dataset },
        imageShape,
        params: fakeParams(arch),
        bytes: 4 * fakeParams(arch),
        lifLayers: layerSizes.length,
        stateBytesPerSample: options.stateBytesPerSample ?? 1000,
        macsPerTimestep: 100 * fakeParams(arch),
        memory: fakeMemory(arch)
      }
    }),
  build: (arch, _network, _dataset, init) =>
    Effect.sync(() => {
      // Weights depend on the architecture's first row and the init key, so candidates differ.
      const draws = Rng.draws({
        seed: init.seed,
        stream: `fake/${arch.matrix[0].join("")}`,
        index: init.index
      })
      const projections = layerSizes.map((n) =>
        tf.tensor2d(
          Float32Array.from({ length: pixels * n }, () => 1.2 * draws.normal()),
          [pixels, n]
        )
      )
      return {
        run: (images, run) => {
          options.log?.dropout.push(run.dropout)
          const emitted: NetworkLog["spikes"][number] = []
          options.network?.spikes.push(emitted)
          const currents = tf.tidy(() =>
            projections.map((p) => tf.matMul(tf.reshape(images, [images.shape[0], pixels]), p))
          )
          const membranes: Array<tf.Tensor | undefined> = layerSizes.map(() => undefined)
          try {
            for (let t = 0; t < run.timesteps; t++) {
              layerSizes.forEach((_, l) => {
                tf.tidy(() => {
                  const out = init.neuron.step(
                    membranes[l] ?? init.neuron.init(currents[l].shape),
                    currents[l]
                  )
                  if (options.network !== undefined) {
                    emitted.push({ batch: images.shape[0], values: Float32Array.from(out.spikes.dataSync()) })
                  }
                  run.onSpikes(`layer${l}`, t, out.spikes)
                  membranes[l]?.dispose()
                  membranes[l] = tf.keep(out.membrane)
                })
              })
            }
          } finally {
            tf.dispose([...currents, ...membranes.filter((m) => m !== undefined)])
          }
        },
        dispose: () => tf.dispose(projections)
      }
    })
})

/** A loader over `size` seeded random images (or one image repeated), shuffled per (seed, epoch). */
export const fakeLoader = (
  options: { size?: number; repeated?: boolean; shape?: readonly [number, number, number] } = {}
): DatasetLoader.DatasetLoader["Service"] => {
  const size = options.size ?? 300
  const shape = options.shape ?? imageShape
  const n = shape[0] * shape[1] * shape[2]
  const draws = Rng.draws({ seed: 5, stream: "fake/images", index: 0 })
  const pool = Float32Array.from({ length: size * n }, (_, i) =>
    options.repeated ? pool0(i % n) : draws.normal()
  )
  return {
    info: Effect.succeed({
      name: "fake",
      imageShape: [...shape],
      classes: 2,
      trainSize: size,
      testSize: 0,
      mean: [0],
      std: [1],
      fingerprint: "fake"
    }),
    batches: (batchOptions) =>
      Stream.sync(() => {
        const order = Rng.permutation(
          size,
          Rng.draws({ seed: batchOptions.seed, stream: "fake/shuffle", index: batchOptions.epoch })
        )
        const B = batchOptions.batchSize
        const images = new Float32Array(B * n)
        for (let k = 0; k < B; k++) images.set(pool.subarray(order[k] * n, (order[k] + 1) * n), k * n)
        return { size: B, imageShape: shape, images, labels: new Int32Array(B), indices: order.slice(0, B) }
      })
  }
}

const pool0 = (i: number): number => Math.sin(i * 1.7) * 2

export const fakeLayers = (
  options: Parameters<typeof fakeNetworks>[0] & Parameters<typeof fakeLoader>[0] = {}
) =>
  Layer.mergeAll(
    Layer.succeed(Scorer.ScoringNetworks, fakeNetworks(options)),
    Layer.succeed(DatasetLoader.DatasetLoader, fakeLoader(options))
  )

/**
 * A test neuron for the fake networks: integrate, fire at 1, hard reset (no leak, no surrogate —
 * scoring runs forward only). The scorer's result is checked against the spikes it emits, so any
 * spiking dynamics will do; the real LIF is scored in `@spikernel/snasnet`'s tests.
 */
export const fakeNeuron: NeuronModel.Neuron = {
  id: "fake-if",
  init: (shape) => tf.zeros([...shape]),
  step: (membrane, input) =>
    tf.tidy(() => {
      const charged = tf.add(membrane, input)
      const spikes = tf.cast(tf.greaterEqual(charged, 1), "float32")
      return { spikes, membrane: tf.mul(charged, tf.sub(1, spikes)) }
    })
}
