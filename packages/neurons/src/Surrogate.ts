/**
 * Surrogate gradients: each is a pair (Heaviside forward, smooth derivative backward), as in
 * SpikingJelly's `surrogate` module. The forward pass always emits exact 0/1 spikes with H(0) = 1;
 * the backward pass replaces the Dirac delta by the derivative of a smooth primitive.
 *
 * Every surrogate carries its primitive as a plain function of a number so a test can check that
 * the tensor derivative used in backprop is the finite difference of that primitive.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { Schema } from "effect"

/**
 * The surrogate families.
 *
 * - `atan` (SNASNet, SpikingJelly `ATan`): g(x) = atan(π/2·α·x)/π + 1/2, g'(x) = (α/2)/(1+(π/2·α·x)²).
 * - `sigmoid` (SpikingJelly `Sigmoid`): g(x) = σ(αx), g'(x) = α·σ(αx)·(1−σ(αx)).
 * - `fast-sigmoid` (snnTorch `fast_sigmoid`, SuperSpike): g(x) = x/(1+α|x|), g'(x) = 1/(1+α|x|)².
 * - `triangle` (snnTorch `triangular`): g'(x) = α·max(0, 1−α|x|), a piecewise-quadratic ramp from 0 to 1.
 *
 * @since 0.1.0
 */
export const SurrogateKind = Schema.Literals(["atan", "sigmoid", "fast-sigmoid", "triangle"])

/**
 * @since 0.1.0
 */
export type SurrogateKind = typeof SurrogateKind.Type

/**
 * A surrogate's configuration: its family and its sharpness α.
 *
 * @since 0.1.0
 */
export const SurrogateConfig = Schema.Struct({
  kind: SurrogateKind,
  alpha: Schema.Finite.check(Schema.isGreaterThan(0))
})

/**
 * @since 0.1.0
 */
export type SurrogateConfig = typeof SurrogateConfig.Type

/**
 * The default α of each family. ATan's α = 2 is SNASNet's (peak slope 1 at the threshold); the
 * others are the defaults of the library they come from, each also with peak slope 1.
 *
 * @since 0.1.0
 */
export const defaultAlpha: Readonly<Record<SurrogateKind, number>> = {
  atan: 2,
  sigmoid: 4,
  "fast-sigmoid": 25,
  triangle: 1
}

/**
 * SNASNet's surrogate: ATan with α = 2.
 *
 * @since 0.1.0
 */
export const snasnetSurrogate: SurrogateConfig = { kind: "atan", alpha: 2 }

/**
 * A surrogate ready to use: the derivative as a tensor function (for backprop) and the primitive and
 * derivative as number functions (for tests and plots).
 *
 * @since 0.1.0
 */
export interface Surrogate {
  readonly config: SurrogateConfig
  /** g(x), the smooth stand-in for H(x), at a number. */
  readonly primitiveAt: (x: number) => number
  /** g'(x) at a number. */
  readonly derivativeAt: (x: number) => number
  /** g'(x) element-wise, in float32; x is v − θ. */
  readonly derivative: (x: tf.Tensor) => tf.Tensor
}

const sigmoidAt = (z: number): number => 1 / (1 + Math.exp(-z))

/**
 * Builds the surrogate of a configuration.
 *
 * @since 0.1.0
 */
export const surrogate = (config: SurrogateConfig): Surrogate => {
  const a = config.alpha
  switch (config.kind) {
    case "atan": {
      const c = (Math.PI / 2) * a
      return {
        config,
        primitiveAt: (x) => Math.atan(c * x) / Math.PI + 0.5,
        derivativeAt: (x) => a / 2 / (1 + (c * x) ** 2),
        derivative: (x) => tf.tidy(() => tf.div(a / 2, tf.add(1, tf.square(tf.mul(x, c)))))
      }
    }
    case "sigmoid":
      return {
        config,
        primitiveAt: (x) => sigmoidAt(a * x),
        derivativeAt: (x) => {
          const s = sigmoidAt(a * x)
          return a * s * (1 - s)
        },
        derivative: (x) =>
          tf.tidy(() => {
            const s = tf.sigmoid(tf.mul(x, a))
            return tf.mul(tf.mul(s, tf.sub(1, s)), a)
          })
      }
    case "fast-sigmoid":
      return {
        config,
        primitiveAt: (x) => x / (1 + a * Math.abs(x)),
        derivativeAt: (x) => 1 / (1 + a * Math.abs(x)) ** 2,
        derivative: (x) => tf.tidy(() => tf.reciprocal(tf.square(tf.add(1, tf.mul(tf.abs(x), a)))))
      }
    case "triangle":
      return {
        config,
        primitiveAt: (x) => {
          const u = Math.min(1, Math.max(-1, a * x))
          return u < 0 ? (u + 1) ** 2 / 2 : 1 - (1 - u) ** 2 / 2
        },
        derivativeAt: (x) => a * Math.max(0, 1 - a * Math.abs(x)),
        derivative: (x) => tf.tidy(() => tf.mul(tf.relu(tf.sub(1, tf.mul(tf.abs(x), a))), a))
      }
  }
}

/**
 * The firing function s = H(v − θ) with H(0) = 1, whose gradient with respect to v is the
 * surrogate's g'(v − θ).
 *
 * It takes the charged membrane `v` and the detached keep mask `keep = 1 − s` (computed by the
 * caller with `tf.step(θ − v)`, whose gradient is zero), so that the same mask serves the reset
 * and the spike without computing the comparison twice; comparisons against a scalar are an
 * order of magnitude slower than `step` on the wasm backend.
 *
 * @since 0.1.0
 */
export const spikeFunction = (
  s: Surrogate,
  threshold: number
): ((membrane: tf.Tensor, keep: tf.Tensor) => tf.Tensor) => {
  const fire = tf.customGrad((v, keep, save) => {
    ;(save as tf.GradSaveFunc)([v as tf.Tensor])
    return {
      value: tf.sub(1, keep as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => [
        tf.mul(dy, s.derivative(tf.sub(saved[0], threshold))),
        tf.zerosLike(keep as tf.Tensor)
      ]
    }
  })
  return (membrane, keep) => fire(membrane, keep)
}
