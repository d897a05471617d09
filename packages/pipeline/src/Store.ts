/**
 * The result store (DESIGN.md §3): a directory holding content-addressed blobs, an append-only
 * journal that maps keys to values, and a lock for its one writer.
 *
 * ```
 * <root>/journal          `<sha256> <json>` lines: key → blob address, or key → small inline value
 * <root>/blobs/ab/ab12…   values, named by the SHA-256 of their bytes
 * <root>/tmp/             blobs being written (temp → fsync → rename → fsync of the directory)
 * <root>/lock             the writer's pid, hostname, start time and command
 * ```
 *
 * Crash safety is ours, not Effect's: `KeyValueStore.layerFileSystem` (effect 4.1) writes files in
 * place without fsync, so this store uses the `FileSystem` service only for primitive operations.
 * A value is durable before the journal line that names it, and the line is fsynced before `put`
 * returns, so a kill loses only values whose `put` had not returned.
 *
 * Reading: the journal is loaded once into an index (key → entry); `get` reads and verifies one
 * value (a blob is re-hashed on every `get`: cheap next to computing it, and the only way a flipped
 * byte is never used). A corrupt value (hash mismatch, missing blob, garbage journal line) is
 * reported in one line and treated as absent, so the caller recomputes it.
 *
 * @since 0.1.0
 */
import { CanonicalJson, Digest, SystemErrors } from "@spikernel/core"
import { Context, Effect, FileSystem, Layer, Option, type PlatformError, Schema, Semaphore } from "effect"
import { encodeLine, type JournalRecord, parseJournal, renderJournal } from "./Journal.ts"
import { acquireLock, currentHolder } from "./Lock.ts"
import { StoreError, type StoreLocked } from "./StoreError.ts"

/**
 * What the index knows of a key: its tag, size, and where the value lives.
 *
 * @since 0.1.0
 */
export interface Entry {
  readonly key: string
  /** What kind of value this is (`score`, `record`, `step`, `checkpoint`, `run`, …), for status and gc. */
  readonly tag: string
  readonly size: number
  /** The blob's address, or `undefined` for a value inlined in the journal. */
  readonly blob: string | undefined
}

/**
 * What `gc` removed.
 *
 * @since 0.1.0
 */
export interface GcReport {
  readonly removedBlobs: number
  readonly removedBytes: number
  readonly journalBytesBefore: number
  readonly journalBytesAfter: number
  readonly keptEntries: number
}

/**
 * The store's footprint.
 *
 * @since 0.1.0
 */
export interface Usage {
  readonly journalBytes: number
  readonly blobs: number
  readonly blobBytes: number
  readonly entries: number
}

/**
 * @since 0.1.0
 */
