/**
 * `@spikernel/spaces`: the SNASNet cell space with kernel sets (sampler, pruning, enumeration,
 * mutation), the network built from an architecture, and its parameter and memory model.
 *
 * @since 0.1.0
 */

/** One timestep of a cell, with feedback buffers. */
export * as Cell from "./Cell.ts"
/** The cell space: sampler, pruning, canonical form, mutation, exact enumeration. */
export * as CellSpace from "./CellSpace.ts"
/** The official initialisation, seeded per tensor. */
export * as Initialisation from "./Initialisation.ts"
/** Memory on a device at a weight bit-width: weights, BN as shipped, state, peak activations. */
export * as DeployedMemory from "./DeployedMemory.ts"
/** Synaptic operations and energy of one inference from measured firing rates. */
export * as SynapticOperations from "./SynapticOperations.ts"
/** The network: build, forward, weight assignment. */
export * as Network from "./Network.ts"
/** Skeleton settings and per-dataset presets. */
export * as NetworkConfig from "./NetworkConfig.ts"
/** Parameter count and memory model (no tensors). */
export * as ParamCount from "./ParamCount.ts"
/** The SearchSpace plugins. */
export * as SnasnetSpace from "./SnasnetSpace.ts"
/** PyTorch ↔ tfjs weight layouts. */
export * as WeightLayout from "./WeightLayout.ts"
/** The named weights of a network. */
export * as WeightSpecs from "./WeightSpecs.ts"
