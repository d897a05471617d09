import { assert, describe, it } from "@effect/vitest"
import { NeuronModel } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { integrateAndFire } from "../src/IntegrateAndFire.ts"
import { lif, snasnetLif } from "../src/Lif.ts"
import { ifPlugin, lifPlugin, plifPlugin } from "../src/NeuronPlugins.ts"
import { defaultPlif, initialWeight, makePlif, plif } from "../src/Plif.ts"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

/** Runs a neuron over a sequence of scalar inputs; returns the membrane after charge and the spikes. */
const run = (neuron: NeuronModel.Neuron, inputs: ReadonlyArray<number>) =>
  tf.tidy(() => {
    let v = neuron.init([1])
    const spikes: Array<number> = []
    const membranes: Array<number> = []
    for (const x of inputs) {
      const out = neuron.step(v, tf.tensor1d([x]))
      spikes.push(out.spikes.dataSync()[0])
      membranes.push(out.membrane.dataSync()[0])
      v = out.membrane
    }
    return { spikes, membranes }
  })

describe("LIF (METHOD.md §7.3)", () => {
  it.effect("constant input 1.0 charges 0.75, 0.9375, 0.984375, … and never fires within T = 5", () =>
    Effect.sync(() => {
      const { spikes, membranes } = run(lif(), [1, 1, 1, 1, 1])
      assert.deepStrictEqual(spikes, [0, 0, 0, 0, 0])
      assert.closeTo(membranes[0], 0.75, 1e-7)
      assert.closeTo(membranes[1], 0.9375, 1e-7)
      assert.closeTo(membranes[2], 0.984375, 1e-7)
      assert.isTrue(membranes.every((v) => v < 1))
    })
  )

  it.effect("input 4/3 fires at t = 1 and resets to 0 (hard reset)", () =>
    Effect.sync(() => {
      const { spikes, membranes } = run(lif(), [4 / 3, 0, 4 / 3])
      assert.deepStrictEqual(spikes, [1, 0, 1])
      assert.deepStrictEqual(membranes, [0, 0, 0])
    })
  )

  it.effect("soft reset subtracts θ instead", () =>
    Effect.sync(() => {
      const { spikes, membranes } = run(lif({ ...snasnetLif, reset: "soft" }), [2, 0])
      assert.deepStrictEqual(spikes, [1, 0])
      assert.closeTo(membranes[0], 0.5, 1e-7)
      assert.closeTo(membranes[1], 0.125, 1e-7)
    })
  )

  it.effect("a fresh init starts every batch from v = 0", () =>
    Effect.sync(() => {
      const first = run(lif(), [1.2, 1.2])
      const second = run(lif(), [1.2, 1.2])
      assert.deepStrictEqual(first, second)
      assert.deepStrictEqual(first.spikes, [0, 1])
    })
  )

  it.effect("spike gradient is 0.75 · ATan'(v − θ); the detached reset passes no spike gradient", () =>
    Effect.sync(() => {
      const neuron = lif()
      const x0 = 1.2
      const [dsdx, dvdx] = tf.tidy(() => {
        const spikeGrad = tf.grad((x: tf.Tensor) => neuron.step(neuron.init([1]), x).spikes)(
          tf.tensor1d([x0])
        )
        const memGrad = tf.grad((x: tf.Tensor) => neuron.step(neuron.init([1]), x).membrane)(
          tf.tensor1d([x0])
        )
        return [spikeGrad.dataSync()[0], memGrad.dataSync()[0]]
      })
      const v = 0.75 * x0
      assert.closeTo(dsdx, 0.75 / (1 + (Math.PI * (v - 1)) ** 2), 1e-6)
      // v = 0.9 < θ: no spike, the membrane keeps the charge: dv/dx = 1/τ
      assert.closeTo(dvdx, 0.75, 1e-6)
      const [dvdxFired, dvdxAttached] = tf.tidy(() => {
        const x = tf.tensor1d([2])
        const detached = tf.grad((u: tf.Tensor) => neuron.step(neuron.init([1]), u).membrane)(x)
        const attachedNeuron = lif({ ...snasnetLif, detachReset: false })
        const attached = tf.grad((u: tf.Tensor) => attachedNeuron.step(attachedNeuron.init([1]), u).membrane)(
          x
        )
        return [detached.dataSync()[0], attached.dataSync()[0]]
      })
      // fired at v = 1.5: the reset multiplies by the detached (1 − s) = 0
      assert.strictEqual(dvdxFired, 0)
      // without detaching, d[(1 − s)·v]/dx = −v · s'(v) · 0.75
      assert.closeTo(dvdxAttached, -1.5 * 0.75 * (1 / (1 + (Math.PI * 0.5) ** 2)), 1e-6)
    })
  )

  it.effect("a step leaves no tensors behind", () =>
    Effect.sync(() => {
      const neuron = lif()
      const x = tf.ones([2, 3])
      const v = neuron.init([2, 3])
      const before = tf.memory().numTensors
      for (let i = 0; i < 5; i++) {
        const out = neuron.step(v, x)
        out.spikes.dispose()
        out.membrane.dispose()
      }
      assert.strictEqual(tf.memory().numTensors, before)
      tf.dispose([x, v])
    })
  )
})

