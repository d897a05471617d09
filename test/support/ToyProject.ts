/**
 * End-to-end test support: a temporary project holding a toy pipeline file (the engine's test
 * plugins, no tensors), and a way to run the `spikernel` CLI on it under Node or Deno.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)))

export interface ToyOptions {
  readonly budget?: number
  readonly concurrency?: number
  readonly sleepMs?: number
  readonly k?: number
  readonly offset?: number
  readonly seed?: number
  readonly strategy?: "toy-random" | "toy-evolution"
}

/** The source of a toy pipeline file (imports by absolute path, so it can live outside the repo). */
export const toyPipelineSource = (options: ToyOptions = {}): string => {
  const index = JSON.stringify(join(repoRoot, "packages/pipeline/src/index.ts"))
  const toys = JSON.stringify(join(repoRoot, "packages/pipeline/test/ToyPlugins.ts"))
  const strategy =
    (options.strategy ?? "toy-evolution") === "toy-evolution"
      ? `{ id: "toy-evolution", config: { population: 10 } }`
      : `{ id: "toy-random" }`
  return `import { load, pipeline, report, search, select, use } from ${index}
import { ToyData, ToyScorer, ToySpace, ToyTopK, toyPlugins } from ${toys}

const data = load({ loader: use(ToyData, { size: 8 }) })
const found = search({
  dataset: data,
  space: use(ToySpace, { ops: 5 }),
  strategy: ${strategy},
  scorer: use(ToyScorer, { sleepMs: ${options.sleepMs ?? 2}, offset: ${options.offset ?? 0} }),
  budget: ${options.budget ?? 200},
  concurrency: ${options.concurrency ?? 4}
})
const top = select({ from: found, selector: use(ToyTopK, { k: ${options.k ?? 5} }) })

export default pipeline({
  name: "toy",
  seed: ${options.seed ?? 7},
  plugins: toyPlugins,
  steps: { data, found, top, summary: report({ from: { found, top } }) }
})
`
}

/** A fresh directory with `package.json` (ES modules) and `toy.ts`. */
export const toyProject = (options: ToyOptions = {}): { readonly dir: string; readonly pipeline: string } => {
  const dir = mkdtempSync(join(tmpdir(), "spikernel-e2e-"))
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
  const pipeline = join(dir, "toy.ts")
  writeFileSync(pipeline, toyPipelineSource(options))
  return { dir, pipeline }
}

export interface CliResult {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const nodeCommand = (args: ReadonlyArray<string>) =>
  [process.execPath, [join(repoRoot, "packages/cli/bin/spikernel.js"), ...args]] as const

/** Runs the CLI under Node to completion. */
export const spikernel = (args: ReadonlyArray<string>): CliResult => {
  const [command, argv] = nodeCommand(args)
  const result = spawnSync(command, argv, { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

/** The lean runner of `RunPipeline.ts` (the runner and store without the CLI), for many quick runs. */
export const leanRunner = (pipeline: string, store: string) =>
  [
    process.execPath,
    ["--import", "tsx", join(repoRoot, "test/support/RunPipeline.ts"), pipeline, store]
  ] as const

/**
 * Starts a process (by default the CLI under Node), in the repository unless `cwd` says otherwise,
 * with `env` added to this process's environment; `done` resolves when it exits.
 */
export const startSpikernel = (
  args: ReadonlyArray<string>,
  [command, argv]: readonly [string, ReadonlyArray<string>] = nodeCommand(args),
  options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> } = {}
) => {
  const child = spawn(command, [...argv], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => {
    stdout += chunk
  })
  child.stderr.on("data", (chunk) => {
    stderr += chunk
  })
  const done = new Promise<CliResult>((resolveDone) => {
    child.on("close", (status, signal) => resolveDone({ status, signal, stdout, stderr }))
  })
  return { child, done }
}

/** The JSON document of a `--json` command. */
export const parseJson = (result: CliResult): Record<string, unknown> => {
  if (result.status !== 0) throw new Error(`spikernel exited ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout) as Record<string, unknown>
}
