/**
 * The SearchSpace service: samples, mutates, validates and canonicalises architectures.
 *
 * Pure and tensor-free: building a network from an architecture is the job of `@spikernel/spaces`'s
 * network builder, so strategies can use a space without touching tensors.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { Architecture, CellType } from "../Architecture.ts"
import type { ArchitectureError } from "../Errors.ts"
import type { KernelSet } from "../KernelSet.ts"
import type { Draws } from "../Rng.ts"

/**
 * @since 0.1.0
 */
export class SearchSpace extends Context.Service<
  SearchSpace,
  {
    readonly id: string
    readonly cellType: CellType
    readonly kernels: KernelSet
    /** One valid architecture, drawn as the official sampler draws (rejection included). */
    readonly sample: (draws: Draws) => Architecture
    /** The pruned form of an architecture: equal canonical forms compute the same function. */
    readonly canonical: (arch: Architecture) => Architecture
    /** A valid neighbour that differs in one pair. */
    readonly mutate: (arch: Architecture, draws: Draws) => Architecture
    /** Checks that an architecture belongs to this space. */
    readonly validate: (arch: Architecture) => Effect.Effect<Architecture, ArchitectureError>
    /** Every distinct valid (canonical) architecture, in a fixed order. */
    readonly enumerate: () => Iterable<Architecture>
  }
>()("@spikernel/core/SearchSpace") {}
