import { assert, describe, it } from "@effect/vitest"
import { Architecture, type NeuronModel } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { Cell, Network, NetworkConfig as NetworkConfigs, ParamCount, WeightSpecs } from "@spikernel/spaces"

const { cellStep, noFeedback } = Cell
type Feedback = Cell.Feedback
const { assignWeight, buildNetwork, dropoutMask, forward } = Network
type NetworkConfig = NetworkConfigs.NetworkConfig
const { presets } = NetworkConfigs
const { paramCount } = ParamCount
const { lifLayers, weightSpecs } = WeightSpecs

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const parse = (text: string, cellType: Architecture.CellType = "backward", kernels = [1, 3]) =>
  Effect.runSync(Architecture.parseArchitecture(text, { cellType, kernels }))

const tiny: NetworkConfig = {
  inputSize: 8,
  inputChannels: 1,
  widths: [4, 8],
  stemStride: 1,
  secondPool: 2,
  hidden: 16,
  classes: 3,
  groupSize: 2,
  dropout: 0.5
}

/** Spikes = input, membrane unchanged: lets a test see what each LIF layer receives. */
const identityNeuron: NeuronModel.Neuron = {
  id: "identity",
  init: (shape) => tf.zeros(shape as Array<number>),
  step: (membrane, input) => ({ spikes: tf.clone(input), membrane: tf.clone(membrane) })
}

const image = (config: NetworkConfig, batch: number, seed = 1) =>
  tf.randomUniform(
    [batch, config.inputSize, config.inputSize, config.inputChannels],
    -1,
    3,
    "float32",
    seed
  ) as tf.Tensor4D

describe("parameter count (METHOD.md §7.1)", () => {
  it.effect(
    "CIFAR-100 README model: 20,624,500 with the official per-module split; the built model matches",
    () =>
      Effect.sync(() => {
        const arch = parse("0302 0030 3003 0000")
        const count = paramCount(arch, presets.cifar100)
        assert.strictEqual(count.total, 20_624_500)
        assert.deepStrictEqual(count.modules, {
          stem: 3_712,
          cell1: 607_488,
          downconv: 295_680,
          cell2: 2_427_392,
          lastAct: 512,
          fc1: 16_777_216,
          fc2: 512_500
        })
        const net = buildNetwork(arch, presets.cifar100, { neuron: Lif.lif(), seed: 1 })
        assert.strictEqual(
          net.trainable.reduce((s, v) => s + v.size, 0),
          20_624_500
        )
        assert.strictEqual(net.variables.size, 85 - 14) // the state_dict without the 14 num_batches_tracked
        net.dispose()
      })
  )

  it.effect("CIFAR-10 README model with second pool 4: 19,520,356; the built model matches", () =>
    Effect.sync(() => {
      const arch = parse("0303 0030 2002 0200")
      const config = { ...presets.cifar10, secondPool: 4 }
      const count = paramCount(arch, config)
      assert.strictEqual(count.total, 19_520_356)
      assert.deepStrictEqual(count.modules, {
        stem: 7_424,
        cell1: 1_969_152,
        downconv: 1_181_184,
        cell2: 7_870_464,
        lastAct: 1_024,
        fc1: 8_388_608,
        fc2: 102_500
      })
      const net = buildNetwork(arch, config, { neuron: Lif.lif(), seed: 1 })
      assert.strictEqual(
        net.trainable.reduce((s, v) => s + v.size, 0),
        19_520_356
      )
      net.dispose()
    })
  )

  it.effect("names and shapes follow the official state_dict (SNASNET_WEIGHTS.md)", () =>
    Effect.sync(() => {
      const specs = weightSpecs(parse("0302 0030 3003 0000"), presets.cifar100)
      const byName = new Map(specs.map((s) => [s.name, s]))
      assert.deepStrictEqual(byName.get("cell1.cell_architecture.3.1.weight")?.torchShape, [128, 128, 1, 1])
      assert.deepStrictEqual(byName.get("cell1.cell_architecture.3.1.weight")?.shape, [1, 1, 128, 128])
      assert.deepStrictEqual(
        byName.get("cell2.cell_architecture_back.1.1.weight")?.torchShape,
        [256, 256, 3, 3]
      )
      assert.deepStrictEqual(byName.get("downconv1.2.weight")?.torchShape, [256, 128, 3, 3])
      assert.deepStrictEqual(byName.get("classifier.1.weight")?.torchShape, [1024, 16384])
      assert.deepStrictEqual(byName.get("classifier.3.bias")?.shape, [500])
      assert.isFalse(byName.get("last_act.0.running_var")?.trainable)
      assert.isUndefined(byName.get("cell1.cell_architecture.1.1.weight")) // a zero op owns nothing
      assert.deepStrictEqual(lifLayers(parse("0302 0030 3003 0000")), [
        "cell1.cell_architecture.0.0",
        "cell1.cell_architecture.2.0",
        "cell1.cell_architecture.3.0",
        "cell1.cell_architecture.5.0",
        "cell1.cell_architecture_back.1.0",
        "downconv1.1",
        "cell2.cell_architecture.0.0",
        "cell2.cell_architecture.2.0",
        "cell2.cell_architecture.3.0",
        "cell2.cell_architecture.5.0",
        "cell2.cell_architecture_back.1.0",
        "last_act.1",
        "classifier.2"
      ])
    })
  )
})

