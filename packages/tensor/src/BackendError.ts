/**
 * The one error type of `@spikernel/tensor`. Callers branch on `reason._tag`; `message` is a single line a
 * user can act on (the CLI prints it as is).
 */
import { Schema } from "effect"
import { BackendChoice, BackendName } from "./BackendChoice.ts"

/** The backend's npm package (or its native binding) cannot be imported. */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  backend: BackendName,
  message: Schema.String
}) {}

/** The package imported but `tf.setBackend` failed (bad wasm binary, driver mismatch, ...). */
export class BackendInitFailed extends Schema.TaggedError<BackendInitFailed>()("BackendInitFailed", {
  backend: BackendName,
  message: Schema.String
}) {}

/** `SPIKERNEL_BACKEND` (or a decoded option) names no backend. */
export class InvalidBackendChoice extends Schema.TaggedError<InvalidBackendChoice>()("InvalidBackendChoice", {
  value: Schema.String,
  message: Schema.String
}) {}

/** `--compute-kernels native` (or `SPIKERNEL_KERNELS=native`) but the oneDNN addon does not load. */
export class NativeKernelsUnavailable extends Schema.TaggedError<NativeKernelsUnavailable>()(
  "NativeKernelsUnavailable",
  { message: Schema.String }
) {}

/** A planned allocation does not fit the wasm heap (raised before the allocation, not after a crash). */
export class HeapExhausted extends Schema.TaggedError<HeapExhausted>()("HeapExhausted", {
  requestedBytes: Schema.Number,
  availableBytes: Schema.Number,
  limitBytes: Schema.Number,
  message: Schema.String
}) {}

export const BackendErrorReason = Schema.Union([
  BackendUnavailable,
  BackendInitFailed,
  InvalidBackendChoice,
  NativeKernelsUnavailable,
  HeapExhausted
])
export type BackendErrorReason = typeof BackendErrorReason.Type

export class BackendError extends Schema.TaggedError<BackendError>()("BackendError", {
  reason: BackendErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}

/** The choices, for messages. */
export const backendChoices: ReadonlyArray<BackendChoice> = BackendChoice.literals
