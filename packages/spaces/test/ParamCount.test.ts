import { assert, describe, it } from "@effect/vitest"
import { Architecture } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit } from "effect"
import { beforeAll } from "vitest"
import { configProblem, geometry, presetFor, presets, withOverrides } from "../src/NetworkConfig.ts"
import { macsPerTimestep, memoryEstimate, paramCount } from "../src/ParamCount.ts"
import { toTfjs, toTorch } from "../src/WeightLayout.ts"
import { weightSpecs } from "../src/WeightSpecs.ts"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const parse = (text: string, kernels = [1, 3]) =>
  Effect.runSync(Architecture.parseArchitecture(text, { cellType: "backward", kernels }))

describe("memory model", () => {
  it.effect(
    "bytes = params × bits / 8; the inference state counts membranes, spikes and feedback buffers",
    () =>
      Effect.sync(() => {
        const readme = parse("0302 0030 3003 0000")
        assert.strictEqual(memoryEstimate(readme, presets.cifar100).bytes, 20_624_500 * 4)
        assert.strictEqual(memoryEstimate(readme, presets.cifar100, 16).bytes, 20_624_500 * 2)
        assert.strictEqual(memoryEstimate(readme, presets.cifar100, 8).bytes, 20_624_500)
        const arch = parse("0303 0030 2002 0200")
        const state = memoryEstimate(arch, presets["fashion-mnist"]).state
        const map1 = 32 * 28 * 28
        const map2 = 64 * 14 * 14
        // 6 conv ops per cell, downconv1.1, last_act.1, classifier.2 (256)
        assert.strictEqual(state.membranes, 6 * map1 + map1 + 6 * map2 + map2 + 256)
        assert.strictEqual(state.spikes, state.membranes)
        // backward edges feed nodes 0 (M[2][0]) and 1 (M[3][1]): two buffers per cell
        assert.strictEqual(state.feedback, 2 * (map1 + map2))
        assert.strictEqual(state.bytes, (state.membranes + state.feedback) * 4 + state.membranes / 8)
        const forwardArch = Effect.runSync(
          Architecture.parseArchitecture("0303 0030 0002 0000", { cellType: "forward", kernels: [1, 3] })
        )
        assert.strictEqual(memoryEstimate(forwardArch, presets["fashion-mnist"]).state.feedback, 0)
      })
  )

  it.effect("kernel sets change only the conv weights: {3,7} turns the 3×3 ops into 7×7", () =>
    Effect.sync(() => {
      const base = paramCount(parse("0302 0030 3003 0000"), presets.cifar100)
      const wide = paramCount(parse("0302 0030 3003 0000", [3, 7]), presets.cifar100)
      // op 2 is now 3×3 (was 1×1), op 3 is 7×7 (was 3×3): per cell 4 ops of +40C² and one of +8C²
      assert.strictEqual(wide.modules.cell1 - base.modules.cell1, (4 * 40 + 8) * 128 * 128)
      assert.strictEqual(wide.modules.cell2 - base.modules.cell2, (4 * 40 + 8) * 256 * 256)
      assert.strictEqual(wide.modules.fc1, base.modules.fc1)
    })
  )
})

describe("dense MACs per timestep", () => {
  it.effect(
    "counts the stem, every cell conv at its map size, the downconv before its pool and the linears",
    () =>
      Effect.sync(() => {
        const config = presets["fashion-mnist"]
        const g = geometry(config)
        // Forward 3×3 on 0→1, 0→3, 1→2 and 1×1 on 2→3; backward 1×1 on 2→0 and 3→1: 3·9 + 3·1 = 30 k²
        // per C² per pixel.
        const arch = parse("0303 0030 2002 0200")
        const expected =
          9 * 1 * 32 * 28 * 28 +
          30 * 32 * 32 * 28 * 28 +
          9 * 32 * 64 * 28 * 28 +
          30 * 64 * 64 * 14 * 14 +
          g.features * config.hidden +
          config.hidden * g.outputs
        assert.strictEqual(macsPerTimestep(arch, config), expected)
        // Turning the backward 1×1 on 2→0 into a 3×3 adds 8 k² per C² per pixel in both cells.
        const wider = parse("0303 0030 3002 0200")
        assert.strictEqual(
          macsPerTimestep(wider, config) - macsPerTimestep(arch, config),
          8 * (32 * 32 * 28 * 28 + 64 * 64 * 14 * 14)
        )
      })
  )
})

