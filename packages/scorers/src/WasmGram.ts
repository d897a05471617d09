/**
 * The Gram matrix of bit-packed codes in WebAssembly: 64-bit AND + `i64.popcnt`, four words per
 * loop iteration. Same result as `HammingGram.gram` (the JS reference, kept for tests and as the
 * fallback), about an order of magnitude faster, which keeps the kernel bookkeeping of the SAHD
 * score well below the forward pass at B = 256.
 *
 * The module is 150-odd bytes assembled here, so there is no binary file to ship or load and it runs
 * unchanged under Node and Deno. Each `makeWasmGram()` instantiates its own module and memory; rows
 * are copied in padded to a multiple of 256 bits (zero padding leaves every AND-popcount unchanged).
 *
 * Function `gram(bits, B, bytesPerRow, out)`: for i ≤ j < B, out[i·B+j] = out[j·B+i] =
 * Σ_w popcnt(row_i[w] & row_j[w]).
 *
 * @since 0.1.0
 */
import { WasmBinary } from "@spikernel/tensor"
import type { PackedCodes } from "./BitCodes.ts"

const { name, section, uleb, vector } = WasmBinary

const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32const: 0x41,
  i64const: 0x42,
  i32geu: 0x4f,
  i32add: 0x6a,
  i32mul: 0x6c,
  i32shl: 0x74,
  i64popcnt: 0x7b,
  i64add: 0x7c,
  i64and: 0x83,
  i32wrapI64: 0xa7,
  i64load: 0x29,
  i32store: 0x36,
  void: 0x40
} as const

// Locals: params 0 bits, 1 B, 2 bytesPerRow, 3 out; then 4 i, 5 j, 6 w, 7 pi, 8 pj, 9 acc (i64).
const [bits, B, rowBytes, out, i, j, w, pi, pj, acc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
const get = (local: number) => [op.get, local]
const set = (local: number) => [op.set, local]
const load64 = (base: number, offset: number) => [
  ...get(base),
  ...get(w),
  op.i32add,
  op.i64load,
  3,
  ...uleb(offset)
]
const popcntTerm = (offset: number) => [
  ...get(acc),
  ...load64(pi, offset),
  ...load64(pj, offset),
  op.i64and,
  op.i64popcnt,
  op.i64add,
  ...set(acc)
]
const storeAt = (row: number, col: number) => [
  ...get(out),
  ...get(row),
  ...get(B),
  op.i32mul,
  ...get(col),
  op.i32add,
  op.i32const,
  2,
  op.i32shl,
  op.i32add,
  ...get(acc),
  op.i32wrapI64,
  op.i32store,
  2,
  0
]

const body: Array<number> = [
  // locals: 5 × i32, 1 × i64
  2,
  5,
  0x7f,
  1,
  0x7e,
  op.i32const,
  0,
  ...set(i),
  op.block,
  op.void,
  op.loop,
  op.void,
  ...get(i),
  ...get(B),
  op.i32geu,
  op.brIf,
  1,
  ...get(bits),
  ...get(i),
  ...get(rowBytes),
  op.i32mul,
  op.i32add,
  ...set(pi),
  ...get(i),
  ...set(j),
  op.block,
  op.void,
  op.loop,
  op.void,
  ...get(j),
  ...get(B),
  op.i32geu,
  op.brIf,
  1,
  ...get(bits),
  ...get(j),
  ...get(rowBytes),
  op.i32mul,
  op.i32add,
  ...set(pj),
  op.i64const,
  0,
  ...set(acc),
  op.i32const,
  0,
  ...set(w),
  op.block,
  op.void,
  op.loop,
  op.void,
  ...get(w),
  ...get(rowBytes),
  op.i32geu,
  op.brIf,
  1,
  ...popcntTerm(0),
  ...popcntTerm(8),
  ...popcntTerm(16),
  ...popcntTerm(24),
  ...get(w),
  op.i32const,
  32,
  op.i32add,
  ...set(w),
  op.br,
  0,
  op.end,
  op.end,
  ...storeAt(i, j),
  ...storeAt(j, i),
  ...get(j),
  op.i32const,
  1,
  op.i32add,
  ...set(j),
  op.br,
  0,
  op.end,
  op.end,
  ...get(i),
  op.i32const,
  1,
  op.i32add,
  ...set(i),
  op.br,
  0,
  op.end,
  op.end,
  op.end
]

/**
 * The module's bytes.
 *
 * @since 0.1.0
 */
export const gramModuleBytes = (): Uint8Array =>
  Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([[0x60, ...vector([[0x7f], [0x7f], [0x7f], [0x7f]]), 0]])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])),
    ...section(
      7,
      vector([
        [...name("memory"), 0x02, 0],
        [...name("gram"), 0x00, 0]
      ])
    ),
    ...section(10, vector([[...uleb(body.length), ...body]]))
  ])

/**
 * A Gram function backed by its own WebAssembly instance.
 *
 * @since 0.1.0
 */
export type GramFunction = (codes: PackedCodes, out?: Int32Array) => Int32Array

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}

interface WasmMemory {
  readonly buffer: ArrayBuffer
  readonly grow: (pages: number) => number
}

const pageBytes = 65536
const padWords = 8 // 256 bits: four i64 per unrolled iteration

/**
 * Instantiates the module (synchronously: it is tiny) and returns its Gram function.
 *
 * @since 0.1.0
 */
export const makeWasmGram = (): GramFunction => {
  const api = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly
  const instance = new api.Instance(new api.Module(gramModuleBytes()), {})
  const memory = instance.exports.memory as WasmMemory
  const run = instance.exports.gram as (bits: number, b: number, rowBytes: number, out: number) => void
  return (codes, result = new Int32Array(codes.batch * codes.batch)) => {
    const rowWords = Math.ceil(codes.words / padWords) * padWords
    const bitsBytes = codes.batch * rowWords * 4
    const outOffset = bitsBytes
    const needed = bitsBytes + codes.batch * codes.batch * 4
    if (memory.buffer.byteLength < needed)
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / pageBytes))
    const heap = new Int32Array(memory.buffer)
    if (rowWords === codes.words) {
      heap.set(codes.bits, 0)
    } else {
      heap.fill(0, 0, bitsBytes / 4)
      for (let b = 0; b < codes.batch; b++) {
        heap.set(codes.bits.subarray(b * codes.words, (b + 1) * codes.words), b * rowWords)
      }
    }
    run(0, codes.batch, rowWords * 4, outOffset)
    result.set(heap.subarray(outOffset / 4, outOffset / 4 + codes.batch * codes.batch))
    return result
  }
}