describe("initialisation (METHOD.md §1.1)", () => {
  it.effect("kaiming_uniform(a=2) convs, BN γ=1 β=0, Linear N(0, 0.01²); seeded and reproducible", () =>
    Effect.sync(() => {
      const arch = parse("0302 0030 3003 0000")
      const a = buildNetwork(arch, presets["fashion-mnist"], { neuron: Lif.lif(), seed: 4 })
      const b = buildNetwork(arch, presets["fashion-mnist"], { neuron: Lif.lif(), seed: 4 })
      const c = buildNetwork(arch, presets["fashion-mnist"], { neuron: Lif.lif(), seed: 4, index: 1 })
      const values = (net: typeof a, name: string) => net.variables.get(name)?.dataSync() as Float32Array
      const conv = values(a, "cell2.cell_architecture.0.1.weight") // fan_in = 64·9
      const bound = Math.sqrt(1.2 / (64 * 9))
      assert.isTrue(conv.every((v) => Math.abs(v) <= bound))
      const mean = conv.reduce((s, v) => s + v, 0) / conv.length
      const variance = conv.reduce((s, v) => s + (v - mean) ** 2, 0) / conv.length
      assert.closeTo(mean, 0, 4 * Math.sqrt(bound ** 2 / 3 / conv.length))
      assert.closeTo(variance, bound ** 2 / 3, 0.03 * bound ** 2)
      const fc = values(a, "classifier.1.weight")
      const fcStd = Math.sqrt(fc.reduce((s, v) => s + v * v, 0) / fc.length)
      assert.closeTo(fcStd, 0.01, 0.0002)
      assert.isTrue(values(a, "stem.1.weight").every((v) => v === 1))
      assert.isTrue(values(a, "stem.1.bias").every((v) => v === 0))
      assert.isTrue(values(a, "classifier.3.bias").every((v) => v === 0))
      assert.isTrue(values(a, "last_act.0.running_var").every((v) => v === 1))
      assert.deepStrictEqual(values(a, "downconv1.2.weight"), values(b, "downconv1.2.weight"))
      assert.notDeepEqual(values(a, "downconv1.2.weight"), values(c, "downconv1.2.weight"))
      for (const net of [a, b, c]) net.dispose()
    })
  )
})

