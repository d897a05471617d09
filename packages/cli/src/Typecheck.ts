/**
 * Type-checking a pipeline file before it runs: every check the builders' types promise (a
 * selector fed a data set, a config of the wrong shape) is made on the file the user runs, not only
 * when an editor happens to run `tsc`.
 *
 * Under Node it runs this installation's TypeScript (`tsc`, the native compiler) on a generated
 * tsconfig that names only the file, with the `@spikernel/*` packages mapped to this installation —
 * the same mapping `spikernel init` writes — and an incremental build-info file in the system's
 * temporary directory, so a second check of an unchanged file takes a fraction of the first. Under
 * Deno it runs `deno check` with this repository's `deno.json`.
 *
 * @since 0.1.0
 */
import { statSync } from "node:fs"
import { tmpdir } from "node:os"
import { ConfigError, Digest } from "@spikernel/core"
import { Clock, Effect, FileSystem, Option, Path, Schema, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

/**
 * The outcome of a check: the diagnostics as `file:line:col: error …` lines (none when it passed).
 *
 * @since 0.1.0
 */
export interface Checked {
  readonly file: string
  readonly seconds: number
  readonly checker: "tsc" | "deno check"
  readonly passed: boolean
  /** Passed without running the checker: no file of the last passing check has changed since. */
  readonly unchanged: boolean
  readonly diagnostics: ReadonlyArray<string>
}

/**
 * What the last passing check read: the generated tsconfig's hash and every file of the program
 * (tsc's `--listFiles`) with its size and modification time. While none of them changed, the file
 * still type-checks, so `run` and `plan` skip spawning the compiler.
 */
const Stamp = Schema.Struct({
  config: Schema.String,
  files: Schema.Array(Schema.Tuple([Schema.String, Schema.Int, Schema.Finite]))
})

/**
 * Size and modification time of a file, or none. Synchronous on purpose: a check stats every file of
 * the program (over a thousand), and one `statSync` costs microseconds where an asynchronous
 * round trip through the runtime costs a hundred times more.
 */
const statOf = (file: string): Option.Option<readonly [number, number]> => {
  try {
    const info = statSync(file)
    return Option.some([info.size, info.mtimeMs] as const)
  } catch {
    return Option.none()
  }
}

const unchangedSince = (fs: FileSystem.FileSystem, stampPath: string, config: string) =>
  Effect.gen(function* () {
    const text = yield* fs.readFileString(stampPath).pipe(Effect.option)
    if (Option.isNone(text)) return false
    const stamp = Schema.decodeUnknownOption(Schema.fromJsonString(Stamp))(text.value, {
      onExcessProperty: "error"
    })
    if (Option.isNone(stamp) || stamp.value.config !== config) return false
    return stamp.value.files.every(([file, size, mtime]) => {
      const seen = statOf(file)
      return Option.isSome(seen) && seen.value[0] === size && seen.value[1] === mtime
    })
  })

const writeStamp = (
  fs: FileSystem.FileSystem,
  stampPath: string,
  config: string,
  files: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const entries: Array<readonly [string, number, number]> = []
    for (const file of files) {
      const seen = statOf(file.trim())
      if (Option.isNone(seen)) return
      entries.push([file.trim(), seen.value[0], seen.value[1]])
    }
    const text = `${JSON.stringify(Schema.encodeSync(Stamp)({ config, files: entries }))}\n`
    yield* fs.writeFileString(`${stampPath}.tmp`, text)
    yield* fs.rename(`${stampPath}.tmp`, stampPath)
  }).pipe(Effect.ignore)

const decoder = new TextDecoder()

const collect = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  Stream.runFold(
    stream,
    () => "",
    (text, chunk: Uint8Array) => text + decoder.decode(chunk, { stream: true })
  )

