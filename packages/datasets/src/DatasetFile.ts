/**
 * Reading a data set's files: one place that turns file-system failures and gzip damage into
 * `DatasetError`s naming the file and where it went wrong.
 *
 * Gzip uses `node:zlib` (Node and Deno both provide it): a one-shot gunzip of the 26 MB
 * Fashion-MNIST train images takes a fraction of the decode budget.
 *
 * @since 0.1.0
 */
import { DatasetLoader } from "@spikernel/core"
import { Effect, type FileSystem } from "effect"
import { constants, gunzipSync } from "node:zlib"

const { DatasetError } = DatasetLoader

/**
 * Joins path segments with `/` (the loaders' paths are always POSIX-style or absolute Windows
 * paths, which Node and Deno both accept with `/`).
 *
 * @since 0.1.0
 */
export const join = (...parts: ReadonlyArray<string>): string =>
  parts
    .filter((part) => part.length > 0)
    .map((part, i) => (i === 0 ? part.replace(/\/+$/, "") : part.replace(/^\/+|\/+$/g, "")))
    .join("/")

const describe = (error: { readonly message: string }): string => error.message.split("\n")[0]

/**
 * Reads a whole file; `missing` says what a missing file is (`missing split file`, …).
 *
 * @since 0.1.0
 */
export const read = (
  fs: FileSystem.FileSystem,
  dataset: string,
  file: string,
  missing = "missing file"
): Effect.Effect<Uint8Array, DatasetLoader.DatasetError> =>
  fs.readFile(file).pipe(
    Effect.mapError(
      (error) =>
        new DatasetError({
          dataset,
          file,
          reason: error.reason._tag === "NotFound" ? missing : `cannot read: ${describe(error)}`
        })
    )
  )

/**
 * Reads a text file.
 *
 * @since 0.1.0
 */
export const readText = (
  fs: FileSystem.FileSystem,
  dataset: string,
  file: string
): Effect.Effect<string, DatasetLoader.DatasetError> =>
  read(fs, dataset, file).pipe(Effect.map((bytes) => new TextDecoder().decode(bytes)))

/**
 * Whether a path exists (errors other than "not found" count as absent; the later read reports them).
 *
 * @since 0.1.0
 */
export const exists = (fs: FileSystem.FileSystem, file: string): Effect.Effect<boolean> =>
  fs.exists(file).pipe(Effect.orElseSucceed(() => false))

/**
 * The first of `candidates` that exists, or a missing-file error naming all of them.
 *
 * @since 0.1.0
 */
export const firstExisting = (
  fs: FileSystem.FileSystem,
  dataset: string,
  candidates: ReadonlyArray<string>,
  what: string
): Effect.Effect<string, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    for (const candidate of candidates) {
      if (yield* exists(fs, candidate)) return candidate
    }
    return yield* new DatasetError({
      dataset,
      file: candidates[0],
      reason: `missing ${what}${candidates.length > 1 ? ` (also looked for ${candidates.slice(1).join(", ")})` : ""}`
    })
  })

/**
 * Lists a directory's entries by name, sorted; a missing directory is a DatasetError.
 *
 * @since 0.1.0
 */
export const list = (
  fs: FileSystem.FileSystem,
  dataset: string,
  directory: string
): Effect.Effect<Array<string>, DatasetLoader.DatasetError> =>
  fs.readDirectory(directory).pipe(
    Effect.map((names) => [...names].sort()),
    Effect.mapError(
      (error) =>
        new DatasetError({
          dataset,
          file: directory,
          reason: `cannot list: ${describe(error)}`
        })
    )
  )

/**
 * Every regular file under a directory (recursively), as full paths, sorted: a directory data
 * set's sources. A missing directory has none (decoding it then names the file it looked for).
 *
 * @since 0.1.0
 */
export const filesUnder = (
  fs: FileSystem.FileSystem,
  dataset: string,
  directory: string
): Effect.Effect<Array<string>, DatasetLoader.DatasetError> =>
  Effect.gen(function* () {
    if (!(yield* fs.exists(directory))) return []
    const names = yield* fs.readDirectory(directory, { recursive: true })
    const files: Array<string> = []
    for (const name of [...names].sort()) {
      const path = join(directory, name)
      if ((yield* fs.stat(path)).type === "File") files.push(path)
    }
    return files
  }).pipe(
    Effect.mapError(
      (error) =>
        new DatasetError({
          dataset,
          file: directory,
          reason: `cannot list: ${describe(error)}`
        })
    )
  )

/**
 * Whether bytes start with the gzip magic number.
 *
 * @since 0.1.0
 */
export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/**
 * Gunzips a whole file. A damaged or truncated stream fails with the compressed size and how many
 * bytes could be recovered, and nothing of the partial output is returned.
 *
 * @since 0.1.0
 */
export const gunzip = (
  dataset: string,
  file: string,
  bytes: Uint8Array
): Effect.Effect<Uint8Array, DatasetLoader.DatasetError> =>
  Effect.try({
    try: () => {
      const out = gunzipSync(bytes)
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    },
    catch: (error) => {
      const text = error instanceof Error ? error.message : String(error)
      if (/unexpected end of file/i.test(text)) {
        // Decompress what is there (sync flush accepts a missing end) to say how far it got.
        let recovered = 0
        try {
          recovered = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).byteLength
        } catch {
          recovered = 0
        }
        return new DatasetError({
          dataset,
          file,
          at: `offset ${bytes.length}`,
          reason: `truncated gzip stream: the file ends at byte ${bytes.length} before the gzip end (${recovered} bytes decompressed)`
        })
      }
      return new DatasetError({ dataset, file, reason: `corrupt gzip stream: ${text}` })
    }
  })

/**
 * Reads a file and gunzips it when it is gzip-compressed (by its magic number, not its name).
 *
 * @since 0.1.0
 */
export const readMaybeGzip = (
  fs: FileSystem.FileSystem,
  dataset: string,
  file: string
): Effect.Effect<Uint8Array, DatasetLoader.DatasetError> =>
  Effect.flatMap(read(fs, dataset, file), (bytes) =>
    isGzip(bytes) ? gunzip(dataset, file, bytes) : Effect.succeed(bytes)
  )