describe("forward", () => {
  it.effect(
    "logits [B, classes]; one hook call per LIF per step in METHOD §3 order; no tensors leak over ten passes",
    () =>
      Effect.sync(() => {
        const arch = parse("0302 0030 3003 0000")
        const net = buildNetwork(arch, tiny, { neuron: Lif.lif(), seed: 2 })
        const x = image(tiny, 3)
        const calls: Array<string> = []
        const before = tf.memory().numTensors
        for (let pass = 0; pass < 10; pass++) {
          const logits = forward(net, x, {
            timesteps: 4,
            training: pass % 2 === 0,
            dropout: { seed: 1, index: pass },
            onSpikes: (layer, t, spikes) => {
              if (pass === 0) {
                calls.push(`${t}:${layer}`)
                const values = spikes.dataSync()
                assert.isTrue(values.every((v) => v === 0 || v === 1))
              }
            }
          } as Parameters<typeof forward>[2])
          assert.deepStrictEqual(logits.shape, [3, 3])
          assert.isTrue(Array.from(logits.dataSync()).every(Number.isFinite))
          logits.dispose()
        }
        assert.strictEqual(tf.memory().numTensors, before)
        const expected = [0, 1, 2, 3].flatMap((t) => lifLayers(arch).map((layer) => `${t}:${layer}`))
        assert.deepStrictEqual(calls, expected)
        assert.strictEqual(calls.length, 4 * (3 + 2 * Architecture.convOpCount(arch)))
        x.dispose()
        net.dispose()
      })
  )

  it.effect(
    "a non-static encoding runs the stem at every step: the same image each step gives direct's logits",
    () =>
      Effect.sync(() => {
        const net = buildNetwork(parse("0303 0030 2002 0200"), tiny, { neuron: Lif.lif(), seed: 8 })
        const x = image(tiny, 3, 4)
        const before = tf.memory().numTensors
        let stems = 0
        const encoded = {
          timesteps: 3,
          static: false,
          at: (_t: number) => {
            stems++
            return x
          },
          dispose: () => {}
        }
        const options = { timesteps: 3, training: true, dropout: "off", updateRunningStats: false } as const
        const direct = forward(net, x, options)
        const perStep = forward(net, encoded, options)
        assert.strictEqual(stems, 4) // at(0) for the shape check, then one per step
        assert.isBelow(
          tf.tidy(() => tf.max(tf.abs(tf.sub(direct, perStep))).dataSync()[0]),
          1e-5
        )
        tf.dispose([direct, perStep])
        assert.strictEqual(tf.memory().numTensors, before)
        x.dispose()
        net.dispose()
      })
  )

  it.effect("train-mode BN normalises each timestep with that step's statistics", () =>
    Effect.sync(() => {
      const net = buildNetwork(parse("0302 0030 3003 0000"), tiny, { neuron: identityNeuron, seed: 3 })
      const x = image(tiny, 4)
      const means: Array<Array<number>> = []
      tf.dispose(
        forward(net, x, {
          timesteps: 3,
          training: true,
          dropout: "off",
          onSpikes: (layer, _t, spikes) => {
            if (layer !== "downconv1.1") return
            // the identity neuron passes BN(downconv1.0)'s output: zero mean, unit variance per channel
            const m = tf.moments(spikes, [0, 1, 2])
            means.push([...Array.from(m.mean.dataSync()), ...Array.from(m.variance.dataSync())])
            tf.dispose([m.mean, m.variance])
          }
        })
      )
      assert.strictEqual(means.length, 3)
      for (const row of means) {
        row.slice(0, 4).forEach((mean) => {
          assert.closeTo(mean, 0, 1e-4)
        })
        row.slice(4).forEach((variance) => {
          assert.closeTo(variance, 1, 1e-3)
        })
      }
      x.dispose()
      net.dispose()
    })
  )

  it.effect("one dropout mask for all T steps, redrawn for another key; none in eval mode", () =>
    Effect.sync(() => {
      const config: NetworkConfig = { ...tiny, hidden: 32 }
      const net = buildNetwork(parse("0302 0030 3003 0000"), config, { neuron: identityNeuron, seed: 5 })
      // classifier.1 = identity, so the classifier LIF sees the dropped features themselves
      assignWeight(
        net,
        "classifier.1.weight",
        tf.tidy(() => tf.eye(32).dataSync() as Float32Array)
      )
      const x = image(config, 6)
      const zeroPatterns = (options: Parameters<typeof forward>[2]): Array<string> => {
        const patterns: Array<string> = []
        const hooked = {
          ...options,
          onSpikes: (layer: string, _t: number, spikes: tf.Tensor) => {
            if (layer === "classifier.2")
              patterns.push(Array.from(spikes.dataSync(), (v) => (v === 0 ? 0 : 1)).join(""))
          }
        } as Parameters<typeof forward>[2]
        tf.dispose(forward(net, x, hooked))
        return patterns
      }
      const a = zeroPatterns({ timesteps: 4, training: true, dropout: { seed: 1, index: 0 } })
      const b = zeroPatterns({ timesteps: 4, training: true, dropout: { seed: 1, index: 1 } })
      const off = zeroPatterns({ timesteps: 4, training: false })
      assert.strictEqual(new Set(a).size, 1)
      assert.strictEqual(new Set(b).size, 1)
      assert.notStrictEqual(a[0], b[0])
      const dropped = [...a[0]].filter((c) => c === "0").length / a[0].length
      assert.isTrue(dropped > 0.3 && dropped < 0.7, `dropped fraction ${dropped}`)
      assert.isTrue([...off[0]].every((c) => c === "1"))
      const mask = dropoutMask(100, 100, 0.5, { seed: 1, index: 0 })
      const values = mask.dataSync() as Float32Array
      assert.isTrue(values.every((v) => v === 0 || v === 2))
      const kept = values.reduce((s, v) => s + v, 0) / 2 / values.length
      assert.closeTo(kept, 0.5, 4.5 * Math.sqrt(0.25 / values.length))
      mask.dispose()
      x.dispose()
      net.dispose()
    })
  )

  it.effect("gradients reach every trainable variable inside tf.variableGrads, without leaks", () =>
    Effect.sync(() => {
      const net = buildNetwork(parse("0303 0030 2002 0200"), tiny, { neuron: Lif.lif(), seed: 6 })
      const x = image(tiny, 4)
      const before = tf.memory().numTensors
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            tf.oneHot([0, 1, 2, 0], 3),
            forward(net, x, { timesteps: 3, training: true, dropout: { seed: 2, index: 0 } })
          ) as tf.Scalar,
        net.trainable as Array<tf.Variable>
      )
      const names = net.specs.filter((s) => s.trainable).map((s) => s.name)
      assert.strictEqual(Object.keys(grads).length, names.length)
      const finite = Object.values(grads).every((g) => Array.from(g.dataSync()).every(Number.isFinite))
      assert.isTrue(finite)
      assert.isTrue(Number.isFinite(value.dataSync()[0]))
      tf.dispose([value, ...Object.values(grads)])
      assert.strictEqual(tf.memory().numTensors, before)
      x.dispose()
      net.dispose()
    })
  )
})