export interface StoreShape {
  /** The store directory as given (`memory:` for the in-memory twin). */
  readonly root: string
  readonly writable: boolean
  /** The index entry of a key (the latest `put`), without reading the value. */
  readonly entry: (key: string) => Option.Option<Entry>
  /** Index entries whose key starts with `prefix`, in journal order. */
  readonly entries: (prefix: string) => ReadonlyArray<Entry>
  /** The verified value of a key; none when absent or found corrupt (which is reported). */
  readonly get: (key: string) => Effect.Effect<Option.Option<Uint8Array>, StoreError>
  /** Stores a value durably under a key; later puts of a key supersede earlier ones. */
  readonly put: (key: string, tag: string, value: Uint8Array) => Effect.Effect<void, StoreError>
  /** Compacts the journal to the latest entry per key and removes blobs no entry refers to. */
  readonly gc: Effect.Effect<GcReport, StoreError>
  readonly usage: Effect.Effect<Usage, StoreError>
  /** Reports one line about the store (corruption found, a stale lock taken over). */
  readonly report: (line: string) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 */
export class Store extends Context.Service<Store, StoreShape>()("@spikernel/pipeline/Store") {}

/**
 * How to open a store directory.
 *
 * @since 0.1.0
 */
export interface StoreOptions {
  readonly root: string
  /**
   * `write` takes the lock (one writer per store); `read` never writes, never waits, and refuses a
   * path that holds no store; `plan` reads like `read` but takes a store that does not exist yet as
   * an empty one (what a first run would create).
   */
  readonly mode: "write" | "read" | "plan"
  /** Recorded in the lock file so a second writer can say who holds the store. */
  readonly command?: string
  /** Where one-line reports go; the default logs a warning. */
  readonly report?: (line: string) => Effect.Effect<void>
  /** Values up to this many bytes live in their journal line (default 2048). */
  readonly inlineLimit?: number
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const encoder = new TextEncoder()

const asText = (value: Uint8Array): string | undefined => {
  try {
    return utf8.decode(value)
  } catch {
    return undefined
  }
}

/** `score/3fa2…` with the hex shortened, for one-line reports. */
const shortKey = (key: string): string => key.replace(/[0-9a-f]{64}/g, (hex) => `${hex.slice(0, 12)}…`)

const entryOf = (record: JournalRecord): Entry =>
  record.op === "blob"
    ? { key: record.key, tag: record.tag, size: record.size, blob: record.blob }
    : { key: record.key, tag: record.tag, size: encoder.encode(record.value).length, blob: undefined }

const sameRecord = (a: JournalRecord | undefined, b: JournalRecord): boolean =>
  a !== undefined &&
  a.op === b.op &&
  a.tag === b.tag &&
  (a.op === "blob" ? a.blob === (b as typeof a).blob : a.value === (b as typeof a).value)

/**
 * Opens a store directory; the lock (in write mode) is held for the life of the scope.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function* (options: StoreOptions) {
  const fs = yield* FileSystem.FileSystem
  const root = options.root.replace(/\/+$/, "") || "/"
  const writable = options.mode === "write"
  const inlineLimit = options.inlineLimit ?? 2048
  const report = options.report ?? ((line: string) => Effect.logWarning(line))
  const journalPath = `${root}/journal`
  const fail = (operation: string) => (error: PlatformError.PlatformError | StoreError) =>
    error._tag === "StoreError"
      ? error
      : new StoreError({ store: root, operation, reason: SystemErrors.describe(error) })

  /** fsync of a directory makes a rename or a creation in it durable; not every platform allows it. */
  const syncDirectory = (path: string) =>
    Effect.scoped(Effect.flatMap(fs.open(path, { flag: "r" }), (dir) => dir.sync)).pipe(Effect.ignore)

