/**
 * One writer per store: a lock file created exclusively (`wx`) that records the holder's pid,
 * hostname, start time and command.
 *
 * A lock whose holder is on this host and no longer alive is stale and is taken over. Taking over
 * is itself guarded by an exclusive `lock.break` file, so two processes that both find the same
 * stale lock cannot each remove the other's fresh lock. A lock held on another host cannot be
 * checked from here and is reported, never broken. A pid reused by an unrelated process keeps a
 * stale lock alive; the message names the pid, so the user can remove the file.
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"
import { SystemErrors } from "@spikernel/core"
import { Effect, type FileSystem, type PlatformError, Schema, type Scope } from "effect"
import {
  describeHolder,
  type LockHolder,
  LockHolder as LockHolderSchema,
  StoreError,
  StoreLocked
} from "./StoreError.ts"

const decodeHolder = Schema.decodeUnknownExit(Schema.fromJsonString(LockHolderSchema))

/**
 * True when a process with this pid exists on this host (EPERM: it exists but is not ours).
 *
 * @since 0.1.0
 */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}

/**
 * This process as a lock holder.
 *
 * @since 0.1.0
 */
export const currentHolder = (command: string, startedAt: string): LockHolder => ({
  pid: process.pid,
  hostname: hostname(),
  startedAt,
  command
})

const isAlreadyExists = (error: PlatformError.PlatformError): boolean => error.reason._tag === "AlreadyExists"

const isNotFound = (error: PlatformError.PlatformError): boolean => error.reason._tag === "NotFound"

/** Reads a holder file; `undefined` when it is absent, `"unreadable"` when it does not decode. */
const readHolder = (fs: FileSystem.FileSystem, path: string) =>
  fs.readFileString(path).pipe(
    Effect.map((text): LockHolder | "unreadable" => {
      const decoded = decodeHolder(text)
      return decoded._tag === "Success" ? decoded.value : "unreadable"
    }),
    Effect.catchIf(isNotFound, () => Effect.succeed(undefined))
  )

/**
 * Creates `path` exclusively with the holder's JSON, durably; false when it already exists. A file
 * this call created but could not fill (a full disk) is removed again: an empty lock would read as
 * an unreadable one left by a dead writer.
 */
const createExclusive = (fs: FileSystem.FileSystem, path: string, holder: LockHolder) => {
  let created = false
  return Effect.scoped(
    Effect.gen(function* () {
      const file = yield* fs.open(path, { flag: "wx" })
      created = true
      yield* file.writeAll(new TextEncoder().encode(JSON.stringify(holder)))
      yield* file.sync
      return true
    })
  ).pipe(
    Effect.tapError(() => (created ? fs.remove(path, { force: true }).pipe(Effect.ignore) : Effect.void)),
    Effect.catchIf(isAlreadyExists, () => Effect.succeed(false))
  )
}

const stale = (holder: LockHolder | "unreadable"): boolean =>
  holder === "unreadable" || (holder.hostname === hostname() && !processAlive(holder.pid))

/**
 * Takes the lock of `root` for the life of the scope, taking over a stale one (reported through
 * `report`); fails with `StoreLocked` when a live process holds it.
 *
 * @since 0.1.0
 */
export const acquireLock = (
  fs: FileSystem.FileSystem,
  root: string,
  holder: LockHolder,
  report: (line: string) => Effect.Effect<void>
): Effect.Effect<void, StoreLocked | StoreError, Scope.Scope> => {
  const lockPath = `${root}/lock`
  const breakPath = `${root}/lock.break`
  const fail = (operation: string) => (error: PlatformError.PlatformError) =>
    new StoreError({ store: root, operation, reason: SystemErrors.describe(error) })

  const breakStale = (seen: LockHolder | "unreadable"): Effect.Effect<boolean, StoreError> =>
    Effect.gen(function* () {
      if (!(yield* createExclusive(fs, breakPath, holder))) {
        // Another process is breaking the lock; if it died doing so, clear its marker and retry.
        const breaker = yield* readHolder(fs, breakPath)
        if (breaker !== undefined && stale(breaker)) yield* fs.remove(breakPath, { force: true })
        else yield* Effect.sleep(20)
        return false
      }
      const current = yield* readHolder(fs, lockPath)
      const same = JSON.stringify(current) === JSON.stringify(seen)
      if (same) yield* fs.remove(lockPath, { force: true })
      const taken = same && (yield* createExclusive(fs, lockPath, holder))
      yield* fs.remove(breakPath, { force: true })
      if (taken) {
        yield* report(
          seen === "unreadable"
            ? `store ${root}: took over an unreadable lock file (its writer died while creating it)`
            : `store ${root}: took over the stale lock of ${describeHolder(seen)}: that process is gone`
        )
      }
      return taken
    }).pipe(Effect.mapError(fail("break a stale lock")))

  const attempt = (tries: number): Effect.Effect<void, StoreLocked | StoreError> =>
    Effect.gen(function* () {
      if (
        yield* createExclusive(fs, lockPath, holder).pipe(
          Effect.mapError(fail(`create the lock ${lockPath}`))
        )
      )
        return
      let seen = yield* readHolder(fs, lockPath).pipe(Effect.mapError(fail("read the lock")))
      if (seen === undefined) return yield* attempt(tries - 1)
      if (seen === "unreadable") {
        // The holder may be between creating the file and writing it: look again before judging.
        yield* Effect.sleep(100)
        seen = yield* readHolder(fs, lockPath).pipe(Effect.mapError(fail("read the lock")))
        if (seen === undefined) return yield* attempt(tries - 1)
      }
      if (seen !== "unreadable" && !stale(seen)) return yield* new StoreLocked({ store: root, holder: seen })
      if (tries <= 0) {
        return yield* new StoreError({
          store: root,
          operation: "take the lock",
          reason: "gave up after 50 tries"
        })
      }
      if (yield* breakStale(seen)) return
      return yield* attempt(tries - 1)
    })

  const release = readHolder(fs, lockPath).pipe(
    Effect.flatMap((current) =>
      current !== undefined &&
      current !== "unreadable" &&
      current.pid === holder.pid &&
      current.startedAt === holder.startedAt
        ? fs.remove(lockPath, { force: true })
        : Effect.void
    ),
    Effect.ignore
  )

  return Effect.acquireRelease(attempt(50), () => release)
}
