/**
 * `best-under-budget`: SpiKernel's step 4 rule (METHOD.md §6.5) — the highest accuracy among the
 * models within the memory budget; on a tie, the smaller model.
 *
 * @since 0.1.0
 */
import { type Plugin, Selector } from "@spikernel/core"
import { Layer } from "effect"
import { Budget, describeBudget, fits, nothingFits } from "./Budget.ts"
import { droppedNote, usable } from "./Ranking.ts"

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
  const feasible = ranked.filter((item) => fits(budget, item))
  if (feasible.length === 0)
    return { selected: [], reason: nothingFits(budget, ranked) + droppedNote(dropped) }
  const best = feasible[0]
  const tied = feasible.filter((item) => item.metric === best.metric).length
  return {
    selected: [best],
    reason:
      `${best.id} has the highest metric (${best.metric}) of the ${feasible.length} of ${ranked.length} ` +
      `that fit ${describeBudget(budget)}` +
      (tied > 1 ? `; ${tied} tied, the smallest (${best.bytes.toLocaleString("en-US")} bytes) wins` : "") +
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
