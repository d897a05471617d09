/**
 * A step that could not run: a plugin layer that failed to build, a scorer error, a strategy that
 * broke its contract. The message names the step.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export class StepError extends Schema.TaggedError<StepError>()("StepError", {
  step: Schema.String,
  reason: Schema.String
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
