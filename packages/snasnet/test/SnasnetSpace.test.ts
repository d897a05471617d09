/**
 * The strategies on the real SNASNet spaces of `@spikernel/spaces` (kernel set {1,3}): the same
 * contract as on the toy space — validity, determinism, batch-size independence, resume — and, for
 * `exhaustive`, every one of the 7,556 distinct forward cells exactly once.
 *
 * No "finds the optimum" claim here: with one-pair moves restricted to canonical cells, a
 * distance-to-target objective has local optima in this space (regularized evolution reached the
 * CIFAR-100 README cell for 18 of 30 seeds within 600 candidates), so that property is stated on
 * the toy space only.
 */
import { exhaustive, randomSearch, regularizedEvolution } from "@spikernel/search"
import { SnasnetSpace } from "@spikernel/spaces"
import { strategyContract } from "@spikernel/testing"

const backward = SnasnetSpace.snasnetSpace("backward", [1, 3])
const forward = SnasnetSpace.snasnetSpace("forward", [1, 3])

strategyContract("random on snasnet-backward {1,3}", {
  layer: randomSearch.layer({ dedup: true, maxAttempts: 1000 }),
  space: backward,
  horizon: 40
})

strategyContract("regularized-evolution on snasnet-backward {1,3}", {
  layer: regularizedEvolution.layer({ population: 10, sampleSize: 3 }),
  space: backward,
  horizon: 40
})

strategyContract("exhaustive on snasnet-forward {1,3}", {
  layer: exhaustive.layer({}),
  space: forward,
  complete: true,
  horizon: 40
})
