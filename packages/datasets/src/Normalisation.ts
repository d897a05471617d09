/**
 * Per-channel normalisation, `(pixel / 255 − mean) / std`, with each data set's constants.
 *
 * CIFAR and TinyImageNet use the values of the official SNASNet code (METHOD.md §5). MNIST and
 * Fashion-MNIST use their well-known train-split statistics, which a test recomputes from the
 * Debian package (Fashion-MNIST: 0.28604 / 0.35302).
 *
 * @since 0.1.0
 */
import type { SplitData } from "./Dataset.ts"

/**
 * @since 0.1.0
 */
export interface Normalisation {
  readonly mean: ReadonlyArray<number>
  readonly std: ReadonlyArray<number>
}

/**
 * @since 0.1.0
 */
export const cifar10: Normalisation = { mean: [0.4913, 0.4821, 0.4465], std: [0.247, 0.2434, 0.2615] }

/**
 * @since 0.1.0
 */
export const cifar100: Normalisation = { mean: [0.5071, 0.4867, 0.4408], std: [0.2673, 0.2564, 0.2762] }

/**
 * ImageNet's, as SNASNet uses for TinyImageNet.
 *
 * @since 0.1.0
 */
export const tinyImageNet: Normalisation = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }

/**
 * @since 0.1.0
 */
export const mnist: Normalisation = { mean: [0.1307], std: [0.3081] }

/**
 * Also used for the bundled subset, so a model trained on it sees the full set's scale.
 *
 * @since 0.1.0
 */
export const fashionMnist: Normalisation = { mean: [0.286], std: [0.353] }

/**
 * The population mean and std per channel of a split's pixels, on the [0, 1] scale.
 *
 * @since 0.1.0
 */
export const compute = (split: SplitData, channels: number): Normalisation => {
  // Integer histograms per channel: exact, and one pass with no float accumulation error.
  const histogram = new Float64Array(channels * 256)
  const { images } = split
  for (let i = 0; i < images.length; i++) histogram[(i % channels) * 256 + images[i]]++
  const mean: Array<number> = []
  const std: Array<number> = []
  for (let c = 0; c < channels; c++) {
    let n = 0
    let sum = 0
    let sumSquares = 0
    for (let v = 0; v < 256; v++) {
      const count = histogram[c * 256 + v]
      n += count
      sum += count * v
      sumSquares += count * v * v
    }
    const m = n === 0 ? 0 : sum / n
    const variance = n === 0 ? 0 : sumSquares / n - m * m
    mean.push(m / 255)
    std.push(Math.sqrt(Math.max(variance, 0)) / 255)
  }
  return { mean, std }
}

/**
 * A lookup table `[channel * 256 + value]` → normalised float, so normalising a batch is one load
 * per pixel.
 *
 * @since 0.1.0
 */
export const table = (normalisation: Normalisation): Float32Array => {
  const channels = normalisation.mean.length
  const lut = new Float32Array(channels * 256)
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = (v / 255 - normalisation.mean[c]) / normalisation.std[c]
    }
  }
  return lut
}
