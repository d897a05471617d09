/**
 * Encoding helpers for WebAssembly modules assembled in code (the binary format's LEB128 integers,
 * sections, vectors and names), shared by the hand-assembled kernels of `@spikernel/neurons` (the
 * fused LIF step) and `@spikernel/scorers` (the popcount Gram matrix). Written by hand: the format
 * needs these five encoders, and an assembler package would be a dependency for forty lines.
 *
 * @since 0.1.0
 */

/**
 * Unsigned LEB128.
 *
 * @since 0.1.0
 */
export const uleb = (value: number): Array<number> => {
  const out: Array<number> = []
  let v = value >>> 0
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

/**
 * Signed LEB128 (32-bit).
 *
 * @since 0.1.0
 */
export const sleb = (value: number): Array<number> => {
  const out: Array<number> = []
  let v = value | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

/**
 * The four little-endian bytes of a float32 immediate.
 *
 * @since 0.1.0
 */
export const f32Bytes = (value: number): Array<number> =>
  Array.from(new Uint8Array(new Float32Array([value]).buffer))

/**
 * A name: its UTF-8 length, then its bytes.
 *
 * @since 0.1.0
 */
export const name = (text: string): Array<number> => {
  const bytes = Array.from(new TextEncoder().encode(text))
  return [...uleb(bytes.length), ...bytes]
}

/**
 * A section: its id, its byte length, its body.
 *
 * @since 0.1.0
 */
export const section = (id: number, body: ReadonlyArray<number>): Array<number> => [
  id,
  ...uleb(body.length),
  ...body
]

/**
 * A vector: its item count, then the items.
 *
 * @since 0.1.0
 */
export const vector = (items: ReadonlyArray<ReadonlyArray<number>>): Array<number> => [
  ...uleb(items.length),
  ...items.flat()
]