describe("cell feedback timing (METHOD.md §1.2)", () => {
  it.effect(
    "node j's value at step t reaches node i at step t+1; buffers are zero at t = 1 of every call",
    () =>
      Effect.sync(() => {
        // forward 0→1 skip, 1→2 skip, 0→3 skip; backward 2→0 conv1x1 (M[2][0] = 2)
        const arch = parse("0101 0010 2000 0000")
        const w = 10
        const run = (inputs: ReadonlyArray<number>) =>
          tf.tidy(() => {
            const neuron = Lif.lif()
            let membrane: tf.Tensor | undefined
            let feedback: Feedback = noFeedback
            const outputs: Array<number> = []
            const hooks: Array<string> = []
            for (const value of inputs) {
              const out = cellStep(
                {
                  arch,
                  cell: "cell1",
                  // LIF → 1×1 conv with the hand-set weight w (BatchNorm left out: identity)
                  conv: (slot, kernel, x) => {
                    const step = neuron.step(membrane ?? neuron.init(x.shape), x)
                    membrane = step.membrane
                    hooks.push(`${slot}:${kernel}`)
                    return tf.mul(step.spikes, w) as tf.Tensor4D
                  },
                  pool: (x) => x
                },
                tf.fill([1, 1, 1, 1], value) as tf.Tensor4D,
                feedback
              )
              feedback = out.feedback
              outputs.push(out.output.dataSync()[0])
            }
            return { outputs, hooks }
          })
        // t=1: e0 = 2 (F0 = 0), the conv op's LIF charges 1.5 and fires → F0 = 10 for t = 2
        // t=2: x3 = e0 = 2 + 10; LIF: 0 + 0.75·12 fires again → F0 = 10
        // t=3: x3 = 1 + 10 = 11
        const first = run([2, 2, 1])
        assert.deepStrictEqual(first.outputs, [2, 12, 11])
        assert.deepStrictEqual(first.hooks, [
          "cell1.cell_architecture_back.1:1",
          "cell1.cell_architecture_back.1:1",
          "cell1.cell_architecture_back.1:1"
        ])
        // input 1: v = 0.75 does not fire, nothing is fed back at t = 2
        assert.deepStrictEqual(run([1, 1]).outputs, [1, 1])
        // a new call starts from empty buffers again
        assert.deepStrictEqual(run([2, 2, 1]).outputs, [2, 12, 11])
      })
  )
})
