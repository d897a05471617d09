/**
 * The contract every NeuronModel must pass (core's `NeuronModel.ts`: `init` + a pure `step`,
 * charge → fire → reset, with a surrogate gradient):
 *
 * - `init(shape)` is a resting membrane of that shape, and a silent input keeps it silent;
 * - `step` keeps the input's shape, emits only 0 and 1, and is a pure function of its arguments;
 * - fire and reset: a neuron that does not fire ends the step below threshold; one that fires is
 *   reset — to 0 (hard reset) or by θ (soft reset: its membrane is its charge minus θ);
 * - a strong enough input makes every neuron fire;
 * - the surrogate carries a gradient to the input, finite and non-zero near the threshold, through
 *   one step and through the membrane into the next;
 * - no tensor is leaked by stepping, by the gradient, or by building and releasing the Layer.
 *
 * The soft-reset check measures the charge from rest with a sub-threshold probe, so it assumes the
 * charge from a resting membrane is linear in the input (LIF, IF and PLIF all are).
 *
 * Runs on the cpu backend unless told otherwise.
 *
 * @since 0.1.0
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { NeuronModel, Rng } from "@spikernel/core"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Layer } from "effect"

/**
 * @since 0.1.0
 */
export interface NeuronContractOptions {
  readonly layer: Layer.Layer<NeuronModel.NeuronModel, unknown>
  /** The id the service must report. */
  readonly id: string
  /** The firing threshold θ of the configured neuron. */
  readonly threshold: number
  /** Hard reset (to 0) or soft reset (subtract θ). */
  readonly reset: "hard" | "soft"
  /** The tensor backend (default: cpu). */
  readonly backend?: Layer.Layer<Backend, unknown>
}

type Neuron = NeuronModel.Neuron

const shape = [2, 3, 4, 4]
const size = shape.reduce((a, b) => a * b, 1)

/** Inputs from −1 to 4·θ, in a fixed pseudo-random order. */
const inputs = (threshold: number, index: number): Float32Array => {
  const draws = Rng.draws({ seed: 2, stream: "testing/neuron-input", index })
  return Float32Array.from({ length: size }, () => (draws.float() * 5 - 1) * threshold)
}

interface Trace {
  readonly spikes: ReadonlyArray<Float32Array>
  readonly membranes: ReadonlyArray<Float32Array>
}

/** Runs `steps` steps from rest over the given inputs and reads everything back, releasing it all. */
const trace = (neuron: Neuron, steps: ReadonlyArray<Float32Array>): Trace => {
  const spikes: Array<Float32Array> = []
  const membranes: Array<Float32Array> = []
  let membrane = neuron.init(shape)
  for (const values of steps) {
    const input = tf.tensor(values, shape)
    const out = neuron.step(membrane, input)
    input.dispose()
    membrane.dispose()
    spikes.push(Float32Array.from(out.spikes.dataSync()))
    membranes.push(Float32Array.from(out.membrane.dataSync()))
    expect(out.spikes.shape).toEqual(shape)
    expect(out.membrane.shape).toEqual(shape)
    out.spikes.dispose()
    membrane = out.membrane
  }
  membrane.dispose()
  return { spikes, membranes }
}

/**
 * Registers the contract tests of a NeuronModel under `describe(name)`.
 *
 * @since 0.1.0
 */
