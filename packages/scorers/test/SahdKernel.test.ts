/**
 * The SAHD kernel math against direct references: popcount Gram vs X(1−X)ᵀ + (1−X)Xᵀ, the float32
 * recipe vs float32 tensors, LU log-det vs known determinants, and the invariances of METHOD.md §3(d).
 */
import { describe, expect, it } from "@effect/vitest"
import { Rng } from "@spikernel/core"
import {
  accumulateCall,
  gram,
  hammingFromGram,
  logAbsDet,
  makeSahdKernel,
  makeWasmGram,
  portableLog,
  type Normaliser,
  packCodes,
  packSpikes,
  permuteRows,
  popcount32
} from "@spikernel/scorers"
import * as tf from "@tensorflow/tfjs"
import { beforeAll } from "vitest"

/** A B×N 0/1 code with per-row firing rates spread around `rate`. */
const randomCode = (batch: number, neurons: number, seed: number, rate = 0.15): Float32Array => {
  const draws = Rng.draws({ seed, stream: "test/codes", index: batch * 100_000 + neurons })
  const rowRates = Array.from({ length: batch }, () => rate * (0.5 + draws.float()))
  const values = new Float32Array(batch * neurons)
  for (let b = 0; b < batch; b++)
    for (let n = 0; n < neurons; n++) values[b * neurons + n] = draws.float() < rowRates[b] ? 1 : 0
  return values
}

/** The score of a list of calls (one repeat). */
const scoreOf = (
  calls: ReadonlyArray<{ values: Float32Array; neurons: number }>,
  batch: number,
  normaliser: Normaliser = "official"
) => {
  const kernel = makeSahdKernel(batch, normaliser)
  for (const call of calls) kernel.add(packCodes(call.values, batch, call.neurons))
  return { kernel, logDet: kernel.logDet() }
}

const permuteBatch = (values: Float32Array, batch: number, neurons: number, order: ArrayLike<number>) => {
  const out = new Float32Array(values.length)
  for (let k = 0; k < batch; k++)
    out.set(values.subarray(order[k] * neurons, (order[k] + 1) * neurons), k * neurons)
  return out
}

const permuteNeurons = (values: Float32Array, batch: number, neurons: number, order: ArrayLike<number>) => {
  const out = new Float32Array(values.length)
  for (let b = 0; b < batch; b++)
    for (let n = 0; n < neurons; n++) out[b * neurons + n] = values[b * neurons + order[n]]
  return out
}

beforeAll(async () => {
  await tf.setBackend("cpu")
})

