import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Pareto } from "@spikernel/core"

const { paretoFront } = Pareto

interface Item {
  readonly id: string
  readonly bytes: number
  readonly accuracy: number
}

const front = (items: ReadonlyArray<Item>) =>
  paretoFront(
    items,
    (item) => item.bytes,
    (item) => item.accuracy
  ).map((item) => item.id)

describe("paretoFront", () => {
  it("matches a hand-computed front, cheapest first", () => {
    // B beats A on accuracy at more memory; C loses to B at the same memory; D only ties B's accuracy
    // with more memory; E and F are duplicates and both stay; G is dominated; H is the most accurate.
    const items: ReadonlyArray<Item> = [
      { id: "G", bytes: 5, accuracy: 0.7 },
      { id: "D", bytes: 3, accuracy: 0.85 },
      { id: "A", bytes: 1, accuracy: 0.8 },
      { id: "H", bytes: 6, accuracy: 0.95 },
      { id: "C", bytes: 2, accuracy: 0.83 },
      { id: "E", bytes: 4, accuracy: 0.9 },
      { id: "B", bytes: 2, accuracy: 0.85 },
      { id: "F", bytes: 4, accuracy: 0.9 }
    ]
    expect(front(items)).toEqual(["A", "B", "E", "F", "H"])
  })

  it("keeps only the smallest of equally accurate models, and drops NaN", () => {
    expect(
      front([
        { id: "big", bytes: 9, accuracy: 0.9 },
        { id: "small", bytes: 1, accuracy: 0.9 },
        { id: "nan", bytes: 0, accuracy: Number.NaN }
      ])
    ).toEqual(["small"])
    expect(front([])).toEqual([])
  })

  it("equals the brute-force definition: the items no other item dominates", () => {
    const items = fc.array(
      fc.record({ bytes: fc.integer({ min: 0, max: 8 }), accuracy: fc.integer({ min: 0, max: 8 }) }),
      { maxLength: 40 }
    )
    fc.assert(
      fc.property(items, (raw) => {
        const all = raw.map((item, i) => ({ id: String(i), ...item }))
        const dominated = (a: Item) =>
          all.some(
            (b) =>
              b.bytes <= a.bytes && b.accuracy >= a.accuracy && (b.bytes < a.bytes || b.accuracy > a.accuracy)
          )
        const expected = new Set(all.filter((a) => !dominated(a)).map((a) => a.id))
        const got = front(all)
        expect(new Set(got)).toEqual(expected)
        expect(got.length).toBe(expected.size)
        return true
      })
    )
  })
})
