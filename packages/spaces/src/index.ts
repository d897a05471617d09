/**
 * `@spikernel/spaces`: the SNASNet cell space with kernel sets (sampler, pruning, enumeration,
 * mutation), the network built from an architecture, and its parameter and memory model.
 *
 * @since 0.1.0
 */

/** The cell space: sampler, pruning, canonical form, mutation, exact enumeration. */
export * as CellSpace from "./CellSpace.ts"
/** The SearchSpace plugins. */
export * as SnasnetSpace from "./SnasnetSpace.ts"