describe("IF and PLIF", () => {
  it.effect("IF integrates without leak", () =>
    Effect.sync(() => {
      const { spikes, membranes } = run(integrateAndFire(), [0.4, 0.4, 0.4, 0.4])
      assert.deepStrictEqual(spikes, [0, 0, 1, 0])
      assert.closeTo(membranes[1], 0.8, 1e-6)
      assert.closeTo(membranes[2], 0, 1e-7)
    })
  )

  it.effect("PLIF at τ₀ = 4/3 matches the LIF, and its τ gets a gradient", () =>
    Effect.sync(() => {
      const made = makePlif(defaultPlif)
      const inputs = [1, 0.3, 2, 1.1, 0.9]
      assert.deepStrictEqual(run(made.neuron, inputs).spikes, run(lif(), inputs).spikes)
      const plifRun = run(made.neuron, inputs).membranes
      const lifRun = run(lif(), inputs).membranes
      plifRun.forEach((v, i) => {
        assert.closeTo(v, lifRun[i], 1e-6)
      })
      const dw = tf.tidy(
        () =>
          tf
            .grad((w: tf.Tensor) => {
              const n = plif(defaultPlif, w)
              return n.step(n.init([1]), tf.tensor1d([0.9])).membrane
            })(tf.scalar(initialWeight(4 / 3)))
            .dataSync()[0]
      )
      // v = x·σ(w): dv/dw = x·σ(w)(1 − σ(w)) = 0.9·0.75·0.25
      assert.closeTo(dw, 0.9 * 0.75 * 0.25, 1e-6)
      made.dispose()
    })
  )
})

describe("plugins", () => {
  for (const [plugin, config] of [
    [lifPlugin, snasnetLif],
    [ifPlugin, { threshold: 1, reset: "hard", detachReset: true, surrogate: { kind: "atan", alpha: 2 } }],
    [plifPlugin, defaultPlif]
  ] as const) {
    it.effect(`${plugin.id}: the layer provides a neuron that fires on a strong input`, () =>
      Effect.gen(function* () {
        const neuron = yield* NeuronModel.NeuronModel
        assert.strictEqual(neuron.id, plugin.id)
        const before = tf.memory().numTensors
        const fired = tf.tidy(() => neuron.step(neuron.init([1]), tf.tensor1d([5])).spikes.dataSync()[0])
        assert.strictEqual(fired, 1)
        assert.strictEqual(tf.memory().numTensors, before)
        // biome-ignore lint/suspicious/noExplicitAny: each plugin's own config type
      }).pipe(Effect.provide(plugin.layer(config as any)))
    )
  }
})
