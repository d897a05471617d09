/**
 * A memory budget: a cap on parameters, on bytes, or both (METHOD.md §6.5: the paper's headline
 * budget is < 10M parameters, ≈ 38 MiB at FP32), optionally at the weight bit-width a model ships at.
 *
 * Which bytes `maxBytes` caps:
 *
 * - without `weightBits`: the FP32 weights as trained (`bytes` = params × 4), the budgets written
 *   before bit-widths existed, which keep their meaning and their cache keys;
 * - with `weightBits` (32, 16, 8 or 4): the whole memory of the model on a device at that width —
 *   weights, per-channel scales, BatchNorm as shipped, neuron state, spike buffers and the peak
 *   activation of one timestep (core's `DeploymentMemory`, its `total`). `{ maxBytes: 512_000,
 *   weightBits: 8 }` is "under 512 KB at 8 bits". An item without that record (measured before it
 *   existed) is left out of the choice and the selection's reason says how many.
 *
 * @since 0.1.0
 */
import { DeploymentMemory, type Selector } from "@spikernel/core"
import { Schema } from "effect"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * `{ maxParams?, maxBytes?, weightBits? }`, with maxParams or maxBytes; a candidate fits when it is
 * within every cap given (inclusive: "≤ the budget"). `weightBits` (32 | 16 | 8 | 4; absent: FP32
 * weights as trained) says which bytes `maxBytes` caps, so it needs `maxBytes`.
 *
 * @since 0.1.0
 */
export const Budget = Schema.Struct({
  maxParams: Schema.optionalKey(Positive),
  maxBytes: Schema.optionalKey(Positive),
  weightBits: Schema.optionalKey(DeploymentMemory.WeightBits)
}).check(
  Schema.makeFilter((budget) =>
    budget.maxParams === undefined && budget.maxBytes === undefined
      ? "a budget needs maxParams, maxBytes or both"
      : budget.weightBits !== undefined && budget.maxBytes === undefined
        ? "weightBits says which bytes maxBytes caps: give maxBytes with it"
        : undefined
  )
)

/**
 * @since 0.1.0
 */
export type Budget = typeof Budget.Type

/**
 * The bytes `maxBytes` is compared with for an item: its FP32 weights without `weightBits`, its
 * memory on a device at `weightBits` with it (undefined when the item has no such record).
 *
 * @since 0.1.0
 */
export const budgetBytes = (
  weightBits: DeploymentMemory.WeightBits | undefined,
  item: Selector.SelectionItem
): number | undefined =>
  weightBits === undefined
    ? item.bytes
    : item.memory === undefined
      ? undefined
      : DeploymentMemory.at(item.memory, weightBits).total

/**
 * The items a budget can judge (all of them, unless it has `weightBits` and some lack the memory
 * record) and how many it cannot.
 *
 * @since 0.1.0
 */
export const measurable = (
  weightBits: DeploymentMemory.WeightBits | undefined,
  items: ReadonlyArray<Selector.SelectionItem>
): { readonly kept: ReadonlyArray<Selector.SelectionItem>; readonly unmeasured: number } => {
  const kept = items.filter((item) => budgetBytes(weightBits, item) !== undefined)
  return { kept, unmeasured: items.length - kept.length }
}

/**
 * ", 2 without their memory at 8 bits (measured before it was recorded) left out" or "".
 *
 * @since 0.1.0
 */
export const unmeasuredNote = (
  weightBits: DeploymentMemory.WeightBits | undefined,
  unmeasured: number
): string =>
  unmeasured === 0 || weightBits === undefined
    ? ""
    : `; ${unmeasured} without their memory at ${weightBits} bits (measured before it was recorded) left out`

/**
 * Whether an item is within the budget (an item the budget cannot measure is not).
 *
 * @since 0.1.0
 */
export const fits = (budget: Budget, item: Selector.SelectionItem): boolean => {
  if (budget.maxParams !== undefined && item.params > budget.maxParams) return false
  if (budget.maxBytes === undefined) return true
  const bytes = budgetBytes(budget.weightBits, item)
  return bytes !== undefined && bytes <= budget.maxBytes
}

/**
 * The budget in words: "≤ 10,000,000 params and ≤ 40,000,000 bytes", "≤ 512,000 bytes at 8 bits".
 *
 * @since 0.1.0
 */
export const describeBudget = (budget: Budget): string =>
  [
    budget.maxParams === undefined ? undefined : `≤ ${budget.maxParams.toLocaleString("en-US")} params`,
    budget.maxBytes === undefined
      ? undefined
      : `≤ ${budget.maxBytes.toLocaleString("en-US")} bytes` +
        (budget.weightBits === undefined ? "" : ` at ${budget.weightBits} bits`)
  ]
    .filter((part) => part !== undefined)
    .join(" and ")

/**
 * Why nothing fits, naming the smallest candidate so the user sees how far off the budget is.
 *
 * @since 0.1.0
 */
export const nothingFits = (budget: Budget, items: ReadonlyArray<Selector.SelectionItem>): string => {
  const { kept, unmeasured } = measurable(budget.weightBits, items)
  const note = unmeasuredNote(budget.weightBits, unmeasured)
  if (kept.length === 0) return `no candidates to select from (budget ${describeBudget(budget)})${note}`
  const size = (item: Selector.SelectionItem) => budgetBytes(budget.weightBits, item) as number
  const smallest = kept.reduce((a, b) =>
    size(b) < size(a) || (size(b) === size(a) && b.params < a.params) ? b : a
  )
  return (
    `no candidate fits the budget (${describeBudget(budget)}); the smallest of ${kept.length}, ` +
    `${smallest.id}, has ${smallest.params.toLocaleString("en-US")} params and ` +
    `${size(smallest).toLocaleString("en-US")} bytes` +
    (budget.weightBits === undefined ? "" : ` at ${budget.weightBits} bits`) +
    note
  )
}
