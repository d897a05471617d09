/**
 * `memory-budget`: every candidate within a parameter and/or byte budget (bytes at a weight bit-width
 * when the budget has `weightBits`), best first.
 *
 * @since 0.1.0
 */
import { type Plugin, Selector } from "@spikernel/core"
import { Layer } from "effect"
import { Budget, describeBudget, fits, measurable, nothingFits, unmeasuredNote } from "./Budget.ts"
import { droppedNote, usable } from "./Ranking.ts"

/**
 * The candidates within the budget, ranked by metric (ties to the smaller model).
 *
 * @since 0.1.0
 */
export const selectWithinBudget = (
  budget: Budget,
  items: ReadonlyArray<Selector.SelectionItem>
): Selector.Selection => {
  const { ranked, dropped } = usable(items)
  const selected = ranked.filter((item) => fits(budget, item))
  if (selected.length === 0) return { selected, reason: nothingFits(budget, ranked) + droppedNote(dropped) }
  const unmeasured = budget.maxBytes === undefined ? 0 : measurable(budget.weightBits, ranked).unmeasured
  return {
    selected,
    reason:
      `${selected.length} of ${ranked.length} fit ${describeBudget(budget)}` +
      unmeasuredNote(budget.weightBits, unmeasured) +
      droppedNote(dropped)
  }
}

/**
 * @since 0.1.0
 */
export const memoryBudget: Plugin.Plugin<"Selector", Budget, typeof Budget.Encoded, Selector.Selector> = {
  kind: "Selector",
  id: "memory-budget",
  version: 1,
  description: "Every candidate within a parameter and/or byte budget, highest metric first",
  config: Budget,
  layer: (config) =>
    Layer.succeed(Selector.Selector, {
      id: "memory-budget",
      select: (items) => selectWithinBudget(config, items)
    })
}
