/**
 * The Evaluator service: the one place that knows where and how a candidate is evaluated.
 *
 * Strategies propose and observe through it; dedup, budget and retry wrap it as middleware; a
 * distributed engine would plug in here.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type { Architecture } from "../Architecture.ts"
import type { CandidateRecord } from "../CandidateRecord.ts"
import { MemoryRefusal } from "../Errors.ts"

/**
 * A candidate as proposed: its index in the proposal order and its architecture.
 *
 * @since 0.1.0
 */
export interface Candidate {
  readonly index: number
  readonly architecture: Architecture
}

/**
 * Why a candidate could not be evaluated.
 *
 * @since 0.1.0
 */
export class EvaluationError extends Schema.TaggedError<EvaluationError>()("EvaluationError", {
  index: Schema.Int,
  architecture: Schema.String,
  reason: Schema.String,
  /** Set when a scorer refused the candidate before it started because it would not fit in memory. */
  memory: Schema.optionalKey(MemoryRefusal)
}) {
  override get message(): string {
    return `candidate ${this.index} (${this.architecture}): ${this.reason}`
  }
}

/**
 * The budget is spent: no further candidate will be evaluated.
 *
 * @since 0.1.0
 */
export class BudgetExhausted extends Schema.TaggedError<BudgetExhausted>()("BudgetExhausted", {
  budget: Schema.Int
}) {}

/**
 * @since 0.1.0
 */
export class Evaluator extends Context.Service<
  Evaluator,
  {
    readonly evaluate: (
      candidate: Candidate
    ) => Effect.Effect<CandidateRecord, EvaluationError | BudgetExhausted>
  }
>()("@spikernel/core/Evaluator") {}
