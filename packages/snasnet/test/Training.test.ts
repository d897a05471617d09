/**
 * Training the real SNASNet network of `@spikernel/spaces` (backward cell `0302 0030 3003 0000`,
 * kernels {1,3}, tiny widths) with `@spikernel/training`, through the assembly's adapter, on the wasm
 * backend: BPTT through every LIF and feedback edge reaches every weight, records name every LIF
 * layer, no tensor leaks across epochs, and a stop + resume is byte-identical to an uninterrupted run.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Architecture } from "@spikernel/core"
import { Synthetic } from "@spikernel/datasets"
import { Lif } from "@spikernel/neurons"
import { Network, NetworkConfig, WeightSpecs } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import {
  batchGradients,
  CheckpointStore,
  TrainConfig,
  type TrainOptions,
  train as trainIn
} from "@spikernel/training"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer, Schema } from "effect"
import { trainableNetwork } from "../src/TrainableNetwork.ts"

const data = Synthetic.synthetic.layer(
  Schema.decodeUnknownSync(Synthetic.Config)({ seed: 3, trainSize: 24, testSize: 10 })
)
const env = Layer.mergeAll(data, Backend.layerWasm(1), NodeFileSystem.layer)

/** A training with its checkpoints in the directory `dir`. */
const train = (options: TrainOptions & { readonly checkpointDir: string }) => {
  const { checkpointDir, ...rest } = options
  return trainIn(rest).pipe(Effect.provide(CheckpointStore.layerDirectory(checkpointDir)))
}

const arch = Effect.runSync(
  Architecture.parseArchitecture("0302 0030 3003 0000", { cellType: "backward", kernels: [1, 3] })
)
const networkConfig: NetworkConfig.NetworkConfig = {
  ...NetworkConfig.presets["fashion-mnist"],
  widths: [2, 4],
  hidden: 16
}

/** The spaces network as training sees it (the assembly's adapter, as `spikernel train` uses it). */
const build = (seed: number) => {
  const net = Network.buildNetwork(arch, networkConfig, { neuron: Lif.lif(), seed })
  return { net, model: trainableNetwork(net) }
}

const config = Schema.decodeUnknownSync(TrainConfig)({
  epochs: 3,
  batchSize: 8,
  timesteps: 2,
  optimizer: { kind: "adam", lr: 0.01 }
})

describe("training the SNASNet network", () => {
  it.effect("surrogate gradients reach every weight through T steps and the feedback edge", () =>
    Effect.sync(() => {
      const { net, model } = build(1)
      // At SNASNet's init (N(0, 0.01²)) the hidden classifier LIF is silent, so classifier.3.weight would
      // get no gradient at all; larger hidden weights make it fire and let every path be checked.
      const fc1 = net.variables.get("classifier.1.weight")!
      Network.assignWeight(
        net,
        "classifier.1.weight",
        Float32Array.from({ length: fc1.size }, (_, i) => Math.sin(i * 1.3) * 3)
      )
      const images = new Float32Array(4 * 784)
      for (let i = 0; i < images.length; i++) images[i] = Math.cos(i * 0.77) * 2
      const batch = {
        size: 4,
        imageShape: [28, 28, 1] as const,
        images,
        labels: Int32Array.from([0, 1, 2, 3]),
        indices: Int32Array.from([0, 1, 2, 3])
      }
      const { grads } = batchGradients({
        model,
        batch,
        microBatch: 4,
        timesteps: 3,
        dropoutKey: (i) => ({ seed: 0, index: i })
      })
      expect([...grads.keys()].sort()).toEqual([...model.weights.keys()].sort())
      for (const [name, g] of grads) {
        const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])
        expect(norm, name).toBeGreaterThan(0)
      }
      tf.dispose([...grads.values()])
      net.dispose()
    }).pipe(Effect.provide(env))
  )

  it.effect(
    "records every LIF layer; numTensors equal after epochs 1 and 3; stop + resume is byte-identical",
    () =>
      Effect.gen(function* () {
        const [a, b] = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-snasnet-")))
        const counts: Array<number> = []
        const straight = build(5)
        const full = yield* train({
          model: straight.model,
          config,
          checkpointDir: a,
          onProgress: (e) => Effect.sync(() => e._tag === "Epoch" && counts.push(tf.memory().numTensors))
        })
        expect(counts[2]).toBe(counts[0])
        expect(full.records[0].firingRates.map((f) => f.layer)).toEqual([...WeightSpecs.lifLayers(arch)])

        const first = build(5)
        yield* train({ model: first.model, config, checkpointDir: b, maxBatches: 4 })
        first.net.dispose()
        const second = build(77)
        const resumed = yield* train({ model: second.model, config, checkpointDir: b })
        expect(resumed.resumedFrom).toMatch(/ckpt-e0001-b000001$/)
        const final = "ckpt-e0003-b000000/weights.safetensors"
        expect(fs.readFileSync(path.join(b, final))).toEqual(fs.readFileSync(path.join(a, final)))
        expect(resumed.records.map((r) => r.testTop1)).toEqual(full.records.map((r) => r.testTop1))
        for (const n of [straight, second]) n.net.dispose()
        for (const d of [a, b]) fs.rmSync(d, { recursive: true, force: true })
      }).pipe(Effect.provide(env)),
    900_000
  )
})
