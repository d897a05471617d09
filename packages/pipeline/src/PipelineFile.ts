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

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0]

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
      try: () => import(pathToFileURL(path).href) as Promise<{ readonly default?: unknown }>,
      catch: (error) => new ConfigError({ source: file, reason: `cannot be imported: ${firstLine(error)}` })
    })
    if (!isPipeline(module.default)) {
      return yield* new ConfigError({
        source: file,
        reason: "its default export is not a pipeline; write `export default pipeline({ seed, steps })`"
      })
    }
    return { path, hash: Digest.sha256Hex(bytes), pipeline: module.default }
  })