  let tempCounter = 0
  /** Writes `path` atomically and durably: temp file, fsync, rename, fsync of the directory. */
  const writeDurably = (path: string, data: Uint8Array) => {
    const temp = `${root}/tmp/${path.slice(path.lastIndexOf("/") + 1)}.${process.pid}.${tempCounter++}`
    return Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(temp, { flag: "w" })
        yield* file.writeAll(data)
        yield* file.sync
      })
    ).pipe(
      Effect.andThen(fs.rename(temp, path)),
      // A write that failed (a full disk) leaves no partial file behind.
      Effect.onError(() => fs.remove(temp, { force: true }).pipe(Effect.ignore)),
      Effect.andThen(syncDirectory(path.slice(0, path.lastIndexOf("/"))))
    )
  }

  /**
   * Why a directory cannot be made: a recursive mkdir reports a read-only or forbidden parent as
   * "not found"; the nearest existing ancestor, asked for write access, says what is wrong.
   */
  const whyNotCreated = (path: string) => (error: PlatformError.PlatformError) =>
    Effect.gen(function* () {
      if (error.reason._tag !== "NotFound") return fail("create the store")(error)
      let ancestor = path
      while (
        ancestor !== "/" &&
        ancestor !== "." &&
        !(yield* fs.exists(ancestor).pipe(Effect.orElseSucceed(() => false)))
      )
        ancestor = ancestor.slice(0, Math.max(1, ancestor.lastIndexOf("/")))
      const denied = yield* fs.access(ancestor, { writable: true }).pipe(
        Effect.as(undefined),
        Effect.catch((cause) => Effect.succeed(cause))
      )
      return fail("create the store")(denied ?? error)
    }).pipe(Effect.flip)

  if (writable) {
    yield* fs
      .makeDirectory(`${root}/blobs`, { recursive: true })
      .pipe(Effect.catch((error) => whyNotCreated(`${root}/blobs`)(error)))
    yield* fs
      .makeDirectory(`${root}/tmp`, { recursive: true })
      .pipe(Effect.mapError(fail("create the store")))
    const startedAt = new Date().toISOString()
    yield* acquireLock(fs, root, currentHolder(options.command ?? "spikernel", startedAt), report)
  }

  if (options.mode === "plan" && !(yield* fs.exists(root).pipe(Effect.mapError(fail("open"))))) {
    // Nothing there yet: an empty store.
  } else if (!writable) {
    // A store is read where it is: a path that is no directory, or a directory that holds no store,
    // is the caller's mistake, not an empty store.
    const info = yield* fs
      .stat(root)
      .pipe(
        Effect.mapError((error) =>
          error.reason._tag === "NotFound"
            ? new StoreError({ store: root, operation: "open", reason: "no such directory" })
            : fail("open")(error)
        )
      )
    if (info.type !== "Directory") {
      return yield* new StoreError({ store: root, operation: "open", reason: "not a directory" })
    }
    const present = (path: string) => fs.exists(path).pipe(Effect.mapError(fail("open")))
    if (!(yield* present(journalPath)) && !(yield* present(`${root}/blobs`))) {
      return yield* new StoreError({
        store: root,
        operation: "open",
        reason: "not a Spikernel store (it has no journal and no blobs/)"
      })
    }
  }
  const exists = yield* fs.exists(journalPath).pipe(Effect.mapError(fail("open the journal")))
  const bytes = exists
    ? yield* fs.readFile(journalPath).pipe(Effect.mapError(fail("read the journal")))
    : new Uint8Array(0)
  const parsed = parseJournal(bytes)
  const records = new Map<string, JournalRecord>()
  for (const { record } of parsed.records) records.set(record.key, record)
  // The checksum the next appended line is written after.
  let lastChecksum = parsed.lastChecksum

  for (const problem of parsed.problems) {
    yield* report(
      `store ${root}: journal line ${problem.line} is corrupt (${problem.reason}); its entry is ignored and will be recomputed`
    )
  }
  // A record out of order is ignored (its key falls back to its last record in order, or is
  // recomputed); a run manifest among them marks its run damaged, for good (a `damage/` entry).
  const damages: Array<JournalRecord> = []
  for (const problem of parsed.outOfOrder) {
    yield* report(
      `store ${root}: journal line ${problem.line} (${shortKey(problem.record.key)}) is ${problem.reason}; its entry is ignored and will be recomputed`
    )
    if (problem.record.key.startsWith("run/")) {
      damages.push({
        op: "inline",
        key: `damage/${problem.record.key}`,
        tag: "damage",
        value: JSON.stringify({ line: problem.line, reason: problem.reason })
      })
    }
  }
  if (writable && (parsed.problems.length > 0 || parsed.outOfOrder.length > 0)) {
    // Set the bad lines aside and rewrite the journal without them (chained afresh), so the same
    // damage is reported once, not on every later run.
    const rejected = [...parsed.problems, ...parsed.outOfOrder]
      .sort((a, b) => a.line - b.line)
      .map((p) => `${p.text}\n`)
      .join("")
    yield* fs
      .writeFileString(`${root}/journal.rejected`, rejected, { flag: "a" })
      .pipe(Effect.mapError(fail("set damaged journal lines aside")))
    for (const damage of damages) records.set(damage.key, damage)
    const rendered = renderJournal([...parsed.records.map((r) => r.record), ...damages])
    yield* writeDurably(journalPath, encoder.encode(rendered.text)).pipe(
      Effect.mapError(fail("repair the journal"))
    )
    lastChecksum = rendered.lastChecksum
  } else {
    for (const damage of damages) records.set(damage.key, damage)
    if (writable && parsed.torn) {
      // A torn last record is the normal trace of a kill mid-append: drop it before appending.
      yield* fs
        .truncate(journalPath, parsed.completeBytes)
        .pipe(Effect.mapError(fail("trim a torn journal record")))
    }
  }
  if (writable) {
    yield* fs.remove(`${root}/tmp`, { recursive: true, force: true }).pipe(Effect.mapError(fail("clean tmp")))
    yield* fs.makeDirectory(`${root}/tmp`, { recursive: true }).pipe(Effect.mapError(fail("clean tmp")))
  }

  const appendLock = yield* Semaphore.make(1)
  let journalCreated = exists
  const blobDirectories = new Set<string>()

  const blobPath = (hash: string) => `${root}/blobs/${hash.slice(0, 2)}/${hash}`

  const readOnly = (operation: string) =>
    Effect.fail(new StoreError({ store: root, operation, reason: "the store was opened read-only" }))

  const append = (record: JournalRecord) =>
    appendLock.withPermit(
      Effect.scoped(
        Effect.gen(function* () {
          const file = yield* fs.open(journalPath, { flag: "a" })
          const encoded = encodeLine(record, lastChecksum)
          yield* file.writeAll(encoder.encode(encoded.line))
          yield* file.sync
          lastChecksum = encoded.checksum
        })
      ).pipe(
        // The first append creates the journal: make its directory entry durable too.
        Effect.andThen(Effect.suspend(() => (journalCreated ? Effect.void : syncDirectory(root)))),
        Effect.andThen(Effect.sync(() => (journalCreated = true))),
        Effect.andThen(Effect.sync(() => records.set(record.key, record)))
      )
    )

  const blobIsGood = (hash: string) =>
    fs.readFile(blobPath(hash)).pipe(
      Effect.map((data) => Digest.sha256Hex(data) === hash),
      Effect.catch(() => Effect.succeed(false))
    )

  const discard = (key: string, why: string, hash: string | undefined) =>
    Effect.gen(function* () {
      records.delete(key)
      yield* report(`store ${root}: ${why}; it is not used and will be recomputed`)
      if (writable && hash !== undefined)
        yield* fs.remove(blobPath(hash), { force: true }).pipe(Effect.ignore)
    })

  const get = (key: string): Effect.Effect<Option.Option<Uint8Array>, StoreError> =>
    Effect.gen(function* () {
      const record = records.get(key)
      if (record === undefined) return Option.none()
      if (record.op === "inline") return Option.some(encoder.encode(record.value))
      const data = yield* fs.readFile(blobPath(record.blob)).pipe(
        Effect.map(Option.some),
        Effect.catchIf(
          (error) => error.reason._tag === "NotFound",
          () => Effect.succeed(Option.none<Uint8Array>())
        ),
        Effect.mapError(fail(`read blob ${record.blob}`))
      )
      if (Option.isNone(data)) {
        yield* discard(key, `blob ${record.blob.slice(0, 12)}… of ${shortKey(key)} is missing`, undefined)
        return Option.none()
      }
      if (Digest.sha256Hex(data.value) !== record.blob) {
        yield* discard(
          key,
          `blob ${record.blob.slice(0, 12)}… of ${shortKey(key)} is corrupt (SHA-256 mismatch, ${data.value.length} of ${record.size} bytes)`,
          record.blob
        )
        return Option.none()
      }
      return data
    })

  const put = (key: string, tag: string, value: Uint8Array): Effect.Effect<void, StoreError> => {
    if (!writable) return readOnly(`put ${shortKey(key)}`)
    return Effect.gen(function* () {
      const text = value.length <= inlineLimit ? asText(value) : undefined
      if (text !== undefined) {
        const record: JournalRecord = { op: "inline", key, tag, value: text }
        if (!sameRecord(records.get(key), record)) yield* append(record)
        return
      }
      const hash = Digest.sha256Hex(value)
      const record: JournalRecord = { op: "blob", key, tag, blob: hash, size: value.length }
      const good = yield* blobIsGood(hash)
      if (good && sameRecord(records.get(key), record)) return
      if (!good) {
        const directory = `${root}/blobs/${hash.slice(0, 2)}`
        if (!blobDirectories.has(directory)) {
          if (!(yield* fs.exists(directory))) {
            yield* fs.makeDirectory(directory, { recursive: true })
            yield* syncDirectory(`${root}/blobs`)
          }
          blobDirectories.add(directory)
        }
        yield* writeDurably(blobPath(hash), value)
      }
      yield* append(record)
    }).pipe(Effect.mapError(fail(`put ${shortKey(key)} (${value.length.toLocaleString("en-US")} bytes)`)))
  }

  const entries = (prefix: string): ReadonlyArray<Entry> => {
    const out: Array<Entry> = []
    for (const record of records.values()) if (record.key.startsWith(prefix)) out.push(entryOf(record))
    return out
  }

  const listBlobs = Effect.gen(function* () {
    const out: Array<{ readonly hash: string; readonly path: string; readonly size: number }> = []
    if (!(yield* fs.exists(`${root}/blobs`))) return out
    for (const prefix of yield* fs.readDirectory(`${root}/blobs`)) {
      const directory = `${root}/blobs/${prefix}`
      for (const name of yield* fs.readDirectory(directory)) {
        const info = yield* fs.stat(`${directory}/${name}`)
        out.push({ hash: name, path: `${directory}/${name}`, size: Number(info.size) })
      }
    }
    return out
  })

  const journalSize = fs.exists(journalPath).pipe(
    Effect.flatMap((present) => (present ? fs.stat(journalPath) : Effect.succeed(undefined))),
    Effect.map((info) => (info === undefined ? 0 : Number(info.size)))
  )

  const gc: Effect.Effect<GcReport, StoreError> = writable
    ? appendLock
        .withPermit(
          Effect.gen(function* () {
            const journalBytesBefore = yield* journalSize
            const rendered = renderJournal(records.values())
            yield* writeDurably(journalPath, encoder.encode(rendered.text))
            lastChecksum = rendered.lastChecksum
            const journalBytesAfter = yield* journalSize
            const referenced = new Set<string>()
            for (const record of records.values()) if (record.op === "blob") referenced.add(record.blob)
            let removedBlobs = 0
            let removedBytes = 0
            for (const blob of yield* listBlobs) {
              if (referenced.has(blob.hash)) continue
              yield* fs.remove(blob.path, { force: true })
              removedBlobs++
              removedBytes += blob.size
            }
            return {
              removedBlobs,
              removedBytes,
              journalBytesBefore,
              journalBytesAfter,
              keptEntries: records.size
            }
          })
        )
        .pipe(Effect.mapError(fail("gc")))
    : readOnly("gc")

  const usage: Effect.Effect<Usage, StoreError> = Effect.gen(function* () {
    const blobs = yield* listBlobs
    return {
      journalBytes: yield* journalSize,
      blobs: blobs.length,
      blobBytes: blobs.reduce((sum, blob) => sum + blob.size, 0),
      entries: records.size
    }
  }).pipe(Effect.mapError(fail("measure")))

  return Store.of({
    root,
    writable,
    entry: (key) => {
      const record = records.get(key)
      return record === undefined ? Option.none() : Option.some(entryOf(record))
    },
    entries,
    get,
    put,
    gc,
    usage,
    report
  })
})

