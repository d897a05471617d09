/**
 * The one error type of `@spikernel/report`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Why a report could not be written: bad input, a plot that did not render, or a file that could not
 * be written.
 *
 * @since 0.1.0
 */
export class ReportError extends Schema.TaggedError<ReportError>()("ReportError", {
  reason: Schema.Literals(["input", "render", "write"]),
  /** One line a user can act on. */
  detail: Schema.String
}) {
  override get message(): string {
    return `report: ${this.detail}`
  }
}
