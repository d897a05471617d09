/**
 * The SearchSpace plugins `snasnet-forward` and `snasnet-backward`: SNASNet's cell space with any
 * kernel set of odd sizes (op list `[zero, skip, conv k…, avgpool3]`, METHOD.md §6.3).
 *
 * @since 0.1.0
 */
import { Architecture, ArchitectureError, KernelSet, type Plugin, SearchSpace } from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"
import { enumerateCells, isAccepted, mutate, prune, sample } from "./CellSpace.ts"

/**
 * A space's configuration: its kernel set.
 *
 * @since 0.1.0
 */
export const SpaceConfig = Schema.Struct({ kernels: KernelSet.KernelSet })

/**
 * @since 0.1.0
 */
export type SpaceConfig = typeof SpaceConfig.Type

/**
 * The first reason an architecture is not a cell of the space, or `undefined`.
 *
 * Membership: the same cell type and kernel set, a structurally valid matrix, and a direct
 * input → output edge (the sampler's acceptance test). A matrix that pruning would still change
 * belongs to the space; `canonical` maps it to the cell the sampler would have returned.
 *
 * @since 0.1.0
 */
export const membershipProblem = (
  arch: Architecture.Architecture,
  cellType: Architecture.CellType,
  kernels: KernelSet.KernelSet
): string | undefined => {
  if (arch.cellType !== cellType) return `cell type ${arch.cellType}, but the space is ${cellType}`
  if (arch.kernels.join(",") !== kernels.join(","))
    return `kernel set [${arch.kernels.join(",")}], but the space uses [${kernels.join(",")}]`
  const structural = Architecture.matrixProblem(arch.matrix, cellType, kernels)
  if (structural !== undefined) return structural
  if (!isAccepted(prune(arch.matrix)))
    return "no direct input→output edge (M[0][3] = 0): the sampler rejects this cell"
  return undefined
}

/**
 * The service value of the space with a cell type and kernel set.
 *
 * @since 0.1.0
 */
export const snasnetSpace = (
  cellType: Architecture.CellType,
  kernels: KernelSet.KernelSet
): SearchSpace.SearchSpace["Service"] => {
  const arch = (matrix: Architecture.Matrix): Architecture.Architecture => ({ cellType, kernels, matrix })
  return {
    id: `snasnet-${cellType}`,
    cellType,
    kernels,
    sample: (draws) => arch(sample(cellType, kernels, draws).matrix),
    canonical: (a) => ({ ...a, matrix: prune(a.matrix) }),
    mutate: (a, draws) => arch(mutate(a.matrix, cellType, kernels, draws)),
    validate: (a) => {
      const problem = membershipProblem(a, cellType, kernels)
      return problem === undefined
        ? Effect.succeed(a)
        : Effect.fail(new ArchitectureError({ input: Architecture.formatMatrix(a.matrix), reason: problem }))
    },
    enumerate: function* () {
      for (const matrix of enumerateCells(cellType, kernels)) yield arch(matrix)
    }
  }
}

const spacePlugin = (
  cellType: Architecture.CellType
): Plugin.Plugin<"SearchSpace", SpaceConfig, typeof SpaceConfig.Encoded, SearchSpace.SearchSpace> => ({
  kind: "SearchSpace",
  id: `snasnet-${cellType}`,
  version: 1,
  description:
    cellType === "forward"
      ? "SNASNet forward cells (NAS-Bench-201-style DAG of 4 nodes) over a kernel set"
      : "SNASNet backward cells (one direction per pair, feedback edges, SNASNet-Bw) over a kernel set",
  config: SpaceConfig,
  layer: (config) => Layer.succeed(SearchSpace.SearchSpace, snasnetSpace(cellType, config.kernels))
})

/**
 * @since 0.1.0
 */
export const snasnetForwardPlugin = spacePlugin("forward")

/**
 * @since 0.1.0
 */
export const snasnetBackwardPlugin = spacePlugin("backward")

/**
 * Every search-space plugin of this package.
 *
 * @since 0.1.0
 */
export const spacePlugins = [snasnetForwardPlugin, snasnetBackwardPlugin] as const
