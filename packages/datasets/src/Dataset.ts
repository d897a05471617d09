/**
 * A decoded data set held in memory: both splits as uint8 pixels (NHWC) and uint8 labels.
 *
 * Pixels stay uint8 (all of CIFAR-10 is 184 MB this way, 737 MB as float32); batches are normalised
 * to float32 one at a time (see `Batches.ts`).
 *
 * @since 0.1.0
 */
import type { Normalisation } from "./Normalisation.ts"

/**
 * One split: `size` images of `imageShape`, row-major NHWC, and one label per image.
 *
 * @since 0.1.0
 */
export interface SplitData {
  readonly size: number
  readonly images: Uint8Array
  readonly labels: Uint8Array
}

/**
 * @since 0.1.0
 */
export interface DecodedDataset {
  /** The loader's id (`cifar10`, `fashion-mnist-mini`, …). */
  readonly name: string
  /** [height, width, channels]. */
  readonly imageShape: readonly [number, number, number]
  readonly classes: number
  /** One name per class, in label order. */
  readonly classNames: ReadonlyArray<string>
  readonly train: SplitData
  readonly test: SplitData
  readonly normalisation: Normalisation
}

/**
 * How many images of each class a split holds (index = label).
 *
 * @since 0.1.0
 */
export const labelCounts = (split: SplitData, classes: number): Array<number> => {
  const counts = new Array<number>(classes).fill(0)
  for (let i = 0; i < split.size; i++) counts[split.labels[i]]++
  return counts
}

/**
 * Bytes of one image.
 *
 * @since 0.1.0
 */
export const imageBytes = (shape: readonly [number, number, number]): number => shape[0] * shape[1] * shape[2]
