/**
 * The one error type of the cluster package, with a `reason` a caller can branch on and a message
 * that names the problem in one line.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * @since 0.1.0
 */
export const ClusterErrorReason = Schema.Literals([
  /** The `--cluster` / `SPIKERNEL_CLUSTER` URL is not a PostgreSQL URL. */
  "url",
  /** The database could not be reached or refused the connection. */
  "connect",
  /** A worker runs another code version (plugin or key version) than the run. */
  "version",
  /** A worker cannot open the run's data set, or sees other data under the same spec. */
  "dataset",
  /** A message or reply does not decode. */
  "message",
  /** A worker (or its compute thread) failed. */
  "worker",
  /** A setting override does not parse. */
  "setting"
])

/**
 * @since 0.1.0
 */
export class ClusterError extends Schema.TaggedError<ClusterError>()("ClusterError", {
  reason: ClusterErrorReason,
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}
