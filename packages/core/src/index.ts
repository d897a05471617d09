/**
 * `@spikernel/core`: the schemas, plugin services, typed errors and seeded random numbers that every
 * other package builds on.
 *
 * @since 0.1.0
 */

/** Architectures of the SNASNet cell space and their string form. */
export * as Architecture from "./Architecture.ts"
/** Canonical JSON for cache keys. */
export * as CanonicalJson from "./CanonicalJson.ts"
/** Records of evaluated candidates. */
export * as CandidateRecord from "./CandidateRecord.ts"
/** The memory a network needs on a device at a weight bit-width. */
export * as DeploymentMemory from "./DeploymentMemory.ts"
/** `name:path` dataset specs. */
export * as DatasetSpec from "./DatasetSpec.ts"
/** SHA-256 digests. */
export * as Digest from "./Digest.ts"
/** Operating-system failures in words. */
export * as SystemErrors from "./SystemErrors.ts"
/** Typed errors. */
export * from "./Errors.ts"
/** Kernel sets and the op list they define. */
export * as KernelSet from "./KernelSet.ts"
/** Numbers with a JSON form for ±Infinity and NaN, and the quantile of sorted values. */
export * as Numbers from "./Numbers.ts"
/** The Pareto front of a cost and a value. */
export * as Pareto from "./Pareto.ts"
/** Plugin descriptors. */
export * as Plugin from "./Plugin.ts"
/** Counter-based random numbers (Philox4x32-10). */
export * as Rng from "./Rng.ts"
/** The safetensors format. */
export * as Safetensors from "./Safetensors.ts"
/** Run manifests. */
export * as RunManifest from "./RunManifest.ts"
/** Plugin services. */
export * as DatasetLoader from "./services/DatasetLoader.ts"
export * as Encoder from "./services/Encoder.ts"
export * as Evaluator from "./services/Evaluator.ts"
export * as NeuronModel from "./services/NeuronModel.ts"
export * as Scorer from "./services/Scorer.ts"
export * as SearchSpace from "./services/SearchSpace.ts"
export * as SearchStrategy from "./services/SearchStrategy.ts"
export * as Selector from "./services/Selector.ts"
