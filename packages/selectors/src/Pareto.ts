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
import { DeploymentMemory, Pareto, type Plugin, Selector } from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"
import { budgetBytes, measurable, unmeasuredNote } from "./Budget.ts"
import { compareItems, droppedNote, usable } from "./Ranking.ts"

/**
 * Which memory figure the front trades against: bytes (default) or parameter count. The bytes are
 * the FP32 weights as trained, or with `weightBits` (32 | 16 | 8 | 4) the memory on a device at
 * that width (core's `DeploymentMemory` total, as a budget with `weightBits` caps it).
 *
 * @since 0.1.0
 */
export const ParetoConfig = Schema.Struct({
  memory: Schema.Literals(["bytes", "params"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("bytes" as const))
  ),
  weightBits: Schema.optionalKey(DeploymentMemory.WeightBits)
}).check(
  Schema.makeFilter((config) =>
    config.weightBits !== undefined && config.memory === "params"
      ? 'weightBits applies to memory "bytes", not to a parameter count'
      : undefined
  )
)

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
  const { ranked: all, dropped } = usable(items)
  const { kept: ranked, unmeasured } =
    config.memory === "bytes" ? measurable(config.weightBits, all) : { kept: all, unmeasured: 0 }
  const notes = unmeasuredNote(config.weightBits, unmeasured) + droppedNote(dropped)
  if (ranked.length === 0) return { selected: [], reason: `no candidates${notes}` }
  const memory = (item: Selector.SelectionItem): number =>
    config.memory === "bytes" ? (budgetBytes(config.weightBits, item) as number) : item.params
  const selected = Pareto.paretoFront(ranked, memory, (item) => item.metric, compareItems)
  const figure = config.weightBits === undefined ? config.memory : `bytes at ${config.weightBits} bits`
  return {
    selected,
    reason: `${selected.length} of ${ranked.length} on the metric–${figure} Pareto front${notes}`
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
