/**
 * The record of one evaluated candidate: the unit of durability of a search (DESIGN.md §3).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Architecture } from "./Architecture.ts"
import { DeploymentMemory } from "./DeploymentMemory.ts"
import { JsonNumber } from "./Numbers.ts"

/**
 * A score and the figures behind it. `details` holds scorer-specific numbers (log-dets per repeat,
 * hook calls, …) and `note` says why a score is not finite.
 *
 * @since 0.1.0
 */
export const ScoreResult = Schema.Struct({
  scorer: Schema.String,
  value: JsonNumber,
  details: Schema.Record(Schema.String, JsonNumber),
  note: Schema.optionalKey(Schema.String)
})

/**
 * @since 0.1.0
 */
export type ScoreResult = typeof ScoreResult.Type

/**
 * One evaluated candidate of a search.
 *
 * @since 0.1.0
 */
export const CandidateRecord = Schema.Struct({
  /** Position in the strategy's proposal order (0-based). */
  index: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  architecture: Architecture,
  /** The canonical (pruned) matrix string, the key for deduplication. */
  canonical: Schema.String,
  /** Scores by scorer id; the search's primary scorer is named in the step. */
  scores: Schema.Array(ScoreResult),
  /** Trainable parameters of the network built from this architecture. */
  params: Schema.Int,
  /** Weight memory in bytes at the step's precision. */
  bytes: Schema.Int,
  /**
   * The memory on a device at every weight bit-width, when one of the step's scorers reports it
   * (the `memory` measure); absent in records written before it was measured.
   */
  memory: Schema.optionalKey(DeploymentMemory),
  /**
   * Set when the candidate was refused before it was scored (a search's memory budget): `scores`
   * then holds only the measure that refused it, and the strategy observes −Infinity.
   */
  rejected: Schema.optionalKey(Schema.Struct({ reason: Schema.String })),
  /** Wall seconds spent evaluating it (0 when it came from the cache). */
  seconds: Schema.Finite,
  /** True when the result was reused from the store rather than computed in this run. */
  cached: Schema.Boolean
})

/**
 * @since 0.1.0
 */
export type CandidateRecord = typeof CandidateRecord.Type