export const neuronContract = (name: string, options: NeuronContractOptions): void => {
  const backend = options.backend ?? Backend.layerCpu
  const theta = options.threshold
  const sequence = Array.from({ length: 6 }, (_, t) => inputs(theta, t))
  const neuron = Effect.service(NeuronModel.NeuronModel)

  describe(`${name} (NeuronModel contract)`, () => {
    layer(options.layer.pipe(Layer.provideMerge(backend)))((it) => {
      it.effect("reports its id", () =>
        Effect.map(neuron, (n) => {
          expect(n.id).toBe(options.id)
        })
      )

      it.effect("init is a finite resting membrane of the shape, and silence stays silent", () =>
        Effect.map(neuron, (n) => {
          const rest = n.init(shape)
          expect(rest.shape).toEqual(shape)
          const values = rest.dataSync()
          rest.dispose()
          for (const v of values) expect(v < theta && Number.isFinite(v)).toBe(true)
          const silent = trace(n, [new Float32Array(size), new Float32Array(size), new Float32Array(size)])
          for (const step of silent.spikes) expect(step.every((s) => s === 0)).toBe(true)
        })
      )

      it.effect("steps keep the shape, emit only 0 and 1, and are a pure function of their inputs", () =>
        Effect.map(neuron, (n) => {
          const a = trace(n, sequence)
          const b = trace(n, sequence)
          expect(b).toEqual(a)
          const values = new Set(a.spikes.flatMap((step) => [...step]))
          expect([...values].sort()).toEqual([0, 1])
          for (const membrane of a.membranes) expect(membrane.every(Number.isFinite)).toBe(true)
        })
      )

      it.effect(`fires at threshold and resets (${options.reset}): silent neurons end below θ`, () =>
        Effect.map(neuron, (n) => {
          const run = trace(n, sequence)
          run.spikes.forEach((spikes, t) => {
            const membrane = run.membranes[t]
            for (let i = 0; i < size; i++) {
              if (spikes[i] === 0 && !(membrane[i] < theta)) {
                expect.fail(
                  `step ${t}, neuron ${i}: no spike, but the membrane ${membrane[i]} ≥ θ = ${theta}`
                )
              }
              if (spikes[i] === 1 && options.reset === "hard" && membrane[i] !== 0) {
                expect.fail(`step ${t}, neuron ${i}: fired, but the hard reset left ${membrane[i]}`)
              }
            }
          })
        })
      )

      it.effect("a strong input fires every neuron, and the reset is exact", () =>
        Effect.map(neuron, (n) => {
          // The charge from rest per unit of input, measured below threshold.
          const probe = 1e-2 * theta
          const low = trace(n, [new Float32Array(size).fill(probe)])
          expect(low.spikes[0].every((s) => s === 0)).toBe(true)
          const gain = low.membranes[0][0] / probe
          expect(gain).toBeGreaterThan(0)
          const strong = (3 * theta) / gain
          const high = trace(n, [new Float32Array(size).fill(strong)])
          expect(high.spikes[0].every((s) => s === 1)).toBe(true)
          const expected = options.reset === "hard" ? 0 : gain * strong - theta
          for (const v of high.membranes[0]) expect(v).toBeCloseTo(expected, 4)
        })
      )

      it.effect(
        "the surrogate carries a finite gradient to the input, through one step and into the next",
        () =>
          Effect.map(neuron, (n) => {
            const x = tf.tensor(inputs(theta, 9), shape)
            const weaker = tf.mul(x, 0.6)
            const oneStep = tf.grad((input: tf.Tensor) => {
              const rest = n.init(shape)
              return tf.sum(n.step(rest, input).spikes)
            })
            const twoSteps = tf.grad((input: tf.Tensor) => {
              const rest = n.init(shape)
              const first = n.step(rest, input)
              // The second step sees no input: its spikes depend on x only through the membrane.
              return tf.sum(n.step(first.membrane, tf.zerosLike(input)).spikes)
            })
            for (const [label, g] of [
              ["one step", oneStep(x)],
              ["two steps", twoSteps(weaker)]
            ] as const) {
              const values = g.dataSync()
              g.dispose()
              expect(values.every(Number.isFinite), label).toBe(true)
              expect(
                values.some((v) => v !== 0),
                `${label}: some gradient is non-zero`
              ).toBe(true)
            }
            tf.dispose([x, weaker])
          })
      )

      it.effect("leaves no tensor behind: steps and gradients release what they make", () =>
        Effect.map(neuron, (n) => {
          const before = tf.memory().numTensors
          trace(n, sequence)
          tf.tidy(() => {
            const g = tf.grad((input: tf.Tensor) => tf.sum(n.step(n.init(shape), input).spikes))
            g(tf.tensor(inputs(theta, 4), shape)).dataSync()
          })
          expect(tf.memory().numTensors).toBe(before)
        })
      )
    })

    it.effect("building and releasing the Layer leaves no tensor behind", () =>
      Effect.gen(function* () {
        yield* Effect.scoped(Layer.build(backend))
        const before = tf.memory().numTensors
        yield* Effect.scoped(Layer.build(options.layer))
        expect(tf.memory().numTensors).toBe(before)
      })
    )
  })
}