/** `file(line,col): error TS…` → `/abs/file:line:col: error TS…`, the form a terminal links. */
const diagnosticLines = (
  output: string,
  cwd: string,
  resolve: (...parts: Array<string>) => string
): ReadonlyArray<string> =>
  output
    .split("\n")
    .map((line) =>
      line
        .replace(
          /^(.+?)\((\d+),(\d+)\): /,
          (_, file: string, row: string, col: string) => `${resolve(cwd, file)}:${row}:${col}: `
        )
        .trim()
    )
    .filter((line) => /: error /.test(line) || /^error: /.test(line) || /^TS\d+/.test(line))

/** The packages a source file imports by name (`effect`, `@scope/name`), without Node's builtins. */
const importedPackages = (source: string): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const match of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"'./][^"']*)["']/g)) {
    const specifier = match[1]
    if (specifier.startsWith("node:")) continue
    const parts = specifier.split("/")
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0])
  }
  return [...names].sort()
}

/** The declaration file an `exports` target names (`./dist/Schema.js` → `./dist/Schema.d.ts`). */
const declarationOf = (target: unknown): string | undefined => {
  if (typeof target === "string") return target.replace(/\.m?js$/, ".d.ts")
  if (target === null || typeof target !== "object") return undefined
  const conditions = target as Record<string, unknown>
  const types = conditions.types
  if (typeof types === "string") return types
  return declarationOf(conditions.import ?? conditions.default)
}

/**
 * \`paths\` entries for the packages \`source\` imports that Node finds no copy of from its folder:
 * the runtime resolves those from this installation (\`bin/spikernel-resolve.mjs\`), so the check
 * must too. A package's \`exports\` become one entry per subpath, pointing at its declarations.
 */
const installedPaths = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  repo: string,
  target: string,
  source: string
) =>
  Effect.gen(function* () {
    const paths: Record<string, ReadonlyArray<string>> = {}
    const findable = (name: string) =>
      Effect.gen(function* () {
        for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
          if (
            yield* fs
              .exists(path.join(dir, "node_modules", name, "package.json"))
              .pipe(Effect.orElseSucceed(() => false))
          )
            return true
          if (path.dirname(dir) === dir) return false
        }
      })
    for (const name of importedPackages(source)) {
      if (name.startsWith("@spikernel/") || (yield* findable(name))) continue
      const dir = path.join(repo, "node_modules", name)
      const manifest = yield* fs.readFileString(path.join(dir, "package.json")).pipe(Effect.option)
      if (manifest._tag === "None") continue
      const exports = (JSON.parse(manifest.value) as { readonly exports?: unknown }).exports
      if (
        exports !== null &&
        typeof exports === "object" &&
        Object.keys(exports).some((k) => k.startsWith("."))
      ) {
        for (const [key, value] of Object.entries(exports as Record<string, unknown>)) {
          const declaration = declarationOf(value)
          if (declaration === undefined || key === "./package.json") continue
          paths[`${name}${key.slice(1)}`] = [path.join(dir, declaration)]
        }
      } else {
        paths[name] = [dir]
        paths[`${name}/*`] = [path.join(dir, "*")]
      }
    }
    return paths
  })

const isDeno = (): boolean => typeof (globalThis as { readonly Deno?: unknown }).Deno === "object"

/**
 * Type-checks `file` and says what the checker found.
 *
 * @since 0.1.0
 */
