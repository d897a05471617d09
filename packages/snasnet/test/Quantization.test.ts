/**
 * Post-training quantization: per-channel symmetric rounding within half a step, integers in range,
 * only convolution and linear weights touched, and BatchNorm folding commuting with it.
 */
import { describe, expect, it } from "@effect/vitest"
import { isQuantized, quantizePerChannel, quantizeTorchWeights } from "../src/Quantization.ts"

// Two output channels of 3 values each (a [2, 3] linear weight), and a channel of zeros.
const values = new Float32Array([0.5, -1.27, 0.001, 3, -0.75, 2.2, 0, 0, 0])
const shape = [3, 3]

describe("post-training quantization", () => {
  it("rounds each channel to a multiple of max|w| / (2^(b−1) − 1), within half a step", () => {
    for (const bits of [8, 4]) {
      const q = 2 ** (bits - 1) - 1
      const { values: out, scales } = quantizePerChannel(values, shape, bits)
      expect(scales[0]).toBeCloseTo(1.27 / q, 7)
      expect(scales[1]).toBeCloseTo(3 / q, 7)
      expect(scales[2]).toBe(0)
      for (let i = 0; i < values.length; i++) {
        const c = Math.floor(i / 3)
        expect(Math.abs(out[i] - values[i])).toBeLessThanOrEqual(scales[c] / 2 + 1e-7)
        if (scales[c] > 0) {
          const level = out[i] / scales[c]
          expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-4)
          expect(Math.abs(Math.round(level))).toBeLessThanOrEqual(q)
        }
      }
      // The largest weight of a channel is exact: it is ±q steps.
      expect(out[3]).toBeCloseTo(3, 6)
    }
    // At 4 bits 0.5 of channel 0 is 0.5 / (1.27 / 7) = 2.76 steps → 3 steps.
    expect(quantizePerChannel(values, shape, 4).values[0]).toBeCloseTo((3 * 1.27) / 7, 6)
  })

  it("commutes with folding a per-channel BatchNorm scale into the weight", () => {
    const a = [0.3, -2]
    const folded = new Float32Array(values.slice(0, 6).map((v, i) => v * a[Math.floor(i / 3)]))
    const quantThenFold = quantizePerChannel(values.slice(0, 6), [2, 3], 8).values.map(
      (v, i) => v * a[Math.floor(i / 3)]
    )
    const foldThenQuant = quantizePerChannel(folded, [2, 3], 8).values
    for (let i = 0; i < 6; i++) expect(foldThenQuant[i]).toBeCloseTo(quantThenFold[i], 5)
  })

  it("touches convolution and linear weights only", () => {
    expect(isQuantized("cell1.cell_architecture.0.1.weight", [4, 4, 3, 3])).toBe(true)
    expect(isQuantized("classifier.1.weight", [256, 196])).toBe(true)
    expect(isQuantized("cell1.cell_architecture.0.2.weight", [4])).toBe(false) // a BatchNorm's γ
    expect(isQuantized("classifier.3.bias", [100])).toBe(false)
    const weights = new Map([
      ["classifier.1.weight", { shape, values }],
      ["last_act.0.running_mean", { shape: [3], values: new Float32Array([0.123, 0.456, 0.789]) }]
    ])
    const out = quantizeTorchWeights(weights, 4)
    expect(out.get("last_act.0.running_mean")).toBe(weights.get("last_act.0.running_mean"))
    expect(out.get("classifier.1.weight")?.values).not.toEqual(values)
  })
})
