/**
 * Train-time augmentation as SNASNet applies it (METHOD.md §5): a random crop of the original size
 * from the image zero-padded by `padding` pixels on every side, then a horizontal flip with
 * probability ½ — torchvision's `RandomCrop(size, padding)` followed by `RandomHorizontalFlip()`.
 *
 * The padding is pixel value 0 before normalisation, as torchvision pads the raw image.
 * Each image's draws come from its own counter-based key (see `BatchOptions` in core), so an image's
 * augmentation is a pure function of (seed, epoch, image position).
 *
 * @since 0.1.0
 */
import { Rng } from "@spikernel/core"
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export const Augmentation = Schema.Struct({
  /** Zero padding on each side before the random crop; 0 disables cropping. */
  padding: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Random horizontal flip with probability ½. */
  flip: Schema.Boolean
})

/**
 * @since 0.1.0
 */
export type Augmentation = typeof Augmentation.Type

/**
 * The crop offset (0 … 2·padding on each axis) and flip of one image.
 *
 * @since 0.1.0
 */
export interface Draw {
  readonly dy: number
  readonly dx: number
  readonly flip: boolean
}

/**
 * The augmentation drawn for image `index` of epoch `epoch`. The draws are taken in a fixed order
 * (dy, dx, flip) whatever the configuration, so turning flips off does not move the crops.
 *
 * @since 0.1.0
 */
export const draw = (augmentation: Augmentation, seed: number, epoch: number, index: number): Draw => {
  const source = Rng.draws({ seed, stream: `data/augment/epoch-${epoch}`, index })
  const span = 2 * augmentation.padding + 1
  const dy = source.int(span)
  const dx = source.int(span)
  const flip = source.bool()
  return { dy, dx, flip: augmentation.flip && flip }
}

/**
 * Writes one normalised image to `out[outOffset…]`: the source image cropped at (dy, dx) from its
 * padded form, flipped when asked, each pixel looked up in the normalisation table.
 *
 * @since 0.1.0
 */
export const writeAugmented = (
  out: Float32Array,
  outOffset: number,
  source: Uint8Array,
  sourceOffset: number,
  shape: readonly [number, number, number],
  lut: Float32Array,
  padding: number,
  chosen: Draw
): void => {
  const [height, width, channels] = shape
  let o = outOffset
  for (let y = 0; y < height; y++) {
    const sy = y + chosen.dy - padding
    const rowInside = sy >= 0 && sy < height
    for (let x = 0; x < width; x++) {
      const sx = (chosen.flip ? width - 1 - x : x) + chosen.dx - padding
      const inside = rowInside && sx >= 0 && sx < width
      const base = sourceOffset + (sy * width + sx) * channels
      for (let c = 0; c < channels; c++) {
        out[o++] = lut[c * 256 + (inside ? source[base + c] : 0)]
      }
    }
  }
}

/**
 * Writes one normalised image unchanged.
 *
 * @since 0.1.0
 */
export const writePlain = (
  out: Float32Array,
  outOffset: number,
  source: Uint8Array,
  sourceOffset: number,
  bytes: number,
  channels: number,
  lut: Float32Array
): void => {
  if (channels === 1) {
    for (let i = 0; i < bytes; i++) out[outOffset + i] = lut[source[sourceOffset + i]]
    return
  }
  for (let i = 0; i < bytes; i++) out[outOffset + i] = lut[(i % channels) * 256 + source[sourceOffset + i]]
}
