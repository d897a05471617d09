/**
 * The LIF/IF step as a small WebAssembly SIMD function that runs on the tfjs wasm backend's own
 * memory (zero copy): one pass reads the membrane and the input and writes the spikes and the next
 * membrane, where the tf-ops form makes seven passes over the activation.
 *
 * The module is assembled here from its instructions (about 200 bytes, no toolchain needed) and
 * imports the backend's `WebAssembly.Memory`. Per 4 lanes:
 *
 * ```
 * c    = f32x4.add(f32x4.mul(v, decay), f32x4.mul(x, gain))   // each op rounded to float32, as tf's
 * m    = f32x4.ge(c, θ)                                        // all-ones lanes where a spike fires
 * s    = v128.and(m, 1.0)
 * next = hard ? v128.andnot(c, m) : f32x4.sub(c, v128.and(m, θ))
 * ```
 *
 * and the same in scalar code for the last n mod 4 elements, so the results are bit-identical to
 * the tf-ops form.
 *
 * @since 0.1.0
 */

import { WasmBinary } from "@spikernel/tensor"

const i32 = 0x7f
const f32 = 0x7d
const v128 = 0x7b

const { f32Bytes, name, section, sleb, uleb } = WasmBinary

// instructions
const get = (i: number) => [0x20, ...uleb(i)]
const set = (i: number) => [0x21, ...uleb(i)]
const i32Const = (v: number) => [0x41, ...sleb(v)]
const f32Const = (v: number) => [0x43, ...f32Bytes(v)]
const simd = (op: number) => [0xfd, ...uleb(op)]
const memarg = [0x00, 0x00] // alignment hint 1, offset 0
const I32_ADD = 0x6a
const I32_AND = 0x71
const I32_SHL = 0x74
const I32_GE_U = 0x4f
const F32_ADD = 0x92
const F32_SUB = 0x93
const F32_MUL = 0x94
const F32_GE = 0x60
const F32_LOAD = [0x2a, ...memarg]
const F32_STORE = [0x38, ...memarg]
const SELECT = 0x1b
const V128_LOAD = [...simd(0x00), ...memarg]
const V128_STORE = [...simd(0x0b), ...memarg]
const F32X4_SPLAT = simd(0x13)
const F32X4_GE = simd(0x46)
const V128_AND = simd(0x4e)
const V128_ANDNOT = simd(0x4f)
const F32X4_ADD = simd(0xe4)
const F32X4_SUB = simd(0xe5)
const F32X4_MUL = simd(0xe6)
const BLOCK = [0x02, 0x40]
const LOOP = [0x03, 0x40]
const END = 0x0b
const BR = 0x0c
const BR_IF = 0x0d
const IF = 0x04
const ELSE = 0x05

// params: 0 v, 1 x, 2 spikes, 3 next (byte offsets), 4 n, 5 decay, 6 gain, 7 θ, 8 soft
// locals: 9 i, 10 vector end, 11 decay4, 12 gain4, 13 θ4, 14 one4, 15 c4, 16 m4, 17 end, 18 c
const [V, X, S, OUT, N, DECAY, GAIN, THETA, SOFT] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
const [I, VEND, DECAY4, GAIN4, THETA4, ONE4, C4, M4, SEND, C] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
const at = (base: number) => [...get(base), ...get(I), I32_ADD]

// biome-ignore format: one line per step of the algorithm reads better than one value per line
const body: Array<number> = [
  // vector end = (n & ~3)·4, scalar end = n·4 (byte offsets)
  ...get(N), ...i32Const(-4), I32_AND, ...i32Const(2), I32_SHL, ...set(VEND),
  ...get(N), ...i32Const(2), I32_SHL, ...set(SEND),
  ...get(DECAY), ...F32X4_SPLAT, ...set(DECAY4),
  ...get(GAIN), ...F32X4_SPLAT, ...set(GAIN4),
  ...get(THETA), ...F32X4_SPLAT, ...set(THETA4),
  ...f32Const(1), ...F32X4_SPLAT, ...set(ONE4),
  ...i32Const(0), ...set(I),
  // 4 lanes at a time
  ...BLOCK, ...LOOP,
  ...get(I), ...get(VEND), I32_GE_U, BR_IF, 1,
  ...at(V), ...V128_LOAD, ...get(DECAY4), ...F32X4_MUL,
  ...at(X), ...V128_LOAD, ...get(GAIN4), ...F32X4_MUL,
  ...F32X4_ADD, ...set(C4),
  ...get(C4), ...get(THETA4), ...F32X4_GE, ...set(M4),
  ...at(S), ...get(M4), ...get(ONE4), ...V128_AND, ...V128_STORE,
  ...at(OUT),
  ...get(SOFT), IF, v128,
  ...get(C4), ...get(M4), ...get(THETA4), ...V128_AND, ...F32X4_SUB,
  ELSE,
  ...get(C4), ...get(M4), ...V128_ANDNOT,
  END,
  ...V128_STORE,
  ...get(I), ...i32Const(16), I32_ADD, ...set(I),
  BR, 0,
  END, END,
  // the last n mod 4 elements
  ...BLOCK, ...LOOP,
  ...get(I), ...get(SEND), I32_GE_U, BR_IF, 1,
  ...at(V), ...F32_LOAD, ...get(DECAY), F32_MUL,
  ...at(X), ...F32_LOAD, ...get(GAIN), F32_MUL,
  F32_ADD, ...set(C),
  ...at(S), ...f32Const(1), ...f32Const(0), ...get(C), ...get(THETA), F32_GE, SELECT, ...F32_STORE,
  ...at(OUT),
  ...get(SOFT), IF, f32,
  ...get(C), ...get(THETA), ...f32Const(0), ...get(C), ...get(THETA), F32_GE, SELECT, F32_SUB,
  ELSE,
  ...f32Const(0), ...get(C), ...get(C), ...get(THETA), F32_GE, SELECT,
  END,
  ...F32_STORE,
  ...get(I), ...i32Const(4), I32_ADD, ...set(I),
  BR, 0,
  END, END,
  END
]

const locals = [0x04, 2, i32, 6, v128, 1, i32, 1, f32]

/**
 * The module's bytes: imports `env.memory`, exports `lif(v, x, spikes, next, n, decay, gain, θ, soft)`
 * with byte offsets into that memory.
 *
 * @since 0.1.0
 */
export const lifWasmBytes = (): Uint8Array => {
  const code = [...locals, ...body]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, [0x01, 0x60, 0x09, i32, i32, i32, i32, i32, f32, f32, f32, i32, 0x00]),
    ...section(2, [0x01, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name("lif"), 0x00, 0x00]),
    ...section(10, [0x01, ...uleb(code.length), ...code])
  ])
}

/**
 * The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it).
 *
 * @since 0.1.0
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
}

interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}

/**
 * The exported function.
 *
 * @since 0.1.0
 */
export type LifWasmFunction = (
  v: number,
  x: number,
  spikes: number,
  next: number,
  n: number,
  decay: number,
  gain: number,
  threshold: number,
  soft: number
) => void

/**
 * Instantiates the function on a memory (synchronously: the module is tiny).
 *
 * @since 0.1.0
 */
export const instantiateLifWasm = (memory: WasmMemory): LifWasmFunction => {
  const wasm = (globalThis as unknown as { readonly WebAssembly: WebAssemblyApi }).WebAssembly
  const instance = new wasm.Instance(new wasm.Module(lifWasmBytes()), { env: { memory } })
  return instance.exports.lif as LifWasmFunction
}