/**
 * The store in a directory, on the platform's `FileSystem`.
 *
 * @since 0.1.0
 */
export const layer = (
  options: StoreOptions
): Layer.Layer<Store, StoreError | StoreLocked, FileSystem.FileSystem> => Layer.effect(Store, make(options))

/**
 * An in-memory store with the same behaviour (latest put wins, values verified, gc), for tests.
 *
 * @since 0.1.0
 */
export const makeMemory = (options?: {
  readonly report?: (line: string) => Effect.Effect<void>
}): StoreShape => {
  const records = new Map<string, Entry>()
  const blobs = new Map<string, Uint8Array>()
  const report = options?.report ?? ((line: string) => Effect.logWarning(line))
  const get = (key: string) =>
    Effect.gen(function* () {
      const entry = records.get(key)
      if (entry === undefined || entry.blob === undefined) return Option.none<Uint8Array>()
      const data = blobs.get(entry.blob)
      if (data === undefined || Digest.sha256Hex(data) !== entry.blob) {
        records.delete(key)
        yield* report(
          `store memory: value of ${shortKey(key)} is corrupt; it is not used and will be recomputed`
        )
        return Option.none<Uint8Array>()
      }
      return Option.some(data.slice())
    })
  const put = (key: string, tag: string, value: Uint8Array) =>
    Effect.sync(() => {
      const hash = Digest.sha256Hex(value)
      blobs.set(hash, value.slice())
      records.set(key, { key, tag, size: value.length, blob: hash })
    })
  return Store.of({
    root: "memory:",
    writable: true,
    entry: (key) => Option.fromUndefinedOr(records.get(key)),
    entries: (prefix) => [...records.values()].filter((entry) => entry.key.startsWith(prefix)),
    get,
    put,
    gc: Effect.sync(() => {
      const referenced = new Set([...records.values()].map((entry) => entry.blob))
      let removedBlobs = 0
      let removedBytes = 0
      for (const [hash, data] of blobs) {
        if (referenced.has(hash)) continue
        blobs.delete(hash)
        removedBlobs++
        removedBytes += data.length
      }
      return {
        removedBlobs,
        removedBytes,
        journalBytesBefore: 0,
        journalBytesAfter: 0,
        keptEntries: records.size
      }
    }),
    usage: Effect.sync(() => ({
      journalBytes: 0,
      blobs: blobs.size,
      blobBytes: [...blobs.values()].reduce((sum, data) => sum + data.length, 0),
      entries: records.size
    })),
    report
  })
}

