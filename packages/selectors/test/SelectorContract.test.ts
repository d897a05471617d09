/**
 * Every selector plugin of this package against the Selector contract of `@spikernel/testing`, on
 * its twelve items (sizes 1,000 … 12,000 parameters): budgets that keep some and, for the budget
 * selectors, one that keeps the smallest only.
 */
import { selectorContract } from "@spikernel/testing"
import { bestUnderBudget, memoryBudget, pareto, topK } from "../src/index.ts"

selectorContract("top-k (k = 3)", { layer: topK.layer({ k: 3 }), id: "top-k" })

selectorContract("top-k (k = 50, more than there are)", { layer: topK.layer({ k: 50 }), id: "top-k" })

selectorContract("memory-budget (≤ 6,000 params)", {
  layer: memoryBudget.layer({ maxParams: 6000 }),
  id: "memory-budget"
})

selectorContract("memory-budget (≤ 4,000 bytes and ≤ 1,000 params)", {
  layer: memoryBudget.layer({ maxBytes: 4000, maxParams: 1000 }),
  id: "memory-budget"
})

selectorContract("pareto (bytes)", { layer: pareto.layer({ memory: "bytes" }), id: "pareto" })

selectorContract("pareto (params)", { layer: pareto.layer({ memory: "params" }), id: "pareto" })

selectorContract("best-under-budget (≤ 30,000 bytes)", {
  layer: bestUnderBudget.layer({ maxBytes: 30_000 }),
  id: "best-under-budget"
})

selectorContract("best-under-budget (≤ 1,000 params)", {
  layer: bestUnderBudget.layer({ maxParams: 1000 }),
  id: "best-under-budget"
})
