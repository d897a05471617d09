/**
 * `best-under-budget`: SpiKernel's step 4 rule (METHOD.md §6.5) — the highest accuracy among the
 * models within the memory budget; on a tie, the smaller model (by the bytes the budget caps: at its
 * `weightBits` when it has one).
 *
 * @since 0.1.0
 */
import { type Plugin, Selector } from "@spikernel/core"
import { Layer } from "effect"
import {
  Budget,
  budgetBytes,
  describeBudget,
  fits,
  measurable,
  nothingFits,
  unmeasuredNote
} from "./Budget.ts"
import { compareItems, droppedNote, usable } from "./Ranking.ts"

/**
 * One item (the best that fits) or none, with a reason that says which or why not.
 *
 * @since 0.1.0
 */
export const selectBestUnderBudget = (
  budget: Budget,
  items: ReadonlyArray<Selector.SelectionItem>
): Selector.Selection => {
  const { ranked, dropped } = usable(items)
  const size = (item: Selector.SelectionItem) =>
    budgetBytes(budget.weightBits, item) ?? Number.POSITIVE_INFINITY
  const feasible = ranked
    .filter((item) => fits(budget, item))
    .sort((a, b) => (a.metric !== b.metric ? compareItems(a, b) : size(a) - size(b) || compareItems(a, b)))
  if (feasible.length === 0)
    return { selected: [], reason: nothingFits(budget, ranked) + droppedNote(dropped) }
  const unmeasured = budget.maxBytes === undefined ? 0 : measurable(budget.weightBits, ranked).unmeasured
  const best = feasible[0]
  const tied = feasible.filter((item) => item.metric === best.metric).length
  const bits = budget.weightBits === undefined ? "" : ` at ${budget.weightBits} bits`
  return {
    selected: [best],
    reason:
      `${best.id} has the highest metric (${best.metric}) of the ${feasible.length} of ${ranked.length} ` +
      `that fit ${describeBudget(budget)}` +
      (tied > 1
        ? `; ${tied} tied, the smallest (${size(best).toLocaleString("en-US")} bytes${bits}) wins`
        : "") +
      unmeasuredNote(budget.weightBits, unmeasured) +
      droppedNote(dropped)
  }
}

/**
 * @since 0.1.0
 */
export const bestUnderBudget: Plugin.Plugin<"Selector", Budget, typeof Budget.Encoded, Selector.Selector> = {
  kind: "Selector",
  id: "best-under-budget",
  version: 1,
  description: "The highest metric among the candidates within the budget; ties go to the smaller model",
  config: Budget,
  layer: (config) =>
    Layer.succeed(Selector.Selector, {
      id: "best-under-budget",
      select: (items) => selectBestUnderBudget(config, items)
    })
}
