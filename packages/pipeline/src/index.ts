/**
 * `@spikernel/pipeline`: typed pipeline declarations, cache keys, the content-addressed store with
 * its journal and lock, and the runner that executes and resumes pipelines.
 *
 * @since 0.1.0
 */

/** SHA-256 helpers. */
export * as Digest from "./Digest.ts"
/** The journal's line format. */
export * as Journal from "./Journal.ts"
/** The writer lock. */
export * as Lock from "./Lock.ts"
/** The result store. */
export * as Store from "./Store.ts"
/** Store errors. */
export * from "./StoreError.ts"