describe("presets and geometry", () => {
  it.effect("official constants; overrides are checked", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(geometry(presets.cifar100), {
        h0: 32,
        h1: 16,
        s: 8,
        features: 16384,
        outputs: 500
      })
      assert.deepStrictEqual(geometry(presets.tinyimagenet), {
        h0: 32,
        h1: 16,
        s: 8,
        features: 16384,
        outputs: 1000
      })
      assert.strictEqual(geometry({ ...presets.cifar10, secondPool: 4 }).features, 512 * 16)
      assert.deepStrictEqual(geometry(presets["fashion-mnist"]), {
        h0: 28,
        h1: 14,
        s: 7,
        features: 3136,
        outputs: 100
      })
      assert.deepStrictEqual(yield* presetFor("fashion-mnist-mini"), presets["fashion-mnist"])
      assert.deepStrictEqual(yield* presetFor("cifar10:/data/cifar"), presets.cifar10)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(presetFor("imagenet"))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(withOverrides(presets.cifar10, { secondPool: 32 }))))
      assert.isString(configProblem({ ...presets.mnist, secondPool: 15 }))
      const narrow = yield* withOverrides(presets.cifar10, { widths: [64, 128], secondPool: 4 })
      assert.deepStrictEqual(narrow.widths, [64, 128])
    })
  )
})

describe("weight layout", () => {
  it.effect("PyTorch ↔ tfjs: conv OIHW ↔ HWIO, linear transposed, classifier input reordered CHW ↔ HWC", () =>
    Effect.sync(() => {
      const config = { ...presets["fashion-mnist"], widths: [2, 3] as const, hidden: 4, secondPool: 7 }
      const specs = weightSpecs(parse("0302 0030 3003 0000"), config)
      const find = (name: string) => specs.find((s) => s.name === name)!
      const conv = find("downconv1.2.weight")
      const torchConv = tf.randomNormal(conv.torchShape as Array<number>, 0, 1, "float32", 1)
      const expected = tf.transpose(torchConv, [2, 3, 1, 0]).dataSync() as Float32Array
      const converted = toTfjs(conv, torchConv.dataSync() as Float32Array)
      assert.deepStrictEqual(Array.from(converted), Array.from(expected))
      assert.deepStrictEqual(Array.from(toTorch(conv, converted)), Array.from(torchConv.dataSync()))
      // classifier.1: the same pooled map through both layouts gives the same hidden input
      const fc = find("classifier.1.weight")
      const [s, , c] = fc.flattenedFrom!
      assert.deepStrictEqual([s, c], [2, 3])
      const map = tf.randomNormal([1, s, s, c], 0, 1, "float32", 2)
      const torchW = tf.randomNormal(fc.torchShape as Array<number>, 0, 1, "float32", 3)
      const tfjsW = tf.tensor2d(toTfjs(fc, torchW.dataSync() as Float32Array), fc.shape as [number, number])
      const viaTfjs = tf.matMul(tf.reshape(map, [1, s * s * c]), tfjsW)
      const torchFlat = tf.reshape(tf.transpose(map, [0, 3, 1, 2]), [1, c * s * s])
      const viaTorch = tf.matMul(torchFlat, torchW, false, true)
      assert.isBelow(tf.max(tf.abs(tf.sub(viaTfjs, viaTorch))).dataSync()[0], 1e-5)
      const bias = find("classifier.3.bias")
      assert.deepStrictEqual(Array.from(toTfjs(bias, new Float32Array([1, 2, 3])).slice(0, 3)), [1, 2, 3])
      tf.dispose([torchConv, map, torchW, tfjsW, viaTfjs, torchFlat, viaTorch])
    })
  )
})
