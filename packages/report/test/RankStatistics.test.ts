/**
 * The statistics of the proxy-quality study (issue 18): Spearman's ρ with ties against SciPy's
 * `spearmanr` (1.17.1, values printed on this machine), the bootstrap interval of τ-b on known cases,
 * top-k overlap and the pick's regret.
 */
import { describe, expect, it } from "vitest"
import { kendallTauB } from "../src/KendallTau.ts"
import {
  averageRanks,
  kendallInterval,
  pickWithinRate,
  regretOfPick,
  spearmanInterval,
  spearmanRho,
  topKOverlap
} from "../src/RankStatistics.ts"
import { Rng } from "@spikernel/core"

describe("spearmanRho", () => {
  it("gives ties their average rank", () => {
    expect(averageRanks([10, 20, 20, 30, 20])).toEqual([1, 3, 3, 5, 3])
    expect(averageRanks([-Infinity, 0, Infinity])).toEqual([1, 2, 3])
  })

  it("equals SciPy's spearmanr with ties in both variables", () => {
    // scipy.stats.spearmanr([1,2,2,3,5,5,5,8], [2,1,4,4,3,6,6,9]) = 0.7889568540593018
    expect(spearmanRho([1, 2, 2, 3, 5, 5, 5, 8], [2, 1, 4, 4, 3, 6, 6, 9])).toBeCloseTo(
      0.7889568540593018,
      12
    )
    // scipy.stats.spearmanr([10,20,20,30], [1,1,2,3]) = 0.8333333333333335
    expect(spearmanRho([10, 20, 20, 30], [1, 1, 2, 3])).toBeCloseTo(0.8333333333333335, 12)
    // and τ-b on the first case: scipy.stats.kendalltau = 0.6805446536716204
    expect(kendallTauB([1, 2, 2, 3, 5, 5, 5, 8], [2, 1, 4, 4, 3, 6, 6, 9]).tau).toBeCloseTo(
      0.6805446536716204,
      12
    )
  })

  it("drops pairs with a NaN and is NaN for a constant variable", () => {
    expect(spearmanRho([1, Number.NaN, 2, 3], [1, 5, 2, 3])).toBeCloseTo(1, 12)
    expect(spearmanRho([1, 1, 1], [1, 2, 3])).toBeNaN()
  })
})

describe("bootstrap intervals", () => {
  it("is [1, 1] for a perfectly concordant sample, and the same interval for the same seed", () => {
    const x = Array.from({ length: 30 }, (_, i) => i)
    const y = x.map((v) => v * v)
    const interval = kendallInterval(x, y, { seed: 3, resamples: 500 })
    expect(interval).toMatchObject({ value: 1, low: 1, high: 1, level: 0.95, resamples: 500, defined: 500 })
    const noisy = x.map((v, i) => v + ((i * 7919) % 13))
    expect(kendallInterval(x, noisy, { seed: 3, resamples: 300 })).toEqual(
      kendallInterval(x, noisy, { seed: 3, resamples: 300 })
    )
    expect(kendallInterval(x, noisy, { seed: 3, resamples: 300 })).not.toEqual(
      kendallInterval(x, noisy, { seed: 4, resamples: 300 })
    )
  })

  it("covers 0 for independent samples, about as wide as τ's asymptotic standard error says", () => {
    const n = 200
    const source = Rng.draws({ seed: 11, stream: "test/independent", index: 0 })
    const x = Array.from({ length: n }, () => source.normal())
    const y = Array.from({ length: n }, () => source.normal())
    const tau = kendallInterval(x, y, { seed: 1, resamples: 1000 })
    expect(tau.low).toBeLessThan(0)
    expect(tau.high).toBeGreaterThan(0)
    // Var(τ) under independence = 2(2n+5) / (9n(n−1)); a 95 % interval is about ±1.96 sd wide.
    const expected = 2 * 1.96 * Math.sqrt((2 * (2 * n + 5)) / (9 * n * (n - 1)))
    expect(tau.high - tau.low).toBeGreaterThan(0.8 * expected)
    expect(tau.high - tau.low).toBeLessThan(1.2 * expected)
    const rho = spearmanInterval(x, y, { seed: 1, resamples: 1000 })
    expect(rho.low).toBeLessThan(0)
    expect(rho.high).toBeGreaterThan(0)
  })

  it("excludes 0 for a strongly related sample", () => {
    const source = Rng.draws({ seed: 5, stream: "test/related", index: 0 })
    const x = Array.from({ length: 40 }, () => source.normal())
    const y = x.map((v) => v + 0.5 * source.normal())
    const tau = kendallInterval(x, y, { seed: 2, resamples: 1000 })
    expect(tau.low).toBeGreaterThan(0.3)
    expect(tau.value).toBeGreaterThan(tau.low)
    expect(tau.value).toBeLessThan(tau.high)
  })
})

describe("top-k overlap and the pick", () => {
  it("counts the shared members of the two top-k sets", () => {
    const accuracy = [0.5, 0.9, 0.7, 0.8, 0.6]
    expect(topKOverlap([5, 9, 7, 8, 6], accuracy, 2)).toBe(1)
    expect(topKOverlap([9, 5, 7, 8, 6], accuracy, 2)).toBe(0.5)
    expect(topKOverlap([9, 5, 6, 1, 8], accuracy, 2)).toBe(0)
  })

  it("says how much accuracy the proxy's pick gives up, and how often a small search's pick is within x points", () => {
    const accuracy = [0.5, 0.9, 0.7, 0.8, 0.6]
    expect(regretOfPick([1, 2, 3, 4, 5], accuracy)).toBeCloseTo(0.3, 12)
    expect(regretOfPick(accuracy, accuracy)).toBe(0)
    // A proxy equal to accuracy always picks the subset's best; a reversed one never does for subsets of ≥ 2.
    expect(pickWithinRate(accuracy, accuracy, { subset: 3, points: 0, seed: 1, trials: 200 })).toBe(1)
    expect(
      pickWithinRate(
        accuracy.map((a) => -a),
        accuracy,
        { subset: 3, points: 0.0, seed: 1, trials: 200 }
      )
    ).toBe(0)
    // Within 0.1 and 3 of 5: the reversed proxy picks the subset's worst, within 0.1 only when the
    // subset's spread is at most 0.1 — never here (any 3 of these span at least 0.2).
    expect(
      pickWithinRate(
        accuracy.map((a) => -a),
        accuracy,
        { subset: 3, points: 0.1, seed: 1, trials: 200 }
      )
    ).toBe(0)
    expect(
      pickWithinRate(
        accuracy.map((a) => -a),
        accuracy,
        { subset: 3, points: 0.2, seed: 1, trials: 200 }
      )
    ).toBeGreaterThan(0)
  })
})
