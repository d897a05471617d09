/**
 * `fixed`: a SearchStrategy that proposes the architectures it is given, in order, once each — how a
 * pipeline scores, trains and evaluates a chosen architecture (SpiKernel's step 1 takes one SNASNet
 * architecture and changes its kernel size) with the same steps as a searched one.
 *
 * The matrices are written as SNASNet writes them (`"0302 0030 3003 0000"`) and read in the space's
 * cell type and kernel set, so one list serves every kernel set; a matrix that is not a cell of the
 * space fails the step before anything is scored.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  type ArchitectureError,
  type Plugin,
  SearchSpace,
  SearchStrategy
} from "@spikernel/core"
import { eraseState, inOrder } from "@spikernel/search"
import { Effect, Layer, Schema } from "effect"

/**
 * @since 0.1.0
 */
export const FixedConfig = Schema.Struct({
  architectures: Schema.Array(Schema.String).check(Schema.isMinLength(1))
})

/**
 * @since 0.1.0
 */
export type FixedConfig = typeof FixedConfig.Type

/**
 * The state: the seed (unused, kept as every strategy keeps it) and the next position.
 *
 * @since 0.1.0
 */
export const FixedState = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export type FixedState = typeof FixedState.Type

/**
 * @since 0.1.0
 */
export const fixed: Plugin.Plugin<
  "SearchStrategy",
  FixedConfig,
  typeof FixedConfig.Encoded,
  SearchStrategy.SearchStrategy,
  ArchitectureError,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "fixed",
  version: 1,
  description: "Proposes the given architectures, in order, once each",
  config: FixedConfig,
  layer: (config) =>
    Layer.effect(
      SearchStrategy.SearchStrategy,
      Effect.gen(function* () {
        const space = yield* SearchSpace.SearchSpace
        const cells: Array<Architecture.Architecture> = []
        for (const text of config.architectures) {
          const parsed = yield* Architecture.parseArchitecture(text, {
            cellType: space.cellType,
            kernels: space.kernels
          })
          cells.push(yield* space.validate(parsed))
        }
        const strategy: SearchStrategy.Strategy<FixedState, typeof FixedState.Encoded> = {
          id: "fixed",
          state: FixedState,
          init: (seed) => ({ seed, next: 0 }),
          ...inOrder<FixedState>(cells)
        }
        return eraseState(strategy)
      })
    )
}
