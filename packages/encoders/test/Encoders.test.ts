import { assert, describe, it } from "@effect/vitest"
import { Encoder } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { direct } from "../src/DirectEncoder.ts"
import { encoderPlugins } from "../src/EncoderPlugins.ts"
import { latency, spikeStep } from "../src/LatencyEncoder.ts"
import { rate } from "../src/RateEncoder.ts"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const key = { seed: 7, index: 0 }

/** Reads every step of an encoding as arrays and releases it. */
const readAll = (encoded: Encoder.EncodedInput): Array<Float32Array> => {
  const steps = Array.from({ length: encoded.timesteps }, (_, t) => encoded.at(t).dataSync() as Float32Array)
  encoded.dispose()
  return steps
}

describe("direct", () => {
  it.effect("is static: the same analog tensor at every step", () =>
    Effect.sync(() => {
      const images = tf.tensor4d([0.1, -2, 3.5, 0], [1, 2, 2, 1])
      const encoded = direct().encode(images, 5, key)
      assert.isTrue(encoded.static)
      for (let t = 0; t < 5; t++) assert.strictEqual(encoded.at(t), images)
      encoded.dispose()
      assert.isFalse(images.isDisposed)
      images.dispose()
    })
  )
})

describe("rate", () => {
  const levels = [0, 0.05, 0.25, 0.5, 0.9, 1]
  const perLevel = 2000
  const timesteps = 10
  const makeImages = () =>
    tf.tensor4d(
      levels.flatMap((p) => Array.from({ length: perLevel }, () => p)),
      [levels.length, perLevel, 1, 1]
    )

  it.effect("fires at rate ≈ intensity (within 4.5 standard errors), exactly 0 and 1 at the ends", () =>
    Effect.sync(() => {
      const images = makeImages()
      const steps = readAll(rate().encode(images, timesteps, key))
      images.dispose()
      levels.forEach((p, level) => {
        let count = 0
        for (const step of steps) for (let i = 0; i < perLevel; i++) count += step[level * perLevel + i]
        const n = perLevel * timesteps
        const observed = count / n
        if (p === 0 || p === 1) assert.strictEqual(observed, p)
        else assert.isBelow(Math.abs(observed - p), 4.5 * Math.sqrt((p * (1 - p)) / n), `level ${p}`)
      })
    })
  )

  it.effect("steps are independent: the lag-1 agreement at p = 0.5 is ≈ 0.5", () =>
    Effect.sync(() => {
      const images = makeImages()
      const steps = readAll(rate().encode(images, timesteps, key))
      images.dispose()
      const level = levels.indexOf(0.5)
      let same = 0
      let n = 0
      for (let t = 1; t < timesteps; t++) {
        for (let i = 0; i < perLevel; i++) {
          same += steps[t][level * perLevel + i] === steps[t - 1][level * perLevel + i] ? 1 : 0
          n++
        }
      }
      assert.isBelow(Math.abs(same / n - 0.5), 4.5 * Math.sqrt(0.25 / n))
    })
  )

  it.effect("is reproducible from (seed, index) and changes with either; gain scales the rate", () =>
    Effect.sync(() => {
      const images = tf.fill([2, 8, 8, 1], 0.5) as tf.Tensor4D
      const a = readAll(rate().encode(images, 3, key))
      const b = readAll(rate().encode(images, 3, key))
      const c = readAll(rate().encode(images, 3, { seed: 7, index: 1 }))
      const d = readAll(rate().encode(images, 3, { seed: 8, index: 0 }))
      const doubled = readAll(rate({ gain: 2 }).encode(images, 3, key))
      images.dispose()
      assert.deepStrictEqual(a, b)
      assert.notDeepEqual(a, c)
      assert.notDeepEqual(a, d)
      assert.isTrue(doubled.every((step) => step.every((s) => s === 1)))
    })
  )
})

describe("latency", () => {
  it.effect("one spike per positive input, none for zero or negative, brighter is earlier", () =>
    Effect.sync(() => {
      const values = Array.from({ length: 200 }, (_, i) => (i - 20) / 170)
      const images = tf.tensor4d(values, [1, 10, 20, 1])
      const timesteps = 8
      const steps = readAll(latency().encode(images, timesteps, key))
      images.dispose()
      const firstSpike = values.map((_, i) => steps.findIndex((step) => step[i] === 1))
      values.forEach((x, i) => {
        const count = steps.reduce((sum, step) => sum + step[i], 0)
        assert.strictEqual(count, x > 0 ? 1 : 0, `input ${x}`)
      })
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < values.length; j++) {
          if (values[i] > values[j] && values[j] > 0) assert.isAtMost(firstSpike[i], firstSpike[j])
        }
      }
      assert.strictEqual(firstSpike[values.indexOf(1)], 0)
      assert.strictEqual(spikeStep(1e-6, timesteps, 0), timesteps - 1)
      assert.strictEqual(spikeStep(7, timesteps, 0), 0)
    })
  )
})

describe("plugins", () => {
  it.effect("every encoder plugin provides a service that leaves no tensors behind", () =>
    Effect.gen(function* () {
      for (const plugin of encoderPlugins) {
        const encoder = yield* Encoder.Encoder.pipe(
          // biome-ignore lint/suspicious/noExplicitAny: each plugin's own config
          Effect.provide(plugin.layer({ gain: 1, threshold: 0 } as any))
        )
        assert.strictEqual(encoder.id, plugin.id)
        const images = tf.fill([2, 4, 4, 1], 0.6) as tf.Tensor4D
        const before = tf.memory().numTensors
        const encoded = encoder.encode(images, 4, key)
        assert.strictEqual(encoded.at(3).shape.join(","), "2,4,4,1")
        encoded.dispose()
        assert.strictEqual(tf.memory().numTensors, before)
        images.dispose()
      }
    })
  )
})
