/**
 * Both SNASNet space plugins against the SearchSpace contract of `@spikernel/testing`, at a few
 * kernel sets. The forward spaces and backward {1,3} are enumerated whole (7,556, 25,880 and
 * 104,708 cells, the pinned counts of CellSpace.test.ts); the larger backward space is checked on
 * its first 20,000 cells.
 */
import { searchSpaceContract } from "@spikernel/testing"
import { snasnetBackwardPlugin, snasnetForwardPlugin } from "../src/SnasnetSpace.ts"

searchSpaceContract("snasnet-forward {1,3}", {
  layer: snasnetForwardPlugin.layer({ kernels: [1, 3] }),
  id: "snasnet-forward",
  size: 7_556
})

searchSpaceContract("snasnet-forward {1,3,5}", {
  layer: snasnetForwardPlugin.layer({ kernels: [1, 3, 5] }),
  id: "snasnet-forward",
  size: 25_880
})

searchSpaceContract("snasnet-backward {1,3}", {
  layer: snasnetBackwardPlugin.layer({ kernels: [1, 3] }),
  id: "snasnet-backward",
  size: 104_708
})

searchSpaceContract("snasnet-backward {3,5,7}", {
  layer: snasnetBackwardPlugin.layer({ kernels: [3, 5, 7] }),
  id: "snasnet-backward",
  enumerateLimit: 20_000
})
