/**
 * `top-k`: the k best candidates by metric (ties to the smaller model).
 *
 * @since 0.1.0
 */
import { type Plugin, Selector } from "@spikernel/core"
import { Layer, Schema } from "effect"
import { droppedNote, usable } from "./Ranking.ts"

/**
 * @since 0.1.0
 */
export const TopKConfig = Schema.Struct({
  k: Schema.Int.check(Schema.isGreaterThan(0))
})

/**
 * @since 0.1.0
 */
export type TopKConfig = typeof TopKConfig.Type

/**
 * The k best items, best first. Fewer when there are fewer items; none (with a reason) when empty.
 *
 * @since 0.1.0
 */
export const selectTopK = (
  config: TopKConfig,
  items: ReadonlyArray<Selector.SelectionItem>
): Selector.Selection => {
  const { ranked, dropped } = usable(items)
  if (ranked.length === 0) return { selected: [], reason: `no candidates to rank${droppedNote(dropped)}` }
  const selected = ranked.slice(0, config.k)
  return {
    selected,
    reason: `top ${selected.length} of ${ranked.length} by metric (ties to the smaller model)${droppedNote(dropped)}`
  }
}

/**
 * @since 0.1.0
 */
export const topK: Plugin.Plugin<"Selector", TopKConfig, typeof TopKConfig.Encoded, Selector.Selector> = {
  kind: "Selector",
  id: "top-k",
  version: 1,
  description: "The k candidates with the highest metric; ties go to the smaller model",
  config: TopKConfig,
  layer: (config) =>
    Layer.succeed(Selector.Selector, { id: "top-k", select: (items) => selectTopK(config, items) })
}
