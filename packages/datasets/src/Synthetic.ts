/**
 * `synthetic`: a seeded, generated data set for tests and smoke runs that is genuinely learnable.
 *
 * Each class has a prototype image: per channel, a sum of three low-frequency 2-D cosine gratings
 * whose integer frequencies, phases and weights are drawn from (seed, `data/synthetic/class`, class).
 * Image i of a split has label i mod classes (balanced splits) and is its prototype plus a random
 * brightness shift and per-pixel Gaussian noise, drawn from (seed, `data/synthetic/<split>`, i).
 * A nearest-centroid classifier separates the classes at the default noise (a test checks it), yet
 * the noise keeps the task from being trivial. Normalisation is the train split's own statistics.
 *
 * @since 0.1.0
 */
import { Rng } from "@spikernel/core"
import { Effect, Schema } from "effect"
import { Augmentation } from "./Augmentation.ts"
import type { DecodedDataset, SplitData } from "./Dataset.ts"
import * as DatasetPlugin from "./DatasetPlugin.ts"
import * as Normalisation from "./Normalisation.ts"

const positiveInt = (maximum: number) => Schema.Int.check(Schema.isBetween({ minimum: 1, maximum }))

const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/**
 * @since 0.1.0
 */
export const Config = Schema.Struct({
  seed: withDefault(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), 0),
  classes: withDefault(Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: 256 })), 10),
  trainSize: withDefault(positiveInt(1_000_000), 1000),
  testSize: withDefault(positiveInt(1_000_000), 500),
  height: withDefault(positiveInt(1024), 28),
  width: withDefault(positiveInt(1024), 28),
  channels: withDefault(Schema.Literals([1, 3]), 1),
  /** Standard deviation of the per-pixel noise, in pixel units (0–255). */
  noise: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 255 })), 40),
  augmentation: withDefault(Augmentation, { padding: 2, flip: true })
})

/**
 * @since 0.1.0
 */
export type Config = typeof Config.Type

const GRATINGS = 3
/** Peak deviation of a prototype from mid-grey. */
const AMPLITUDE = 90

/**
 * The prototype of class `label`, as float pixels (HWC).
 *
 * @since 0.1.0
 */
export const prototype = (config: Config, label: number): Float64Array => {
  const { height, width, channels } = config
  const source = Rng.draws({ seed: config.seed, stream: "data/synthetic/class", index: label })
  const out = new Float64Array(height * width * channels).fill(128)
  for (let c = 0; c < channels; c++) {
    const waves = Array.from({ length: GRATINGS }, () => {
      let u = 0
      let v = 0
      while (u === 0 && v === 0) {
        u = source.int(7) - 3
        v = source.int(7) - 3
      }
      return { u, v, phase: 2 * Math.PI * source.float(), weight: 0.5 + 0.5 * source.float() }
    })
    const total = waves.reduce((sum, wave) => sum + wave.weight, 0)
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let value = 0
        for (const wave of waves) {
          value +=
            wave.weight * Math.cos(2 * Math.PI * ((wave.u * x) / width + (wave.v * y) / height) + wave.phase)
        }
        out[(y * width + x) * channels + c] += (AMPLITUDE * value) / total
      }
    }
  }
  return out
}

const generateSplit = (
  config: Config,
  prototypes: ReadonlyArray<Float64Array>,
  split: "train" | "test",
  size: number
): SplitData => {
  const bytes = config.height * config.width * config.channels
  const images = new Uint8Array(size * bytes)
  const labels = new Uint8Array(size)
  for (let i = 0; i < size; i++) {
    const label = i % config.classes
    labels[i] = label
    const source = Rng.draws({ seed: config.seed, stream: `data/synthetic/${split}`, index: i })
    const shift = 40 * source.float() - 20
    const base = prototypes[label]
    for (let p = 0; p < bytes; p++) {
      const value = base[p] + shift + config.noise * source.normal()
      images[i * bytes + p] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value)
    }
  }
  return { size, images, labels }
}

/**
 * Generates the data set a config describes.
 *
 * @since 0.1.0
 */
export const generate = (config: Config): DecodedDataset => {
  const prototypes = Array.from({ length: config.classes }, (_, label) => prototype(config, label))
  const train = generateSplit(config, prototypes, "train", config.trainSize)
  const test = generateSplit(config, prototypes, "test", config.testSize)
  return {
    name: "synthetic",
    imageShape: [config.height, config.width, config.channels] as const,
    classes: config.classes,
    classNames: Array.from({ length: config.classes }, (_, i) => `pattern ${i}`),
    train,
    test,
    normalisation: Normalisation.compute(train, config.channels)
  }
}

/**
 * @since 0.1.0
 */
export const synthetic = DatasetPlugin.make<Config, typeof Config.Encoded, never>({
  id: "synthetic",
  version: 1,
  description: "Seeded class-pattern images with noise (learnable), any shape; for tests and smoke runs",
  config: Config,
  decode: (config) => Effect.sync(() => generate(config)),
  augmentation: (config) => config.augmentation
})
