/**
 * The contract every Selector must pass (core's `Selector.ts`: a pure function of records):
 *
 * - it selects a subset of its input: every selected item is an input item, unchanged, at most once;
 * - the same input gives the same selection, and (where the selector promises it) shuffling the
 *   input does not change it;
 * - empty input gives an empty selection with a reason;
 * - items without a comparable metric (NaN) are never selected, are ignored, and the reason says so;
 * - the reason is one non-empty line, and the selection survives a JSON round trip.
 *
 * @since 0.1.0
 */
import { describe, expect, layer } from "@effect/vitest"
import { Architecture, Rng, Selector } from "@spikernel/core"
import { Effect, type Layer, Schema } from "effect"

/**
 * @since 0.1.0
 */
export interface SelectorContractOptions {
  readonly layer: Layer.Layer<Selector.Selector, unknown>
  /** The id the service must report. */
  readonly id: string
  /** The items to select from (default: {@link selectionItems}). */
  readonly items?: ReadonlyArray<Selector.SelectionItem>
  /** The selector's result does not depend on the order of its input (default true). */
  readonly orderIndependent?: boolean
  /** What the reason says when NaN items were ignored (default /NaN/). */
  readonly ignoredNote?: RegExp
}

const cells: ReadonlyArray<string> = [
  "0302 0030 0003 0000",
  "0201 0030 0002 0000",
  "0122 0013 0004 0000",
  "0300 0020 0001 0000",
  "0043 0002 0001 0000",
  "0214 0031 0003 0000"
]

const architecture = (i: number): Architecture.Architecture => {
  const parsed = Architecture.parseMatrix(cells[i % cells.length])
  if (parsed.problem !== undefined) throw new Error(parsed.problem)
  return { cellType: "forward", kernels: [1, 3], matrix: parsed.value }
}

const metrics = [0.61, 0.72, 0.72, 0.55, 0.9, -Infinity, 0.72, 0.4, 0.88, 0.9, 0.1, 0.66]

/**
 * Twelve items with ties in metric and in size, a −Infinity metric (a singular SAHD kernel) and
 * sizes from 1,000 to 12,000 parameters at 4 bytes each.
 *
 * @since 0.1.0
 */
export const selectionItems: ReadonlyArray<Selector.SelectionItem> = metrics.map((metric, i) => {
  const params = 1000 * (1 + ((i * 5) % 12))
  return { id: `c${i}`, architecture: architecture(i), metric, params, bytes: 4 * params }
})

const shuffled = <A>(items: ReadonlyArray<A>, index: number): Array<A> => {
  const order = Rng.permutation(items.length, Rng.draws({ seed: 4, stream: "testing/selector-order", index }))
  return Array.from(order, (i) => items[i])
}

const roundTrip = (selection: Selector.Selection): Selector.Selection =>
  Schema.decodeUnknownSync(Selector.Selection)(
    JSON.parse(JSON.stringify(Schema.encodeSync(Selector.Selection)(selection)))
  )

/**
 * Registers the contract tests of a Selector under `describe(name)`.
 *
 * @since 0.1.0
 */
export const selectorContract = (name: string, options: SelectorContractOptions): void => {
  const items = options.items ?? selectionItems
  const orderIndependent = options.orderIndependent ?? true
  const ignoredNote = options.ignoredNote ?? /NaN/
  const selector = Effect.service(Selector.Selector)
  const withNaN = [
    ...items,
    ...items.slice(0, 3).map((item, i) => ({ ...item, id: `nan${i}`, metric: Number.NaN }))
  ]
  const expectReason = (selection: Selector.Selection) => {
    expect(selection.reason.trim()).not.toBe("")
    expect(selection.reason.split("\n")).toHaveLength(1)
  }
  const expectSubset = (selection: Selector.Selection, input: ReadonlyArray<Selector.SelectionItem>) => {
    const byId = new Map(input.map((item) => [item.id, item]))
    const ids = selection.selected.map((item) => item.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const item of selection.selected) expect(item).toEqual(byId.get(item.id))
  }

  describe(`${name} (Selector contract)`, () => {
    layer(options.layer)((it) => {
      it.effect("reports its id", () =>
        Effect.map(selector, (s) => {
          expect(s.id).toBe(options.id)
        })
      )

      it.effect("selects a subset of its input, items unchanged, each at most once", () =>
        Effect.map(selector, (s) => {
          const selection = s.select(items)
          expectSubset(selection, items)
          expect(selection.selected.length).toBeGreaterThan(0)
          expectReason(selection)
          expect(roundTrip(selection)).toEqual(selection)
        })
      )

      it.effect("is deterministic", () =>
        Effect.map(selector, (s) => {
          expect(s.select(items)).toEqual(s.select(items))
          expect(s.select(withNaN)).toEqual(s.select(withNaN))
        })
      )

      if (orderIndependent) {
        it.effect("does not depend on the order of its input", () =>
          Effect.map(selector, (s) => {
            const expected = s.select(items)
            for (let i = 0; i < 5; i++) {
              expect(s.select(shuffled(items, i))).toEqual(expected)
              expect(s.select(shuffled(withNaN, i))).toEqual(s.select(withNaN))
            }
          })
        )
      }

      it.effect("selects nothing from nothing, and says so", () =>
        Effect.map(selector, (s) => {
          const selection = s.select([])
          expect(selection.selected).toEqual([])
          expectReason(selection)
        })
      )

      it.effect("ignores items without a comparable metric (NaN), and says so", () =>
        Effect.map(selector, (s) => {
          const selection = s.select(withNaN)
          expectSubset(selection, withNaN)
          for (const item of selection.selected) expect(Number.isNaN(item.metric), item.id).toBe(false)
          expect(selection.selected).toEqual(s.select(items).selected)
          expectReason(selection)
          expect(selection.reason).toMatch(ignoredNote)
          const onlyNaN = s.select(withNaN.filter((item) => Number.isNaN(item.metric)))
          expect(onlyNaN.selected).toEqual([])
          expectReason(onlyNaN)
          expect(onlyNaN.reason).toMatch(ignoredNote)
        })
      )
    })
  })
}
