/**
 * A step that could not run: a plugin layer that failed to build, a candidate that could not be
 * evaluated, a strategy that broke its contract. The message names the step; a candidate's failure
 * keeps the candidate and, for a memory refusal, the figures (needed, free, limit bytes), which the
 * run manifest and `spikernel run --json` carry on.
 *
 * @since 0.1.0
 */
import { MemoryRefusal } from "@spikernel/core"
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export class StepError extends Schema.TaggedError<StepError>()("StepError", {
  step: Schema.String,
  reason: Schema.String,
  /** The candidate whose evaluation failed, when one did. */
  candidate: Schema.optionalKey(Schema.Struct({ index: Schema.Int, architecture: Schema.String })),
  /** A memory refusal's figures, when that was the failure. */
  memory: Schema.optionalKey(MemoryRefusal)
}) {
  override get message(): string {
    return `step "${this.step}": ${this.reason}`
  }
}

/**
 * The message of an unknown failure value, for wrapping plugin errors.
 *
 * @since 0.1.0
 */
export const describeFailure = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error)
