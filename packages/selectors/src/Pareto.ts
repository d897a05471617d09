/**
 * `pareto`: the accuracy–memory Pareto front (METHOD.md §6.5, step 4 of SpiKernel).
 *
 * An item is on the front when no other item has a metric at least as high and a memory at most as
 * large, with one of the two strictly better (core's `Pareto.paretoFront`). Items with identical
 * (memory, metric) do not dominate each other, so duplicates of a front point all stay on it; they
 * come in the selectors' ranking order.
 *
 * @since 0.1.0
 */
import { Pareto, type Plugin, Selector } from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"
import { compareItems, droppedNote, usable } from "./Ranking.ts"

/**
 * Which memory figure the front trades against: weight bytes (default) or parameter count.
 *
 * @since 0.1.0
 */
export const ParetoConfig = Schema.Struct({
  memory: Schema.Literals(["bytes", "params"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("bytes" as const))
  )
})

/**
 * @since 0.1.0
 */
export type ParetoConfig = typeof ParetoConfig.Type

/**
 * The front, smallest memory first (so the metric rises along it).
 *
 * @since 0.1.0
 */
export const paretoFront = (
  config: ParetoConfig,
  items: ReadonlyArray<Selector.SelectionItem>
): Selector.Selection => {
  const { ranked, dropped } = usable(items)
  if (ranked.length === 0) return { selected: [], reason: `no candidates${droppedNote(dropped)}` }
  const memory = (item: Selector.SelectionItem): number =>
    config.memory === "bytes" ? item.bytes : item.params
  const selected = Pareto.paretoFront(ranked, memory, (item) => item.metric, compareItems)
  return {
    selected,
    reason: `${selected.length} of ${ranked.length} on the metric–${config.memory} Pareto front${droppedNote(dropped)}`
  }
}

/**
 * @since 0.1.0
 */
export const pareto: Plugin.Plugin<"Selector", ParetoConfig, typeof ParetoConfig.Encoded, Selector.Selector> =
  {
    kind: "Selector",
    id: "pareto",
    version: 1,
    description: "The metric–memory Pareto front, smallest memory first",
    config: ParetoConfig,
    layer: (config) =>
      Layer.succeed(Selector.Selector, { id: "pareto", select: (items) => paretoFront(config, items) })
  }
