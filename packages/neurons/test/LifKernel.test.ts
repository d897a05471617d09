import { assert, describe, it } from "@effect/vitest"
import type { NeuronModel } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Effect } from "effect"
import { afterAll } from "vitest"
import { integrateAndFire } from "../src/IntegrateAndFire.ts"
import { type LifConfig, lif, snasnetLif } from "../src/Lif.ts"
import { lifKernelAvailable } from "../src/LifKernel.ts"

afterAll(async () => {
  await tf.setBackend("cpu")
})

const configs: ReadonlyArray<readonly [string, LifConfig]> = [
  ["SNASNet (hard, detached)", snasnetLif],
  ["hard, attached", { ...snasnetLif, detachReset: false }],
  ["soft, detached", { ...snasnetLif, reset: "soft" }],
  [
    "soft, attached, sigmoid",
    { ...snasnetLif, reset: "soft", detachReset: false, surrogate: { kind: "sigmoid", alpha: 4 } }
  ],
  [
    "τ = 2, θ = 0.5, triangle",
    { ...snasnetLif, tau: 2, threshold: 0.5, surrogate: { kind: "triangle", alpha: 1 } }
  ]
]

/** Three steps on random inputs; returns spikes, membranes and the gradients of a loss on both. */
const unroll = (neuron: NeuronModel.Neuron, xs: ReadonlyArray<tf.Tensor>, weights: tf.Tensor) =>
  tf.tidy(() => {
    const values: Array<Float32Array> = []
    const grads = tf.grads((...inputs: Array<tf.Tensor>) => {
      let v = neuron.init(inputs[0].shape)
      let loss: tf.Tensor = tf.scalar(0)
      for (const x of inputs) {
        const out = neuron.step(v, x)
        values.push(out.spikes.dataSync() as Float32Array, out.membrane.dataSync() as Float32Array)
        // the loss reads both outputs, so both gradient paths are exercised
        loss = tf.add(loss, tf.sum(tf.mul(tf.add(out.spikes, tf.mul(out.membrane, 0.3)), weights)))
        v = out.membrane
      }
      return loss
    })(xs as Array<tf.Tensor>)
    return { values, grads: grads.map((g) => g.dataSync() as Float32Array) }
  })

describe("fused LIF kernel", () => {
  for (const backend of ["cpu", "wasm"]) {
    it.effect(`${backend}: identical spikes and membranes, and the same gradients, as the tf-ops form`, () =>
      Effect.promise(async () => {
        await tf.setBackend(backend)
        await tf.ready()
        assert.isTrue(tf.getBackend() === backend)
        for (const [name, config] of configs) {
          const fused = lif(config)
          assert.isTrue(lifKernelAvailable(), name)
          const reference = lif(config, { fused: false })
          const xs = [1, 2, 3].map((seed) => tf.randomUniform([2, 5, 5, 3], -0.5, 2.5, "float32", seed))
          // 150 elements: the SIMD loop and the scalar tail (150 mod 4 = 2) both run
          const weights = tf.randomNormal([2, 5, 5, 3], 0, 1, "float32", 9)
          const before = tf.memory().numTensors
          const a = unroll(fused, xs, weights)
          const b = unroll(reference, xs, weights)
          assert.strictEqual(tf.memory().numTensors, before, name)
          a.values.forEach((values, i) => {
            assert.deepStrictEqual(values, b.values[i], `${name}: output ${i}`)
          })
          assert.isTrue(a.values[0].some((s) => s === 1) && a.values[0].some((s) => s === 0), name)
          a.grads.forEach((g, i) => {
            const worst = g.reduce((w, value, j) => Math.max(w, Math.abs(value - b.grads[i][j])), 0)
            assert.isBelow(worst, 1e-5, `${name}: gradient ${i}`)
          })
          tf.dispose([...xs, weights])
        }
        const ifFused = unroll(
          integrateAndFire(),
          [tf.fill([4], 0.4), tf.fill([4], 0.4), tf.fill([4], 0.4)],
          tf.ones([4])
        )
        const ifRef = unroll(
          integrateAndFire(undefined, { fused: false }),
          [tf.fill([4], 0.4), tf.fill([4], 0.4), tf.fill([4], 0.4)],
          tf.ones([4])
        )
        assert.deepStrictEqual(ifFused.values, ifRef.values)
      })
    )
  }
})
