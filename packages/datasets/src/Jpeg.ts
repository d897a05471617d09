/**
 * JPEG decoding for TinyImageNet, with `jpeg-js` (npm, MIT): a pure-JavaScript baseline and
 * progressive decoder, so it runs unchanged under Node and Deno with no native build (sharp and
 * canvas need native binaries the CPU-only, offline targets may lack), and it is maintained with
 * limits against hostile input (`maxResolutionInMP`, `maxMemoryUsageInMB`).
 *
 * jpeg-js is lenient by default (it fills missing blocks); here decoding is strict, and a file must
 * start with SOI and end its scan with EOI, so a truncated file is an error rather than a grey tail.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import { Effect } from "effect"
import jpeg from "jpeg-js"

const { DatasetError } = DatasetLoader

/**
 * A decoded image: `width`×`height` RGB bytes, row-major (grey images are expanded to RGB).
 *
 * @since 0.1.0
 */
export interface RgbImage {
  readonly width: number
  readonly height: number
  readonly data: Uint8Array
}

/** Position of the last EOI marker after the first SOS marker, or −1. */
const endOfImage = (bytes: Uint8Array): number => {
  let sos = -1
  for (let i = 2; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xda) {
      sos = i
      break
    }
  }
  if (sos < 0) return -1
  // Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so FF D9 can only
  // be a real end-of-image marker.
  for (let i = bytes.length - 2; i > sos; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return i
  }
  return -1
}

/**
 * Decodes a JPEG to RGB; `dataset` and `file` name it in errors.
 *
 * @since 0.1.0
 */
export const decode = (
  dataset: string,
  file: string,
  bytes: Uint8Array
): Effect.Effect<RgbImage, DatasetLoader.DatasetError> => {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return Effect.fail(
      new DatasetError({ dataset, file, at: "offset 0", reason: "not a JPEG (no SOI marker FF D8)" })
    )
  }
  if (endOfImage(bytes) < 0) {
    return Effect.fail(
      new DatasetError({
        dataset,
        file,
        at: `offset ${bytes.length}`,
        reason: "corrupt JPEG: no end-of-image marker after the scan (truncated?)"
      })
    )
  }
  return Effect.try({
    try: () => {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: 16,
        maxMemoryUsageInMB: 256
      })
      return { width: image.width, height: image.height, data: image.data }
    },
    catch: (error) =>
      new DatasetError({
        dataset,
        file,
        at: "JPEG data",
        reason: `corrupt JPEG: ${error instanceof Error ? error.message : String(error)}`
      })
  })
}
