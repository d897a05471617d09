/**
 * The Selector service: picks from scored candidates. A pure function of records.
 *
 * @since 0.1.0
 */
import { Context, Schema } from "effect"
import { Architecture } from "../Architecture.ts"
import { DeploymentMemory } from "../DeploymentMemory.ts"
import { JsonNumber } from "../Numbers.ts"

/**
 * What a selector sees of a candidate: its architecture, a metric to maximise and its memory.
 *
 * @since 0.1.0
 */
export const SelectionItem = Schema.Struct({
  id: Schema.String,
  architecture: Architecture,
  /** The figure to maximise: trained accuracy, or a score. */
  metric: JsonNumber,
  params: Schema.Int,
  /** Weight bytes at FP32 as trained (params × 4). */
  bytes: Schema.Int,
  /** The memory on a device at every weight bit-width (budgets with `weightBits` read it). */
  memory: Schema.optionalKey(DeploymentMemory)
})

/**
 * @since 0.1.0
 */
export type SelectionItem = typeof SelectionItem.Type

/**
 * The outcome: the chosen items in order, and one line saying why (e.g. "no candidate fits 10M").
 *
 * @since 0.1.0
 */
export const Selection = Schema.Struct({
  selected: Schema.Array(SelectionItem),
  reason: Schema.String
})

/**
 * @since 0.1.0
 */
export type Selection = typeof Selection.Type

/**
 * @since 0.1.0
 */
export class Selector extends Context.Service<
  Selector,
  {
    readonly id: string
    readonly select: (items: ReadonlyArray<SelectionItem>) => Selection
  }
>()("@spikernel/core/Selector") {}
