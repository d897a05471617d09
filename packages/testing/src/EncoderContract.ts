/**
 * The contract every Encoder must pass (core's `Encoder.ts`):
 *
 * - `encode(images, T)` has T steps, each a tensor of the images' shape;
 * - a `static` encoding shows the same values at every step;
 * - the same (seed, index) gives the same encoding; a stochastic encoder changes with the key;
 * - spike encoders emit only 0 and 1;
 * - `dispose` releases every tensor the encoding made and leaves the caller's images alone, so an
 *   encode–read–dispose cycle leaks nothing; building and releasing the Layer leaks nothing either.
 *
 * Runs on the cpu backend unless told otherwise.
 *
 * @since 0.1.0
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Encoder, Rng } from "@spikernel/core"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Layer } from "effect"

/**
 * @since 0.1.0
 */
export interface EncoderContractOptions {
  readonly layer: Layer.Layer<Encoder.Encoder, unknown>
  /** The id the service must report. */
  readonly id: string
  /** Whether encodings are `static` (the same tensor at every step). */
  readonly static: boolean
  /** Whether every step holds only 0 and 1 (default: not static). */
  readonly spikes?: boolean
  /** Whether the encoding changes with the (seed, index) key (default false). */
  readonly stochastic?: boolean
  /** The tensor backend (default: cpu). */
  readonly backend?: Layer.Layer<Backend, unknown>
}

/** Intensities in [0, 1] drawn from a fixed stream, so each input is the same on every run. */
const images = (shape: readonly [number, number, number, number], index: number): tf.Tensor4D => {
  const draws = Rng.draws({ seed: 1, stream: "testing/encoder-images", index })
  const size = shape.reduce((a, b) => a * b, 1)
  return tf.tensor4d(
    Float32Array.from({ length: size }, () => draws.float()),
    [...shape]
  )
}

const shapes: ReadonlyArray<readonly [number, number, number, number]> = [
  [2, 4, 4, 1],
  [3, 5, 6, 3]
]

/** Every step's values, read before the encoding is released. */
const read = (encoded: Encoder.EncodedInput): Array<Float32Array> =>
  Array.from({ length: encoded.timesteps }, (_, t) => Float32Array.from(encoded.at(t).dataSync()))

/**
 * Registers the contract tests of an Encoder under `describe(name)`.
 *
 * @since 0.1.0
 */
export const encoderContract = (name: string, options: EncoderContractOptions): void => {
  const backend = options.backend ?? Backend.layerCpu
  const spikes = options.spikes ?? !options.static
  const key = { seed: 3, index: 1 }
  /** Runs `f` on fresh images and releases them afterwards. */
  const withImages = <A>(shape: readonly [number, number, number, number], f: (x: tf.Tensor4D) => A): A => {
    const x = images(shape, shape[3])
    try {
      return f(x)
    } finally {
      x.dispose()
    }
  }

  describe(`${name} (Encoder contract)`, () => {
    layer(options.layer.pipe(Layer.provideMerge(backend)))((it) => {
      it.effect("reports its id", () =>
        Effect.map(Effect.service(Encoder.Encoder), (encoder) => {
          expect(encoder.id).toBe(options.id)
        })
      )

      it.effect("encodes T steps, each of the images' shape", () =>
        Effect.map(Effect.service(Encoder.Encoder), (encoder) => {
          for (const shape of shapes) {
            for (const timesteps of [1, 4]) {
              withImages(shape, (x) => {
                const encoded = encoder.encode(x, timesteps, key)
                try {
                  expect(encoded.timesteps).toBe(timesteps)
                  expect(encoded.static).toBe(options.static)
                  for (let t = 0; t < timesteps; t++) {
                    expect(encoded.at(t).shape).toEqual([...shape])
                    expect(encoded.at(t).dtype).toBe("float32")
                  }
                } finally {
                  encoded.dispose()
                }
              })
            }
          }
        })
      )

      if (options.static) {
        it.effect("a static encoding shows the same values at every step", () =>
          Effect.map(Effect.service(Encoder.Encoder), (encoder) =>
            withImages(shapes[1], (x) => {
              const encoded = encoder.encode(x, 4, key)
              const steps = read(encoded)
              encoded.dispose()
              for (const step of steps) expect(step).toEqual(steps[0])
            })
          )
        )
      }

      it.effect("gives the same encoding for the same key", () =>
        Effect.map(Effect.service(Encoder.Encoder), (encoder) =>
          withImages(shapes[1], (x) => {
            const first = encoder.encode(x, 5, key)
            const a = read(first)
            first.dispose()
            const second = encoder.encode(x, 5, key)
            const b = read(second)
            second.dispose()
            expect(b).toEqual(a)
            if (options.stochastic) {
              const other = encoder.encode(x, 5, { seed: key.seed, index: key.index + 1 })
              const c = read(other)
              other.dispose()
              expect(c).not.toEqual(a)
            }
          })
        )
      )

      if (spikes) {
        it.effect("emits only 0 and 1", () =>
          Effect.map(Effect.service(Encoder.Encoder), (encoder) =>
            withImages(shapes[1], (x) => {
              const encoded = encoder.encode(x, 6, key)
              const steps = read(encoded)
              encoded.dispose()
              const values = new Set(steps.flatMap((step) => [...step]))
              for (const v of values) expect([0, 1]).toContain(v)
              expect(values.has(1), "some input fires").toBe(true)
            })
          )
        )
      }

      it.effect("dispose releases every tensor of the encoding and leaves the images alone", () =>
        Effect.map(Effect.service(Encoder.Encoder), (encoder) => {
          for (const shape of shapes) {
            withImages(shape, (x) => {
              const before = tf.memory().numTensors
              const encoded = encoder.encode(x, 3, key)
              read(encoded)
              encoded.dispose()
              expect(tf.memory().numTensors).toBe(before)
              expect(x.isDisposed).toBe(false)
            })
          }
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
