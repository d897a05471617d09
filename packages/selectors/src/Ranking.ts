/**
 * The order every selector ranks by: metric descending, then the smaller model (bytes, then
 * params), then the id, so that equal metrics are broken the way METHOD.md §6.5 asks ("on a tie,
 * pick the smaller model") and the result never depends on the input order.
 *
 * @since 0.1.0
 */
import type { Selector } from "@spikernel/core"

type Item = Selector.SelectionItem

/**
 * Negative when `a` ranks before `b`. −Infinity (a singular SAHD kernel) ranks below every finite
 * metric; NaN items are dropped before ranking (see {@link usable}).
 *
 * @since 0.1.0
 */
export const compareItems = (a: Item, b: Item): number => {
  if (a.metric !== b.metric) return a.metric > b.metric ? -1 : 1
  if (a.bytes !== b.bytes) return a.bytes - b.bytes
  if (a.params !== b.params) return a.params - b.params
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/**
 * The items with a comparable metric (not NaN), ranked, and how many NaN items were dropped.
 *
 * @since 0.1.0
 */
export const usable = (
  items: ReadonlyArray<Item>
): { readonly ranked: ReadonlyArray<Item>; readonly dropped: number } => {
  const kept = items.filter((item) => !Number.isNaN(item.metric))
  return { ranked: [...kept].sort(compareItems), dropped: items.length - kept.length }
}

/**
 * ", 2 without a metric (NaN) ignored" or "" — appended to a selection's reason.
 *
 * @since 0.1.0
 */
export const droppedNote = (dropped: number): string =>
  dropped === 0 ? "" : `; ${dropped} without a comparable metric (NaN) ignored`
