/**
 * Typed errors of the store: an I/O or consistency failure, and a store held by another writer.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A store operation that failed: which store, what was being done, and why.
 *
 * @since 0.1.0
 */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  store: Schema.String,
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `store ${this.store}: ${this.operation}: ${this.reason}`
  }
}

/**
 * Who holds a store's lock: written into the lock file by the writer that took it.
 *
 * @since 0.1.0
 */
export const LockHolder = Schema.Struct({
  pid: Schema.Int,
  hostname: Schema.String,
  startedAt: Schema.String,
  command: Schema.String
})

/**
 * @since 0.1.0
 */
export type LockHolder = typeof LockHolder.Type

/**
 * One line naming a lock holder, for messages.
 *
 * @since 0.1.0
 */
export const describeHolder = (holder: LockHolder): string =>
  `pid ${holder.pid} on ${holder.hostname} since ${holder.startedAt} (${holder.command})`

/**
 * The store is in use by another live writer; one writer at a time per store.
 *
 * @since 0.1.0
 */
export class StoreLocked extends Schema.TaggedError<StoreLocked>()("StoreLocked", {
  store: Schema.String,
  holder: LockHolder
}) {
  override get message(): string {
    return `store ${this.store} is in use by ${describeHolder(this.holder)}; wait for it to finish or stop it`
  }
}
