/**
 * A memory budget: a cap on parameters, on weight bytes, or both (METHOD.md §6.5: the paper's
 * headline budget is < 10M parameters, ≈ 38 MiB at FP32).
 *
 * @since 0.1.0
 */
import type { Selector } from "@spikernel/core"
import { Schema } from "effect"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * `{ maxParams?, maxBytes? }`, at least one of them; a candidate fits when it is within every cap
 * given (inclusive: "≤ the budget").
 *
 * @since 0.1.0
 */
export const Budget = Schema.Struct({
  maxParams: Schema.optionalKey(Positive),
  maxBytes: Schema.optionalKey(Positive)
}).check(
  Schema.makeFilter((budget) =>
    budget.maxParams === undefined && budget.maxBytes === undefined
      ? "a budget needs maxParams, maxBytes or both"
      : undefined
  )
)

/**
 * @since 0.1.0
 */
export type Budget = typeof Budget.Type

/**
 * Whether an item is within the budget.
 *
 * @since 0.1.0
 */
export const fits = (budget: Budget, item: Selector.SelectionItem): boolean =>
  (budget.maxParams === undefined || item.params <= budget.maxParams) &&
  (budget.maxBytes === undefined || item.bytes <= budget.maxBytes)

/**
 * The budget in words: "≤ 10,000,000 params and ≤ 40,000,000 bytes".
 *
 * @since 0.1.0
 */
export const describeBudget = (budget: Budget): string =>
  [
    budget.maxParams === undefined ? undefined : `≤ ${budget.maxParams.toLocaleString("en-US")} params`,
    budget.maxBytes === undefined ? undefined : `≤ ${budget.maxBytes.toLocaleString("en-US")} bytes`
  ]
    .filter((part) => part !== undefined)
    .join(" and ")

/**
 * Why nothing fits, naming the smallest candidate so the user sees how far off the budget is.
 *
 * @since 0.1.0
 */
export const nothingFits = (budget: Budget, items: ReadonlyArray<Selector.SelectionItem>): string => {
  if (items.length === 0) return `no candidates to select from (budget ${describeBudget(budget)})`
  const smallest = items.reduce((a, b) =>
    b.bytes < a.bytes || (b.bytes === a.bytes && b.params < a.params) ? b : a
  )
  return (
    `no candidate fits the budget (${describeBudget(budget)}); the smallest of ${items.length}, ` +
    `${smallest.id}, has ${smallest.params.toLocaleString("en-US")} params and ` +
    `${smallest.bytes.toLocaleString("en-US")} bytes`
  )
}
