/**
 * Optimizers with PyTorch's update rules (torch.optim 1.13/2.x, single-tensor path), so a recipe
 * written for the official SNASNet code means the same thing here.
 *
 * SGD (momentum μ, dampening τ, weight decay λ, Nesterov off):
 *   d = g + λ·p;  b = d on the first step, else μ·b + (1−τ)·d;  p ← p − lr·b   (Nesterov: d + μ·b)
 * Adam (β₁, β₂, ε, weight decay λ added to the gradient, no AMSGrad):
 *   g = g + λ·p;  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * `officialBug`: SNASNet builds `SGD(params, lr, momentum, weight_decay)` positionally, and PyTorch's
 * fourth positional parameter is `dampening`; so the official code trains with weight decay 0 and
 * dampening 5e-4 (METHOD.md §5). The option reproduces exactly that.
 *
 * The state (step count and one or two buffers per parameter) is read and restored by checkpoints,
 * under PyTorch's state names (`momentum_buffer`, `exp_avg`, `exp_avg_sq`).
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Schema } from "effect"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))
const Fraction = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const withDefault = <S extends Schema.Top & { readonly Encoded: A }, A>(schema: S, value: A) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/**
 * SGD with momentum; defaults are SNASNet's intended recipe (lr 0.1, momentum 0.9, weight decay 5e-4).
 *
 * @since 0.1.0
 */
export const SgdConfig = Schema.Struct({
  kind: Schema.Literal("sgd"),
  lr: withDefault(Positive, 0.1),
  momentum: withDefault(Fraction, 0.9),
  weightDecay: withDefault(NonNegative, 5e-4),
  dampening: withDefault(Fraction, 0),
  nesterov: withDefault(Schema.Boolean, false),
  /** Reproduce SNASNet's positional-argument bug: weight decay 0, dampening = `weightDecay`. */
  officialBug: withDefault(Schema.Boolean, false)
})

/**
 * @since 0.1.0
 */
export type SgdConfig = typeof SgdConfig.Type

/**
 * Adam; weight decay is L2 added to the gradient, as `torch.optim.Adam(weight_decay=…)`.
 *
 * @since 0.1.0
 */
export const AdamConfig = Schema.Struct({
  kind: Schema.Literal("adam"),
  lr: withDefault(Positive, 1e-3),
  beta1: withDefault(Fraction, 0.9),
  beta2: withDefault(Fraction, 0.999),
  eps: withDefault(Positive, 1e-8),
  weightDecay: withDefault(NonNegative, 0)
})

/**
 * @since 0.1.0
 */
export type AdamConfig = typeof AdamConfig.Type

/**
 * @since 0.1.0
 */
export const OptimizerConfig = Schema.Union([SgdConfig, AdamConfig])

/**
 * @since 0.1.0
 */
export type OptimizerConfig = typeof OptimizerConfig.Type

/**
 * The weight decay and dampening SGD actually applies (after the official-bug switch).
 *
 * @since 0.1.0
 */
export const effectiveSgd = (
  config: SgdConfig
): { readonly weightDecay: number; readonly dampening: number } =>
  config.officialBug
    ? { weightDecay: 0, dampening: config.weightDecay }
    : { weightDecay: config.weightDecay, dampening: config.dampening }

/**
 * A live optimizer over a fixed list of parameters. It owns its buffers (dispose them with `dispose`).
 *
 * @since 0.1.0
 */
export interface Optimizer {
  readonly config: OptimizerConfig
  /** One update of every parameter that has a gradient, at learning rate `lr`. Gradients are not disposed. */
  readonly apply: (
    weights: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number
  ) => void
  /** Updates applied so far. */
  readonly steps: () => number
  /** The buffers by state name, e.g. `momentum_buffer/fc1.weight`. Still owned by the optimizer. */
  readonly buffers: () => ReadonlyMap<string, tf.Tensor>
  /** Replaces the state; takes ownership of the tensors given. */
  readonly restore: (steps: number, buffers: ReadonlyMap<string, tf.Tensor>) => void
  readonly dispose: () => void
}

const scalar = (x: number) => tf.scalar(x, "float32")

/**
 * Builds an optimizer from its config.
 *
 * @since 0.1.0
 */
export const make = (config: OptimizerConfig): Optimizer => {
  const state = new Map<string, tf.Tensor>()
  let steps = 0
  const put = (key: string, value: tf.Tensor): void => {
    const old = state.get(key)
    state.set(key, tf.keep(value))
    if (old !== undefined) old.dispose()
  }

  const sgd = (c: SgdConfig, name: string, p: tf.Variable, g: tf.Tensor, lr: number): void => {
    const { weightDecay, dampening } = effectiveSgd(c)
    tf.tidy(() => {
      let d = weightDecay !== 0 ? tf.add(g, tf.mul(p, scalar(weightDecay))) : g
      if (c.momentum !== 0) {
        const key = `momentum_buffer/${name}`
        const previous = state.get(key)
        const buffer =
          previous === undefined
            ? tf.clone(d)
            : tf.add(tf.mul(previous, scalar(c.momentum)), tf.mul(d, scalar(1 - dampening)))
        put(key, buffer)
        d = c.nesterov ? tf.add(d, tf.mul(buffer, scalar(c.momentum))) : buffer
      }
      p.assign(tf.sub(p, tf.mul(d, scalar(lr))))
    })
  }

  const adam = (c: AdamConfig, name: string, p: tf.Variable, g: tf.Tensor, lr: number, t: number): void => {
    tf.tidy(() => {
      const grad = c.weightDecay !== 0 ? tf.add(g, tf.mul(p, scalar(c.weightDecay))) : g
      const mKey = `exp_avg/${name}`
      const vKey = `exp_avg_sq/${name}`
      const m0 = state.get(mKey) ?? tf.zerosLike(p)
      const v0 = state.get(vKey) ?? tf.zerosLike(p)
      const m = tf.add(tf.mul(m0, scalar(c.beta1)), tf.mul(grad, scalar(1 - c.beta1)))
      const v = tf.add(tf.mul(v0, scalar(c.beta2)), tf.mul(tf.square(grad), scalar(1 - c.beta2)))
      put(mKey, m)
      put(vKey, v)
      const bias1 = 1 - c.beta1 ** t
      const bias2 = 1 - c.beta2 ** t
      const denom = tf.add(tf.div(tf.sqrt(v), scalar(Math.sqrt(bias2))), scalar(c.eps))
      p.assign(tf.sub(p, tf.mul(tf.div(m, denom), scalar(lr / bias1))))
    })
  }

  return {
    config,
    apply: (weights, grads, lr) => {
      steps++
      for (const [name, p] of weights) {
        const g = grads.get(name)
        if (g === undefined) continue
        if (config.kind === "sgd") sgd(config, name, p, g, lr)
        else adam(config, name, p, g, lr, steps)
      }
    },
    steps: () => steps,
    buffers: () => state,
    restore: (n, buffers) => {
      for (const t of state.values()) t.dispose()
      state.clear()
      for (const [key, t] of buffers) state.set(key, t)
      steps = n
    },
    dispose: () => {
      for (const t of state.values()) t.dispose()
      state.clear()
    }
  }
}