describe("bit codes", () => {
  it("popcount32 counts the set bits of any 32-bit word", () => {
    const draws = Rng.draws({ seed: 1, stream: "test/popcount", index: 0 })
    for (let i = 0; i < 500; i++) {
      const word = draws.uint32() | 0
      expect(popcount32(word)).toBe([...(word >>> 0).toString(2)].filter((c) => c === "1").length)
    }
    expect(popcount32(-1)).toBe(32)
    expect(popcount32(0)).toBe(0)
  })

  it("packs > 0 as 1, keeps the row counts and leaves unused high bits 0", () => {
    const codes = packCodes(new Float32Array([0, 1, 2, -1, 0.5, 0, 1, 0, 0, 0]), 2, 5)
    expect(codes.words).toBe(1)
    expect([...codes.bits]).toEqual([0b10110, 0b00010])
    expect([...codes.counts]).toEqual([3, 1])
  })

  it("Gram and Hamming distances equal X·Xᵀ and X(1−X)ᵀ + (1−X)Xᵀ, also when N is not a multiple of 32", () => {
    for (const [batch, neurons] of [
      [7, 45],
      [20, 64],
      [9, 1000]
    ]) {
      const values = randomCode(batch, neurons, 3, 0.3)
      const codes = packCodes(values, batch, neurons)
      const g = gram(codes)
      const d = hammingFromGram(codes, g)
      for (let i = 0; i < batch; i++) {
        for (let j = 0; j < batch; j++) {
          let dot = 0
          let ham = 0
          for (let n = 0; n < neurons; n++) {
            const a = values[i * neurons + n]
            const b = values[j * neurons + n]
            dot += a * b
            ham += a * (1 - b) + (1 - a) * b
          }
          expect(g[i * batch + j]).toBe(dot)
          expect(d[i * batch + j]).toBe(ham)
        }
      }
    }
  })

  it("the WebAssembly Gram equals the JS reference, with and without row padding", () => {
    const wasmGram = makeWasmGram()
    for (const [batch, neurons] of [
      [1, 1],
      [7, 45],
      [33, 256],
      [64, 1000],
      [5, 4096]
    ]) {
      const codes = packCodes(randomCode(batch, neurons, 11, 0.5), batch, neurons)
      expect([...wasmGram(codes)]).toEqual([...gram(codes)])
    }
    // Reusing the instance after a larger call (memory already grown) stays correct.
    const small = packCodes(randomCode(3, 70, 12, 0.5), 3, 70)
    expect([...wasmGram(small)]).toEqual([...gram(small)])
  })

  it("packSpikes reads the same codes from a tensor through the 16-bit-halves matMul and the plain path", () => {
    for (const [batch, neurons] of [
      [6, 96],
      [5, 50]
    ]) {
      const values = randomCode(batch, neurons, 4, 0.4)
      const spikes = tf.tensor2d(values, [batch, neurons])
      const packed = packSpikes(spikes)
      spikes.dispose()
      expect(packed).toEqual(packCodes(values, batch, neurons))
    }
  })

  it("packSpikes falls back to the plain path for values that are not 0/1 and leaks no tensor", () => {
    const before = tf.memory().numTensors
    const values = new Float32Array(64).map((_, i) => (i % 3 === 0 ? 0.5 : 0))
    const spikes = tf.tensor2d(values, [2, 32])
    expect(packSpikes(spikes)).toEqual(packCodes(values, 2, 32))
    spikes.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("float32 recipe of one call", () => {
  it("matches the same arithmetic on float32 tensors, entry for entry", () => {
    const batch = 12
    const neurons = 300
    const values = randomCode(batch, neurons, 5, 0.2)
    for (const normaliser of ["official", "no-N"] as const) {
      const k = new Float64Array(batch * batch)
      accumulateCall(k, packCodes(values, batch, neurons), normaliser)
      const reference = tf.tidy(() => {
        const x = tf.tensor2d(values, [batch, neurons])
        const r = tf.div<tf.Tensor1D>(tf.sum(x, 1), tf.scalar(neurons))
        const q = tf.sub<tf.Tensor1D>(tf.scalar(1), r)
        const d = tf.add(tf.matMul(x, tf.sub(1, x), false, true), tf.matMul(tf.sub(1, x), x, false, true))
        const mixed = tf.add(tf.outerProduct(r, q), tf.outerProduct(q, r))
        const e = normaliser === "official" ? tf.mul(mixed, tf.scalar(neurons)) : mixed
        const resc = tf.div(tf.scalar(0.5), tf.add(e, tf.scalar(1e-3)))
        return tf.sub(tf.scalar(neurons), tf.mul(resc, d))
      })
      expect([...k]).toEqual([...reference.dataSync()])
      reference.dispose()
    }
  })
})

describe("log|det|", () => {
  it("is exact on small matrices that need pivoting, and gives the sign", () => {
    // det [[0, 2], [3, 1]] = −6
    expect(logAbsDet(Float64Array.from([0, 2, 3, 1]), 2)).toEqual({ logAbsDet: Math.log(6), sign: -1 })
    // A permutation matrix times 5: |det| = 125, sign of the 3-cycle = +1
    const p = logAbsDet(Float64Array.from([0, 5, 0, 0, 0, 5, 5, 0, 0]), 3)
    expect(p.logAbsDet).toBeCloseTo(Math.log(125), 12)
    expect(p.sign).toBe(1)
  })

  it("agrees with log|det A| + log|det B| = log|det AB| on random matrices", () => {
    const n = 40
    const draws = Rng.draws({ seed: 9, stream: "test/logdet", index: 0 })
    const a = Float64Array.from({ length: n * n }, () => draws.normal())
    const b = Float64Array.from({ length: n * n }, () => draws.normal())
    const ab = new Float64Array(n * n)
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) ab[i * n + j] += a[i * n + k] * b[k * n + j]
    const lhs = logAbsDet(ab, n)
    const rhs = logAbsDet(a, n).logAbsDet + logAbsDet(b, n).logAbsDet
    expect(Math.abs(lhs.logAbsDet - rhs) / Math.abs(rhs)).toBeLessThan(1e-10)
    expect(lhs.sign).toBe(logAbsDet(a, n).sign * logAbsDet(b, n).sign)
  })

  it("computes logarithms within a few ulp of Math.log, exactly 0 at 1, with the same code on every runtime", () => {
    expect(portableLog(1)).toBe(0)
    expect(portableLog(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(portableLog(-1)).toBeNaN()
    const draws = Rng.draws({ seed: 3, stream: "test/log", index: 0 })
    const values = [5e-324, 2.2250738585072014e-308, 0.5, 2, Math.SQRT2, 1 - 2 ** -53, 1 + 2 ** -52, 1e300]
    for (let i = 0; i < 20_000; i++) values.push(Math.exp(60 * (draws.float() - 0.5)))
    for (const x of values) {
      const exact = Math.log(x)
      expect(Math.abs(portableLog(x) - exact)).toBeLessThanOrEqual(
        4 * Number.EPSILON * Math.max(1, Math.abs(exact))
      )
    }
    // The value whose Math.log differs between Node 20's and Deno's V8 (one ulp).
    const bits = new DataView(new ArrayBuffer(8))
    bits.setBigUint64(0, 0x3fc838a2a2d72942n)
    const x = bits.getFloat64(0)
    expect(Math.abs(portableLog(x) - Math.log(x))).toBeLessThanOrEqual(
      2 * Number.EPSILON * Math.abs(Math.log(x))
    )
  })

  it("reports a singular matrix as −Infinity with a reason, never NaN", () => {
    const result = logAbsDet(Float64Array.from([1, 2, 3, 2, 4, 6, 1, 0, 1]), 3)
    expect(result.logAbsDet).toBe(Number.NEGATIVE_INFINITY)
    expect(result.sign).toBe(0)
    expect(result.singular).toMatch(/zero pivot in column/)
    expect(logAbsDet(Float64Array.from([1, Number.NaN, 0, 1]), 2).singular).toMatch(/not finite/)
  })
})

describe("SAHD kernel (METHOD.md §3(d), §7.2)", () => {
  const batch = 64
  const layers = [96, 250, 1024]
  const calls = (seed: number) =>
    layers.map((neurons, l) => ({ neurons, values: randomCode(batch, neurons, seed * 10 + l) }))

  it("is invariant to permuting the batch (relative 1e-9)", () => {
    const base = calls(1)
    const order = Rng.permutation(batch, Rng.draws({ seed: 2, stream: "test/perm", index: 0 }))
    const permuted = base.map((c) => ({
      neurons: c.neurons,
      values: permuteBatch(c.values, batch, c.neurons, order)
    }))
    const a = scoreOf(base, batch).logDet.logAbsDet
    const b = scoreOf(permuted, batch).logDet.logAbsDet
    const wasm = makeSahdKernel(batch, "official", makeWasmGram())
    for (const call of permuted) wasm.add(packCodes(call.values, batch, call.neurons))
    expect(wasm.logDet().logAbsDet).toBe(b)
    expect(Number.isFinite(a)).toBe(true)
    expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(1e-9)
    // The kernel itself permutes exactly.
    const ka = scoreOf(base, batch).kernel.kernel()
    const kb = scoreOf(permuted, batch).kernel.kernel()
    for (let i = 0; i < batch; i++)
      for (let j = 0; j < batch; j++) expect(kb[i * batch + j]).toBe(ka[order[i] * batch + order[j]])
  })

  it("permuting packed rows is the same as permuting the images", () => {
    const { neurons, values } = calls(3)[0]
    const order = Rng.permutation(batch, Rng.draws({ seed: 4, stream: "test/perm", index: 1 }))
    expect(permuteRows(packCodes(values, batch, neurons), order)).toEqual(
      packCodes(permuteBatch(values, batch, neurons, order), batch, neurons)
    )
  })

  it("is invariant to permuting the neurons of a layer (exactly)", () => {
    const base = calls(5)
    const permuted = base.map((c, l) => ({
      neurons: c.neurons,
      values: permuteNeurons(
        c.values,
        batch,
        c.neurons,
        Rng.permutation(c.neurons, Rng.draws({ seed: 6, stream: "test/neurons", index: l }))
      )
    }))
    expect(scoreOf(permuted, batch).logDet.logAbsDet).toBe(scoreOf(base, batch).logDet.logAbsDet)
  })

  it("has diag(K/n) equal to the mean N over calls", () => {
    const { kernel } = scoreOf(calls(7), batch)
    const mean = layers.reduce((a, b) => a + b, 0) / layers.length
    const k = kernel.kernel()
    for (let i = 0; i < batch; i++) expect(k[i * batch + i] / kernel.calls()).toBe(mean)
  })

  it("scores one image repeated as −Infinity (never NaN) and a near-copy batch far lower than distinct images", () => {
    const repeated = layers.map((neurons, l) => {
      const one = randomCode(1, neurons, 8 + l)
      const values = new Float32Array(batch * neurons)
      for (let b = 0; b < batch; b++) values.set(one, b * neurons)
      return { neurons, values }
    })
    const singular = scoreOf(repeated, batch).logDet
    expect(singular.logAbsDet).toBe(Number.NEGATIVE_INFINITY)
    expect(singular.singular).toMatch(/singular/)
    // Flip one neuron per image: no longer singular, but far below distinct codes.
    const near = repeated.map(({ neurons, values }) => {
      const copy = Float32Array.from(values)
      for (let b = 0; b < batch; b++)
        copy[b * neurons + (b % neurons)] = 1 - copy[b * neurons + (b % neurons)]
      return { neurons, values: copy }
    })
    const nearScore = scoreOf(near, batch).logDet.logAbsDet
    const distinct = scoreOf(calls(9), batch).logDet.logAbsDet
    expect(Number.isFinite(nearScore)).toBe(true)
    expect(distinct - nearScore).toBeGreaterThan(50)
  })

  it("is near log(B·N̄) + (B−1)·log 0.5 for independent codes at B = 256 ('official'), and 'no-N' is higher", () => {
    const big = 256
    const neurons = [512, 1024, 2048]
    const callsBig = neurons.map((n, l) => ({ neurons: n, values: randomCode(big, n, 20 + l) }))
    const official = scoreOf(callsBig, big, "official").logDet.logAbsDet
    const mean = neurons.reduce((a, b) => a + b, 0) / neurons.length
    const chance = Math.log(big * mean) + (big - 1) * Math.log(0.5)
    expect(chance).toBeGreaterThan(-170)
    expect(chance).toBeLessThan(-160)
    expect(Math.abs(official - chance)).toBeLessThan(15)
    expect(scoreOf(callsBig, big, "no-N").logDet.logAbsDet).toBeGreaterThan(official + 100)
  })

  it("refuses a call of another batch size and reports an empty kernel", () => {
    const kernel = makeSahdKernel(4, "official")
    expect(() => kernel.add(packCodes(new Float32Array(10), 5, 2))).toThrow(/batch 5/)
    expect(kernel.logDet()).toMatchObject({
      logAbsDet: Number.NEGATIVE_INFINITY,
      singular: "no LIF call was recorded"
    })
  })
})
