/**
 * The Pareto front of a cost (memory) and a value (accuracy, a score): the items no other item beats
 * on both. The one implementation: the `pareto` selector and the report's accuracy–memory plot both
 * use it (METHOD.md §6.5, step 4 of SpiKernel).
 *
 * @since 0.1.0
 */

// Comparisons rather than differences, so infinite values sort without producing NaN.
const order = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The items on the front, cheapest first (so the value rises along it).
 *
 * An item is on the front when no other item has a cost at most as large and a value at least as high
 * with one of the two strictly better. Items with identical (cost, value) do not dominate each other,
 * so duplicates of a front point all stay on it. Items with a NaN cost or value are left out.
 *
 * @since 0.1.0
 */
export const paretoFront = <A>(
  items: ReadonlyArray<A>,
  cost: (item: A) => number,
  value: (item: A) => number,
  /** The order of items with equal cost and value (default: their input order). */
  tieBreak: (a: A, b: A) => number = () => 0
): ReadonlyArray<A> => {
  const usable = items.filter((item) => !Number.isNaN(cost(item)) && !Number.isNaN(value(item)))
  // Sweep by cost ascending, best value first within a cost: an item is on the front iff its value is
  // the best of its cost group and beats every cheaper item.
  const sorted = [...usable].sort(
    (a, b) => order(cost(a), cost(b)) || order(value(b), value(a)) || tieBreak(a, b)
  )
  const front: Array<A> = []
  let bestCheaper = Number.NEGATIVE_INFINITY
  let anyCheaper = false
  let i = 0
  while (i < sorted.length) {
    const groupCost = cost(sorted[i])
    const groupBest = value(sorted[i])
    const beats = !anyCheaper || groupBest > bestCheaper
    let j = i
    while (j < sorted.length && cost(sorted[j]) === groupCost) {
      if (beats && value(sorted[j]) === groupBest) front.push(sorted[j])
      j++
    }
    if (beats) bestCheaper = groupBest
    anyCheaper = true
    i = j
  }
  return front
}

/**
 * The 2-D hypervolume: the area of the region of (cost, value) that the items dominate, bounded by
 * `reference` (cost at most `reference.cost`, value at least `reference.value`). Items outside the
 * reference box, or with a non-finite cost or value, add nothing. The usual figure for comparing the
 * fronts of multi-objective searches on equal budgets (larger is better; the same reference for
 * every front compared).
 *
 * @since 0.1.0
 */
export const hypervolume = <A>(
  items: ReadonlyArray<A>,
  cost: (item: A) => number,
  value: (item: A) => number,
  reference: { readonly cost: number; readonly value: number }
): number => {
  const inside = items.filter(
    (item) =>
      Number.isFinite(cost(item)) &&
      Number.isFinite(value(item)) &&
      cost(item) <= reference.cost &&
      value(item) >= reference.value
  )
  // Along the front (cheapest first, value rising), between one point's cost and the next one's the
  // best value within reach is that point's.
  const front = paretoFront(inside, cost, value)
  let area = 0
  for (let k = 0; k < front.length; k++) {
    const next = k + 1 < front.length ? cost(front[k + 1]) : reference.cost
    area += (next - cost(front[k])) * (value(front[k]) - reference.value)
  }
  return area
}
