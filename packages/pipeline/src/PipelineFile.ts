/**
 * Loading a pipeline file: a TypeScript module whose default export is a `pipeline(...)`. It is
 * imported with a dynamic `import()` of its file URL, which runs TypeScript under tsx (the CLI's
 * launcher registers it) and natively under Deno. Its bytes are hashed for the RunManifest.
 *
 * @since 0.1.0
 */
import { isAbsolute, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { ConfigError, Digest } from "@spikernel/core"
import { Effect, FileSystem } from "effect"
import { isPipeline, type Pipeline } from "./Pipeline.ts"

/**
 * A loaded pipeline file.
 *
 * @since 0.1.0
 */
export interface PipelineFile {
  /** The absolute path: what identifies "the same pipeline" across runs. */
  readonly path: string
  /** SHA-256 of the file's bytes. */
  readonly hash: string
  readonly pipeline: Pipeline
}

/**
 * Imports a pipeline file: with the host's importer when it has one — the `spikernel` launcher,
 * running from its prebuilt bundle, compiles the file with esbuild onto the bundle's modules — and
 * with `import()` otherwise (under tsx, vitest or Deno, which load TypeScript themselves).
 */
const importFile = (path: string): Promise<{ readonly default?: unknown }> => {
  const importer = (globalThis as Record<symbol, unknown>)[Symbol.for("@spikernel/cli/import-pipeline")]
  return typeof importer === "function"
    ? (importer as (path: string) => Promise<{ readonly default?: unknown }>)(path)
    : import(pathToFileURL(path).href)
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0]

/** `file:line:column` of the first occurrence of `text` in a file's source, if it is there. */
const locate = (source: string, text: string): string | undefined => {
  const at = source.indexOf(text)
  if (at < 0) return undefined
  const before = source.slice(0, at).split("\n")
  return `${before.length}:${before[before.length - 1].length + 1}`
}

/**
 * Why a pipeline file could not be imported, with the place: the compiler's `file:line:col: ERROR:
 * message` for a syntax error, the line of the import that names a missing package, the frame of
 * the pipeline's own code that threw.
 */
const importFailure = (error: unknown, path: string, source: string): string => {
  const message = error instanceof Error ? error.message : String(error)
  // esbuild (through tsx): "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <message>"
  const compiler = message.split("\n").find((line) => /^.+:\d+:\d+: ERROR: /.test(line))
  if (compiler !== undefined) return compiler
  const missing = /^Cannot find (?:package|module) '([^']+)' imported from (.+)$/.exec(message.split("\n")[0])
  if (missing !== null) {
    const [, specifier, from] = missing
    const file = from.startsWith("file:") ? new URL(from).pathname : from
    const where =
      file === path ? (locate(source, `"${specifier}"`) ?? locate(source, `'${specifier}'`)) : undefined
    return `${file}${where === undefined ? "" : `:${where}`}: cannot find package '${specifier}'`
  }
  // A throw in the pipeline's own code: the first stack frame in a file of the pipeline's folder.
  const folder = path.slice(0, path.lastIndexOf("/") + 1)
  const stack = error instanceof Error ? (error.stack ?? "") : ""
  for (const line of stack.split("\n").slice(1)) {
    const frame = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim())
    if (frame === null) continue
    const file = frame[1].startsWith("file:") ? new URL(frame[1]).pathname : frame[1]
    if (file.startsWith(folder) && !file.includes("/node_modules/")) {
      return `${file}:${frame[2]}:${frame[3]}: ${message.split("\n")[0]}`
    }
  }
  return firstLine(error)
}

/**
 * Imports a pipeline file (relative paths resolve against the working directory).
 *
 * @since 0.1.0
 */
export const loadPipelineFile = (
  file: string
): Effect.Effect<PipelineFile, ConfigError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = isAbsolute(file) ? file : resolve(process.cwd(), file)
    const bytes = yield* fs.readFile(path).pipe(
      Effect.mapError(
        (error) =>
          new ConfigError({
            source: file,
            reason: error.reason._tag === "NotFound" ? "no such pipeline file" : firstLine(error.message)
          })
      )
    )
    const module = yield* Effect.tryPromise({
      try: () => importFile(path),
      catch: (error) =>
        new ConfigError({
          source: file,
          reason: `cannot be imported: ${importFailure(error, path, new TextDecoder().decode(bytes))}`
        })
    })
    if (!isPipeline(module.default)) {
      return yield* new ConfigError({
        source: file,
        reason: "its default export is not a pipeline; write `export default pipeline({ seed, steps })`"
      })
    }
    return { path, hash: Digest.sha256Hex(bytes), pipeline: module.default }
  })
