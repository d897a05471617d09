/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * `00 00 <type> <rank>`, `rank` big-endian uint32 dimensions, then the data, row-major.
 *
 * Only unsigned bytes (type 0x08) occur in these data sets, so only they are accepted.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import { Effect } from "effect"

const { DatasetError } = DatasetLoader

const UNSIGNED_BYTE = 0x08

/**
 * A decoded IDX array: its dimensions and a view of its data (no copy).
 *
 * @since 0.1.0
 */
export interface IdxArray {
  readonly dims: ReadonlyArray<number>
  readonly data: Uint8Array
}

const hex = (byte: number): string => byte.toString(16).padStart(2, "0")

/**
 * Decodes an IDX file of unsigned bytes with the expected rank.
 *
 * @since 0.1.0
 */
export const decode = (
  dataset: string,
  file: string,
  bytes: Uint8Array,
  rank: number
): Effect.Effect<IdxArray, DatasetLoader.DatasetError> => {
  const fail = (at: string, reason: string) => Effect.fail(new DatasetError({ dataset, file, at, reason }))
  if (bytes.length < 4)
    return fail(`offset ${bytes.length}`, `file too short for an IDX header (${bytes.length} bytes)`)
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE || bytes[3] !== rank) {
    const found = [...bytes.subarray(0, 4)].map(hex).join(" ")
    return fail(
      "offset 0",
      `wrong IDX magic ${found}, expected 00 00 08 ${hex(rank)} (unsigned bytes, rank ${rank})`
    )
  }
  const headerBytes = 4 + 4 * rank
  if (bytes.length < headerBytes) {
    return fail(`offset ${bytes.length}`, `header cut short: ${rank} dimensions need ${headerBytes} bytes`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: Array<number> = []
  let count = 1
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false)
    if (size === 0) return fail(`offset ${4 + 4 * d}`, `dimension ${d} is 0`)
    dims.push(size)
    count *= size
  }
  const available = bytes.length - headerBytes
  if (available !== count) {
    return fail(
      `offset ${bytes.length}`,
      available < count
        ? `truncated: dimensions ${dims.join("×")} need ${count} data bytes after offset ${headerBytes}, found ${available}`
        : `${available - count} unexpected bytes after the ${count} data bytes of dimensions ${dims.join("×")}`
    )
  }
  return Effect.succeed({ dims, data: bytes.subarray(headerBytes) })
}
