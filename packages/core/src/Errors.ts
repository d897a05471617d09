/**
 * Typed errors of `@spikernel/core`.
 *
 * One error type per concern, each with a message a user can act on: it names the input, the
 * field and the value that was wrong.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * An architecture string or value that is not a valid cell of its space.
 *
 * @since 0.1.0
 */
export class ArchitectureError extends Schema.TaggedError<ArchitectureError>()("ArchitectureError", {
  /** What was given, as the user wrote it. */
  input: Schema.String,
  /** One line saying what is wrong. */
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid architecture "${this.input}": ${this.reason}`
  }
}

/**
 * A configuration value (a plugin config, a CLI flag, a pipeline field) that does not decode.
 *
 * @since 0.1.0
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  /** Where the value came from: a file path, a flag name, a plugin id. */
  source: Schema.String,
  /** One line saying what is wrong. */
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.source}: ${this.reason}`
  }
}

/**
 * A computation refused before it started because it would not fit in memory: what it needs, what
 * is free (after the headroom kept), and the backend's limit. Carried from a scorer's error to the
 * candidate's, the step's, the run manifest and `spikernel run`'s output, so the figures are never
 * flattened to a sentence on the way.
 *
 * @since 0.1.0
 */
export const MemoryRefusal = Schema.Struct({
  neededBytes: Schema.Finite,
  freeBytes: Schema.Finite,
  limitBytes: Schema.NullOr(Schema.Finite)
})

/**
 * @since 0.1.0
 */
export type MemoryRefusal = typeof MemoryRefusal.Type
