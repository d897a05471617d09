import { assert, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { defaultAlpha, type SurrogateKind, spikeFunction, surrogate } from "../src/Surrogate.ts"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const kinds: ReadonlyArray<SurrogateKind> = ["atan", "sigmoid", "fast-sigmoid", "triangle"]
const grid = [0, ...Array.from({ length: 121 }, (_, i) => -3 + i * 0.05 + 0.0123)]

/** The gradient of the firing function as backprop computes it, at v − θ = x. */
const backpropSlope = (kind: SurrogateKind, alpha: number, threshold: number, xs: ReadonlyArray<number>) =>
  tf.tidy(() => {
    const fire = spikeFunction(surrogate({ kind, alpha }), threshold)
    const v = tf.tensor1d(xs.map((x) => x + threshold))
    const g = tf.grad((m: tf.Tensor) => fire(m, tf.step(tf.sub(threshold, m))))(v)
    return Array.from(g.dataSync())
  })

describe("surrogates", () => {
  for (const kind of kinds) {
    for (const alpha of [defaultAlpha[kind], defaultAlpha[kind] * 0.5]) {
      it.effect(`${kind} α=${alpha}: backprop slope = finite difference of the primitive`, () =>
        Effect.sync(() => {
          const s = surrogate({ kind, alpha })
          const h = 1e-6
          const slopes = backpropSlope(kind, alpha, 1, grid)
          let worst = 0
          grid.forEach((x, i) => {
            const fd = (s.primitiveAt(x + h) - s.primitiveAt(x - h)) / (2 * h)
            worst = Math.max(worst, Math.abs(fd - slopes[i]))
            // the number form agrees with the tensor form too
            worst = Math.max(worst, Math.abs(s.derivativeAt(x) - slopes[i]))
          })
          assert.isBelow(worst, 1e-3)
          // a surrogate is a bump: largest at the threshold (grid[0] = 0), never negative
          assert.isTrue(slopes.every((d) => d >= 0))
          assert.closeTo(Math.max(...slopes), slopes[0], 1e-6 * slopes[0])
        })
      )
    }
  }

  it.effect("ATan α=2 (SNASNet): slope 1 at θ and 1/(1+π²) at θ ± 1", () =>
    Effect.sync(() => {
      const [atTheta, below, above] = backpropSlope("atan", 2, 1, [0, -1, 1])
      assert.closeTo(atTheta, 1, 1e-6)
      assert.closeTo(below, 1 / (1 + Math.PI ** 2), 1e-6)
      assert.closeTo(above, 1 / (1 + Math.PI ** 2), 1e-6)
    })
  )

  it.effect("the forward pass is the exact Heaviside step with H(0) = 1", () =>
    Effect.sync(() => {
      const out = tf.tidy(() => {
        const fire = spikeFunction(surrogate({ kind: "atan", alpha: 2 }), 1)
        const v = tf.tensor1d([0.5, 0.999999, 1, 1.000001, 7, -3])
        return Array.from(fire(v, tf.step(tf.sub(1, v))).dataSync())
      })
      assert.deepStrictEqual(out, [0, 0, 1, 1, 1, 0])
    })
  )
})
