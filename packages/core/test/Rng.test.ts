import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { draws, permutation, philox4x32 } from "../src/Rng.ts"

const hex = (words: Uint32Array) => [...words].map((w) => w.toString(16).padStart(8, "0")).join(" ")

interface Vector {
  readonly key: { seed: number; stream: string; index: number }
  readonly uint32: ReadonlyArray<number>
  readonly float: ReadonlyArray<number>
  readonly int10: ReadonlyArray<number>
}
const vectors: ReadonlyArray<Vector> = JSON.parse(
  readFileSync(new URL("./rng-vectors.json", import.meta.url), "utf8")
)

describe("Philox4x32-10", () => {
  it("matches the Random123 known-answer vectors", () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe("6627e8d5 e169c58d bc57ac4c 9b00dbd8")
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe(
      "408f276d 41c83b0e a20bc7c6 6d5451fd"
    )
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      "d16cfe09 94fdcceb 5001e420 24126ea1"
    )
  })
})

describe("draws", () => {
  it("reproduces the committed vectors (the Deno test checks the same file)", () => {
    for (const vector of vectors) {
      const d = draws(vector.key)
      expect(Array.from({ length: 6 }, () => d.uint32())).toEqual(vector.uint32)
      expect([d.float(), d.float()]).toEqual(vector.float)
      expect(Array.from({ length: 4 }, () => d.int(10))).toEqual(vector.int10)
    }
  })

  it("does not depend on call order: index 7 is the same before or after index 3", () => {
    const key = { seed: 99, stream: "search/random" }
    const first = Array.from({ length: 5 }, () => draws({ ...key, index: 7 }).uint32())
    const a = draws({ ...key, index: 3 })
    for (let i = 0; i < 1000; i++) a.uint32()
    const again = draws({ ...key, index: 7 })
    expect(again.uint32()).toBe(first[0])
  })

  it("is uniform: a chi-square test over 64 bins at p = 0.001", () => {
    const bins = new Array<number>(64).fill(0)
    const n = 64_000
    const d = draws({ seed: 7, stream: "uniformity", index: 0 })
    for (let i = 0; i < n; i++) bins[Math.floor(d.float() * 64)]++
    const expected = n / 64
    const chi2 = bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0)
    // χ²(63) has its 0.999 quantile at 103.4: a biased generator fails this.
    expect(chi2).toBeLessThan(103.4)
    // ... and a generator that is too regular (e.g. a counter) fails the lower tail (0.001 quantile 34.0).
    expect(chi2).toBeGreaterThan(34.0)
  })

  it("keeps int(n) unbiased for n that does not divide 2^32", () => {
    const d = draws({ seed: 3, stream: "int", index: 0 })
    const counts = [0, 0, 0]
    for (let i = 0; i < 30_000; i++) counts[d.int(3)]++
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400)
  })

  it("gives independent streams: names, indices and seeds decorrelate", () => {
    const sample = (seed: number, stream: string, index: number) => {
      const d = draws({ seed, stream, index })
      return Array.from({ length: 20_000 }, () => d.float())
    }
    const correlation = (x: ReadonlyArray<number>, y: ReadonlyArray<number>) => {
      const mx = x.reduce((a, b) => a + b) / x.length
      const my = y.reduce((a, b) => a + b) / y.length
      let sxy = 0
      let sxx = 0
      let syy = 0
      for (let i = 0; i < x.length; i++) {
        sxy += (x[i] - mx) * (y[i] - my)
        sxx += (x[i] - mx) ** 2
        syy += (y[i] - my) ** 2
      }
      return sxy / Math.sqrt(sxx * syy)
    }
    const base = sample(1, "a", 0)
    // |r| of independent samples of 20,000 has a standard deviation of 0.007: 0.03 is > 4 sigma.
    for (const other of [sample(1, "b", 0), sample(1, "a", 1), sample(2, "a", 0)]) {
      expect(Math.abs(correlation(base, other))).toBeLessThan(0.03)
      expect(other).not.toEqual(base)
    }
  })

  it("rejects a negative or fractional seed", () => {
    expect(() => draws({ seed: -1, stream: "s", index: 0 })).toThrow(
      /seed must be a non-negative safe integer/
    )
    expect(() => draws({ seed: 0, stream: "s", index: 0.5 })).toThrow(/stream index must be/)
  })

  it("shuffles into a permutation, reproducibly", () => {
    const p = permutation(1000, draws({ seed: 5, stream: "perm", index: 0 }))
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(permutation(1000, draws({ seed: 5, stream: "perm", index: 0 }))).toEqual(p)
    expect(permutation(1000, draws({ seed: 6, stream: "perm", index: 0 }))).not.toEqual(p)
  })
})