/**
 * A fresh in-memory store.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Store> = Layer.sync(Store, () => makeMemory())

/**
 * Reads a Schema'd value: canonical JSON under `key`. A value that no longer decodes is reported
 * and treated as absent, like a corrupt blob.
 *
 * @since 0.1.0
 */
export const getValue = <A, I>(
  schema: Schema.Codec<A, I>,
  key: string
): Effect.Effect<Option.Option<A>, StoreError, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    const data = yield* store.get(key)
    if (Option.isNone(data)) return Option.none()
    const decoded = Schema.decodeUnknownExit(Schema.fromJsonString(schema))(
      new TextDecoder().decode(data.value)
    )
    if (decoded._tag === "Success") return Option.some(decoded.value)
    yield* store.report(
      `store ${store.root}: value of ${shortKey(key)} does not decode; it will be recomputed`
    )
    return Option.none()
  })

/**
 * The bytes a Schema'd value is stored as: the canonical JSON of its encoded form.
 *
 * @since 0.1.0
 */
export const encodeValue = <A, I>(schema: Schema.Codec<A, I>, value: A): Uint8Array =>
  encoder.encode(CanonicalJson.canonicalJson(Schema.encodeSync(schema)(value)))

/**
 * Stores a Schema'd value as canonical JSON under `key`.
 *
 * @since 0.1.0
 */
export const putValue = <A, I>(
  schema: Schema.Codec<A, I>,
  key: string,
  tag: string,
  value: A
): Effect.Effect<void, StoreError, Store> =>
  Effect.flatMap(Store, (store: StoreShape) => store.put(key, tag, encodeValue(schema, value)))
