/**
 * Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11, the generator of cuRAND,
 * JAX and NumPy's `Philox`).
 *
 * A value is a pure function of (seed, stream, index, draw number): nothing depends on call order,
 * time or a global generator, so candidate 731 of a search gets the same draws whether it is
 * evaluated first, last, or after a crash and resume, and under Node or Deno alike. Written by hand
 * (about 60 lines) because no maintained npm package offers a counter-based generator that runs
 * unchanged under Node and Deno; it is checked against the Random123 known-answer vectors.
 *
 * @since 0.1.0
 */

const M0 = 0xd2511f53
const M1 = 0xcd9e8d57
const W0 = 0x9e3779b9
const W1 = 0xbb67ae85
const TWO_32 = 4294967296

/** High 32 bits of the 64-bit product of two uint32 (exact in doubles: every partial product is below 2³²). */
const mulHi = (a: number, b: number): number => {
  const aLo = a & 0xffff
  const aHi = a >>> 16
  const bLo = b & 0xffff
  const bHi = b >>> 16
  const lh = aLo * bHi
  const hl = aHi * bLo
  const mid = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff)
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0
}

/**
 * One Philox4x32-10 block: 4 uint32 words from a 128-bit counter and a 64-bit key.
 *
 * @since 0.1.0
 */
export const philox4x32 = (
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  out: Uint32Array = new Uint32Array(4)
): Uint32Array => {
  let c0 = counter[0] >>> 0
  let c1 = counter[1] >>> 0
  let c2 = counter[2] >>> 0
  let c3 = counter[3] >>> 0
  let k0 = key[0] >>> 0
  let k1 = key[1] >>> 0
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0
      k1 = (k1 + W1) >>> 0
    }
    const hi0 = mulHi(M0, c0)
    const lo0 = Math.imul(M0, c0) >>> 0
    const hi1 = mulHi(M1, c2)
    const lo1 = Math.imul(M1, c2) >>> 0
    c0 = (hi1 ^ c1 ^ k0) >>> 0
    c1 = lo1
    c2 = (hi0 ^ c3 ^ k1) >>> 0
    c3 = lo0
  }
  out[0] = c0
  out[1] = c1
  out[2] = c2
  out[3] = c3
  return out
}

/** 32-bit FNV-1a of a string's UTF-8 bytes, from a chosen offset basis. */
const fnv1a = (bytes: Uint8Array, basis: number): number => {
  let h = basis >>> 0
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}

/**
 * Where a sequence of draws lives: a seed, a named stream (`"search/random"`,
 * `"data/shuffle/epoch-3"`, …) and an index within it (a candidate, a batch).
 *
 * @since 0.1.0
 */
export interface StreamKey {
  readonly seed: number
  readonly stream: string
  readonly index: number
}

/**
 * A cursor over the draws of one (seed, stream, index). Draw `j` is a pure function of the key and
 * `j`; the cursor only remembers how many it has handed out.
 *
 * @since 0.1.0
 */
export interface Draws {
  /** The next uniform uint32. */
  readonly uint32: () => number
  /** The next uniform float in [0, 1) with 53 random bits. */
  readonly float: () => number
  /** The next uniform integer in [0, n), unbiased (rejection sampling), for 1 ≤ n ≤ 2³². */
  readonly int: (n: number) => number
  /** The next fair coin. */
  readonly bool: () => boolean
  /** The next standard normal (Box–Muller). */
  readonly normal: () => number
  /** How many uint32 words have been used so far. */
  readonly used: () => number
}

const checkKey = (key: StreamKey): void => {
  if (!Number.isSafeInteger(key.seed) || key.seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${key.seed}`)
  }
  if (!Number.isSafeInteger(key.index) || key.index < 0) {
    throw new RangeError(`stream index must be a non-negative safe integer, got ${key.index}`)
  }
}

/**
 * Opens the draws of one (seed, stream, index).
 *
 * Counter words: (block, index low, index high, stream hash A); key words: (seed low, seed high ⊕
 * stream hash B). A RangeError for a negative or non-integer seed or index is a programming error.
 *
 * @since 0.1.0
 */
export const draws = (key: StreamKey): Draws => {
  checkKey(key)
  const bytes = new TextEncoder().encode(key.stream)
  const streamA = fnv1a(bytes, 0x811c9dc5)
  const streamB = fnv1a(bytes, 0x2b2ae6a7)
  const seedLo = key.seed >>> 0
  const seedHi = Math.floor(key.seed / TWO_32) >>> 0
  const indexLo = key.index >>> 0
  const indexHi = Math.floor(key.index / TWO_32) >>> 0
  const philoxKey = [seedLo, (seedHi ^ streamB) >>> 0] as const
  const block = new Uint32Array(4)
  let word = 0
  const uint32 = (): number => {
    const slot = word & 3
    if (slot === 0) philox4x32([Math.floor(word / 4) >>> 0, indexLo, indexHi, streamA], philoxKey, block)
    word++
    return block[slot]
  }
  const float = (): number => {
    const a = uint32() >>> 5
    const b = uint32() >>> 6
    return (a * 67108864 + b) / 9007199254740992
  }
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32)
      throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`)
    const limit = TWO_32 - (TWO_32 % n)
    for (;;) {
      const u = uint32()
      if (u < limit) return u % n
    }
  }
  const normal = (): number => {
    const u1 = 1 - float()
    const u2 = float()
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }
  return { uint32, float, int, bool: () => (uint32() & 1) === 1, normal, used: () => word }
}

/**
 * A uniform permutation of 0..n−1 (Fisher–Yates) from the given draws.
 *
 * @since 0.1.0
 */
export const permutation = (n: number, source: Draws): Int32Array => {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = source.int(i + 1)
    const tmp = order[i]
    order[i] = order[j]
    order[j] = tmp
  }
  return order
}

/**
 * A 32-bit seed derived from a stream key, for libraries that take a plain seed (tfjs initialisers).
 *
 * @since 0.1.0
 */
export const derivedSeed = (key: StreamKey): number => draws(key).uint32()
