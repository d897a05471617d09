/**
 * The identity of a `load` step's data on disk, DVC-style: every source file's size, modification
 * time and SHA-256, stored beside the step's output. A run compares sizes and times (cheap); a file
 * whose size or time differs is hashed again, and only a different hash is a change of the data.
 * So a data set replaced, truncated or edited on disk is decoded again and its fingerprint — which
 * every downstream key holds — changes; one merely touched is not decoded twice.
 *
 * @since 0.1.0
 */
import { Digest, SystemErrors } from "@spikernel/core"
import { Effect, FileSystem, Schema } from "effect"

/**
 * One source file as last seen.
 *
 * @since 0.1.0
 */
export const SourceFile = Schema.Struct({
  path: Schema.String,
  size: Schema.Int,
  mtimeMs: Schema.Finite,
  sha256: Schema.String
})

/**
 * @since 0.1.0
 */
export type SourceFile = typeof SourceFile.Type

/**
 * What a load step's data was when its output was computed.
 *
 * @since 0.1.0
 */
export const SourceSignature = Schema.Struct({
  /** The data set's fingerprint the files decoded to. */
  fingerprint: Schema.String,
  files: Schema.Array(SourceFile)
})

/**
 * @since 0.1.0
 */
export type SourceSignature = typeof SourceSignature.Type

/**
 * A source file that cannot be read (reported with the step's name by the runner).
 *
 * @since 0.1.0
 */
export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.file}: ${this.reason}`
  }
}

const fileName = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

/**
 * The files as they are now, hashing only those whose size or time differs from `previous`
 * (every file when there is no previous signature); and which files changed content, were added or
 * were removed, by name.
 *
 * @since 0.1.0
 */
export const scan = (
  paths: ReadonlyArray<string>,
  previous: SourceSignature | undefined
): Effect.Effect<
  {
    readonly files: ReadonlyArray<SourceFile>
    readonly changed: ReadonlyArray<string>
    readonly touched: boolean
  },
  SourceError,
  FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const before = new Map((previous?.files ?? []).map((file) => [file.path, file]))
    const files: Array<SourceFile> = []
    const changed: Array<string> = []
    let touched = false
    for (const path of paths) {
      const fail = (error: unknown) => new SourceError({ file: path, reason: SystemErrors.describe(error) })
      const info = yield* fs.stat(path).pipe(Effect.mapError(fail))
      const size = Number(info.size)
      const mtimeMs = info.mtime._tag === "Some" ? info.mtime.value.getTime() : 0
      const seen = before.get(path)
      if (seen !== undefined && seen.size === size && seen.mtimeMs === mtimeMs) {
        files.push(seen)
        continue
      }
      touched = true
      const sha256 = Digest.sha256Hex(yield* fs.readFile(path).pipe(Effect.mapError(fail)))
      files.push({ path, size, mtimeMs, sha256 })
      if (previous !== undefined && seen?.sha256 !== sha256) changed.push(fileName(path))
    }
    const now = new Set(paths)
    for (const path of before.keys()) {
      if (!now.has(path)) {
        touched = true
        changed.push(`${fileName(path)} (removed)`)
      }
    }
    return { files, changed, touched: touched || previous === undefined }
  })