export const check = (
  file: string
): Effect.Effect<
  Checked,
  ConfigError,
  FileSystem.FileSystem | Path.Path | ChildProcessSpawner.ChildProcessSpawner
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const target = path.resolve(file)
      const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..")
      const fail = (reason: string) => new ConfigError({ source: file, reason })
      const started = yield* Clock.currentTimeMillis
      let command: ChildProcess.Command
      let checker: Checked["checker"]
      let stamp: { readonly path: string; readonly config: string } | undefined
      if (isDeno()) {
        checker = "deno check"
        command = ChildProcess.make(
          process.execPath,
          ["check", "--quiet", "--config", path.join(repo, "deno.json"), target],
          {
            cwd: repo
          }
        )
      } else {
        checker = "tsc"
        // One build-info file per pipeline file, outside the repository and the user's folder.
        const id = Digest.sha256Hex(`${repo}\n${target}`).slice(0, 16)
        const dir = path.join(tmpdir(), "spikernel-typecheck", id)
        yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError((e) => fail(e.message)))
        const source = yield* fs.readFileString(target).pipe(Effect.mapError((e) => fail(e.message)))
        const installed = yield* installedPaths(fs, path, repo, target, source)
        const config = {
          extends: path.join(repo, "tsconfig.base.json"),
          compilerOptions: {
            // A pipeline file is an ES module whatever folder it sits in (the runner imports it as one).
            module: "preserve",
            moduleResolution: "bundler",
            paths: { ...installed, "@spikernel/*": [path.join(repo, "packages/*/src/index.ts")] },
            typeRoots: [path.join(repo, "node_modules/@types")],
            incremental: true,
            tsBuildInfoFile: path.join(dir, "build.tsbuildinfo")
          },
          files: [target]
        }
        const tsconfig = path.join(dir, "tsconfig.json")
        const configText = `${JSON.stringify(config, null, 2)}\n`
        yield* fs.writeFileString(tsconfig, configText).pipe(Effect.mapError((e) => fail(e.message)))
        stamp = { path: path.join(dir, "passed.json"), config: Digest.sha256Hex(configText) }
        if (yield* unchangedSince(fs, stamp.path, stamp.config)) {
          const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
          return { file: target, seconds, checker, passed: true, unchanged: true, diagnostics: [] }
        }
        command = ChildProcess.make(
          process.execPath,
          [
            path.join(repo, "node_modules/typescript/bin/tsc"),
            "-p",
            tsconfig,
            "--pretty",
            "false",
            "--listFiles"
          ],
          { cwd: repo }
        )
      }
      const handle = yield* spawner
        .spawn(command)
        .pipe(Effect.mapError((e) => fail(`cannot run ${checker}: ${e.message}`)))
      const [stdout, stderr, exitCode] = yield* Effect.all(
        [collect(handle.stdout), collect(handle.stderr), handle.exitCode],
        { concurrency: "unbounded" }
      ).pipe(Effect.mapError((e) => fail(`${checker}: ${e.message}`)))
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      const found = diagnosticLines(`${stdout}\n${stderr}`, repo, path.resolve)
      const diagnostics =
        exitCode === 0
          ? []
          : found.length > 0
            ? found
            : [(stderr.trim() || stdout.trim() || `${checker} failed`).split("\n")[0]]
      if (stamp !== undefined) {
        const files = stdout.split("\n").filter((line) => path.isAbsolute(line.trim()))
        yield* exitCode === 0
          ? writeStamp(fs, stamp.path, stamp.config, files)
          : fs.remove(stamp.path, { force: true }).pipe(Effect.ignore)
      }
      const checked: Checked = {
        file: target,
        seconds,
        checker,
        passed: exitCode === 0,
        unchanged: false,
        diagnostics
      }
      return checked
    })
  )

/**
 * Type-checks `file` for `run` and `plan`; fails with one line: the first diagnostic as
 * `file:line:col: error TS…: …` and how many more there are.
 *
 * @since 0.1.0
 */
export const typecheck = (file: string) =>
  Effect.flatMap(check(file), (checked) =>
    checked.passed
      ? Effect.succeed(checked)
      : Effect.fail(
          new ConfigError({
            source: file,
            reason: `does not type-check: ${checked.diagnostics[0].replace(/\.$/, "")}${checked.diagnostics.length > 1 ? ` (and ${checked.diagnostics.length - 1} more)` : ""}; \`spikernel check ${file}\` lists them all, --no-typecheck skips the check`
          })
        )
  )
