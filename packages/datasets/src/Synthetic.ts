/**
 * `synthetic`: a seeded, generated data set for tests and smoke runs that is genuinely learnable.
 *
 * Each class has a pattern: per channel, a sum of three low-frequency 2-D cosine gratings whose
 * integer frequencies, phases and weights are drawn from (seed, `data/synthetic/class`, class).
 * Image i of a split has label i mod classes (balanced splits) and is its class pattern translated
 * by up to 3 pixels, plus a random brightness shift and per-pixel Gaussian noise, all drawn from
 * (seed, `data/synthetic/<split>`, i). The translations keep a pixel-wise template matcher well
 * below perfect while a convolutional network can still learn the classes (the package test checks
 * that a nearest-centroid classifier is far above chance). Normalisation is the train split's own
 * statistics.
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
/** Peak deviation of a pattern from mid-grey. */
const AMPLITUDE = 90
/** Largest random translation of a pattern, in pixels along each axis. */
const MAX_SHIFT = 3

/**
 * One cosine grating: integer frequencies (cycles per image) along x and y, a phase and a weight.
 *
 * @since 0.1.0
 */
export interface Grating {
  readonly u: number
  readonly v: number
  readonly phase: number
  readonly weight: number
}

/**
 * The gratings of class `label`, per channel.
 *
 * @since 0.1.0
 */
export const classPattern = (config: Config, label: number): ReadonlyArray<ReadonlyArray<Grating>> => {
  const source = Rng.draws({ seed: config.seed, stream: "data/synthetic/class", index: label })
  return Array.from({ length: config.channels }, () =>
    Array.from({ length: GRATINGS }, () => {
      let u = 0
      let v = 0
      while (u === 0 && v === 0) {
        u = source.int(7) - 3
        v = source.int(7) - 3
      }
      return { u, v, phase: 2 * Math.PI * source.float(), weight: 0.5 + 0.5 * source.float() }
    })
  )
}

/**
 * Renders a class pattern translated by (dx, dy) pixels, as float pixels (HWC) around mid-grey.
 *
 * @since 0.1.0
 */
export const render = (
  config: Config,
  pattern: ReadonlyArray<ReadonlyArray<Grating>>,
  dx: number,
  dy: number
): Float64Array => {
  const { height, width, channels } = config
  const out = new Float64Array(height * width * channels).fill(128)
  for (let c = 0; c < channels; c++) {
    const waves = pattern[c]
    const total = waves.reduce((sum, wave) => sum + wave.weight, 0)
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let value = 0
        for (const wave of waves) {
          value +=
            wave.weight *
            Math.cos(2 * Math.PI * ((wave.u * (x + dx)) / width + (wave.v * (y + dy)) / height) + wave.phase)
        }
        out[(y * width + x) * channels + c] += (AMPLITUDE * value) / total
      }
    }
  }
  return out
}

const generateSplit = (
  config: Config,
  patterns: ReadonlyArray<ReadonlyArray<ReadonlyArray<Grating>>>,
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
    const dx = source.int(2 * MAX_SHIFT + 1) - MAX_SHIFT
    const dy = source.int(2 * MAX_SHIFT + 1) - MAX_SHIFT
    const shift = 40 * source.float() - 20
    const base = render(config, patterns[label], dx, dy)
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
  const patterns = Array.from({ length: config.classes }, (_, label) => classPattern(config, label))
  const train = generateSplit(config, patterns, "train", config.trainSize)
  const test = generateSplit(config, patterns, "test", config.testSize)
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
