/**
 * The Scorer service: scores one candidate (training-free SAHD, parameters, memory, trained accuracy).
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { Architecture } from "../Architecture.ts"
import type { ScoreResult } from "../CandidateRecord.ts"

/**
 * A scorer failure (out of memory, bad weights, a dataset error underneath).
 *
 * @since 0.1.0
 */
export class ScoreError extends Schema.TaggedError<ScoreError>()("ScoreError", {
  scorer: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.scorer}: ${this.reason}`
  }
}

/**
 * What a scorer is told about the candidate besides its architecture.
 *
 * @since 0.1.0
 */
export interface ScoreContext {
  readonly seed: number
  /** The candidate's index: scorers draw weights and batches from (seed, scorer, index). */
  readonly index: number
}

/**
 * @since 0.1.0
 */
export class Scorer extends Context.Service<
  Scorer,
  {
    readonly id: string
    /** Higher is better, for every scorer (memory and params are negated or reported as details). */
    readonly score: (arch: Architecture, context: ScoreContext) => Effect.Effect<ScoreResult, ScoreError>
  }
>()("@spikernel/core/Scorer") {}
