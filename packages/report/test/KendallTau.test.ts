import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { kendallTauB } from "../src/KendallTau.ts"

describe("kendallTauB", () => {
  it("matches a hand count without ties", () => {
    // Pairs of x = 1..5 against y = 3 1 2 5 4: discordant (1,2) (1,3) (4,5), the other 7 concordant.
    const t = kendallTauB([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])
    expect(t).toMatchObject({ n: 5, concordant: 7, discordant: 3, tiedX: 0, tiedY: 0, tiedBoth: 0 })
    expect(t.tau).toBeCloseTo(0.4, 12)
  })

  it("corrects for ties in x and in y (τ-b, not τ-a)", () => {
    // x = 1 2 2 3, y = 1 3 2 2: C = 3, D = 1, one pair tied in x, one in y;
    // τ-b = (3 − 1) / √((6 − 1)(6 − 1)) = 0.4, where τ-a would be 2/6.
    const t = kendallTauB([1, 2, 2, 3], [1, 3, 2, 2])
    expect(t).toMatchObject({ concordant: 3, discordant: 1, tiedX: 1, tiedY: 1, tiedBoth: 0 })
    expect(t.tau).toBeCloseTo(0.4, 12)
  })

  it("counts a pair tied in both variables in both tie counts", () => {
    // x = 1 1 2 3, y = 1 1 3 2: C = 4, D = 1, one pair tied in both; τ-b = 3 / √(5·5) = 0.6.
    const t = kendallTauB([1, 1, 2, 3], [1, 1, 3, 2])
    expect(t).toMatchObject({ concordant: 4, discordant: 1, tiedBoth: 1 })
    expect(t.tau).toBeCloseTo(0.6, 12)
  })

  it("is 1 and −1 for the same and the reversed order", () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40]).tau).toBe(1)
    expect(kendallTauB([1, 2, 3, 4], [40, 30, 20, 10]).tau).toBe(-1)
  })

  it("is undefined (NaN) for a constant variable or fewer than two pairs", () => {
    expect(kendallTauB([1, 1, 1], [1, 2, 3]).tau).toBeNaN()
    expect(kendallTauB([1], [1]).tau).toBeNaN()
    expect(kendallTauB([], []).tau).toBeNaN()
  })

  it("ranks −Infinity (a singular SAHD kernel) lowest and drops NaN pairs", () => {
    expect(kendallTauB([Number.NEGATIVE_INFINITY, 1, 2], [0.1, 0.2, 0.3]).tau).toBe(1)
    expect(
      kendallTauB([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 2], [0.1, 0.2, 0.3])
    ).toMatchObject({
      tiedX: 1,
      concordant: 2
    })
    const t = kendallTauB([1, Number.NaN, 2], [1, 5, 2])
    expect(t.n).toBe(2)
    expect(t.tau).toBe(1)
  })

  it("is symmetric, antisymmetric under negation and within [−1, 1]", () => {
    const sample = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), {
      minLength: 2,
      maxLength: 30
    })
    fc.assert(
      fc.property(sample, (pairs) => {
        const x = pairs.map(([a]) => a)
        const y = pairs.map(([, b]) => b)
        const t = kendallTauB(x, y).tau
        if (Number.isNaN(t)) return true
        expect(kendallTauB(y, x).tau).toBeCloseTo(t, 12)
        expect(
          kendallTauB(
            x,
            y.map((v) => -v)
          ).tau
        ).toBeCloseTo(-t, 12)
        expect(Math.abs(t)).toBeLessThanOrEqual(1 + 1e-12)
        return true
      })
    )
  })
})
