#!/usr/bin/env node
// Builds the CLI's start-up bundle, `packages/cli/dist/`: the `spikernel` command with the
// `@spikernel/*` packages and Effect compiled into a few ES-module chunks (esbuild, code
// splitting), so a start loads what the command needs instead of transpiling hundreds of TypeScript
// files through tsx and evaluating all of Effect's barrel. `npm ci` builds it (the root `prepare`
// script), and so does the CLI's `pretest`.
//
// - Entry points: the CLI, every `@spikernel/*` package and every public `effect` module. A pipeline
//   file's imports of those are mapped onto these entries by the launcher's resolution hook
//   (`bin/spikernel-resolve.mjs`), so the pipeline and the CLI share one copy of each module.
// - tfjs, Vega, the TypeScript compiler and other packages that locate files next to themselves
//   stay in node_modules (external); so does h5wasm (4 MiB of compiled HDF5, loaded by `export` only).
// - `import.meta.url` of every bundled module is its source file's URL, so that paths made from it
//   (the bundled data set, the repository root, tfjs's wasm files) are what they are unbundled.
// - `dist/manifest.json` lists every input file (the installed packages through npm's
//   `node_modules/.package-lock.json`) with its size and modification time: the launcher uses the
//   bundle only while all of them are unchanged, and runs the sources under tsx
//   otherwise. It also maps entry names and entry source files to their chunks.
//
// The build writes into a fresh folder and renames it into place, so a concurrent start never sees
// half a bundle. It never fails an install: without esbuild, or on an error, it says why and leaves
// the launcher on tsx.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const cli = join(root, "packages/cli")
const dist = join(cli, "dist")
const strict = process.argv.includes("--strict")

const external =
  /^(@tensorflow\/|vega($|-)|playwright|typescript($|\/)|tsx($|\/)|esbuild($|\/)|better-sqlite3|pg($|\/)|pg-|@spikernel\/onednn|h5wasm($|\/))/

const packageEntries = () => {
  const entries = {}
  for (const name of readdirSync(join(root, "packages")).sort()) {
    const manifest = join(root, "packages", name, "package.json")
    if (!existsSync(manifest)) continue
    const pkg = JSON.parse(readFileSync(manifest, "utf8"))
    const main = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."]
    if (typeof main !== "string" || !main.endsWith(".ts")) continue
    entries[pkg.name] = join(root, "packages", name, main)
  }
  return entries
}

/** `effect` and each of its public subpaths, as the specifiers a pipeline would write. */
const effectEntries = () => {
  const dir = join(root, "node_modules/effect")
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const entries = {}
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target !== "string" || key === "./package.json" || key.includes("*")) continue
    entries[key === "." ? "effect" : `effect/${key.slice(2)}`] = join(dir, target)
  }
  return entries
}

/**
 * `effect/Schema` and the other modules of Effect's barrel: small files re-exporting the barrel's
 * namespace (one entry per module would split Effect into hundreds of chunks that every start
 * loads).
 */
const effectModules = async (dist, barrel) => {
  const effect = await import(pathToFileURL(join(root, "node_modules/effect/dist/index.js")).href)
  const modules = {}
  for (const [name, namespace] of Object.entries(effect)) {
    if (!/^[A-Z]/.test(name) || typeof namespace !== "object" || namespace === null) continue
    const names = Object.keys(namespace).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key))
    const file = `effect/modules/${name}.js`
    const from = relative(dirname(join(dist, file)), join(dist, barrel)).replace(/^(?!\.)/, "./")
    const lines = [`import { ${name} as m } from ${JSON.stringify(from)}`]
    for (const key of names) lines.push(key === "default" ? "export default m.default" : `export const ${key} = m.${key}`)
    writeFileSync(join(dist, file), `${lines.join("\n")}\n`)
    modules[`effect/${name}`] = file
  }
  return modules
}

/** Each bundled module sees its own file as `import.meta.url`. */
const sourceUrls = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      if (!text.includes("import.meta.url")) return undefined
      const loader = /\.m?ts$/.test(args.path) ? "ts" : "js"
      return {
        contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader,
        resolveDir: dirname(args.path)
      }
    })
  }
}

const main = async () => {
  const esbuild = await import("esbuild")
  const specifiers = { "@spikernel/cli/main": join(cli, "src/main.ts"), ...packageEntries(), ...effectEntries() }
  // Chunk file names: `@spikernel/snasnet` → `spikernel/snasnet`; Effect's modules keep their own
  // layout (`effect/Schema`, `effect/schema/index`), which differ in more than letter case.
  const effectDist = join(root, "node_modules/effect/dist")
  const entryPoints = Object.entries(specifiers).map(([specifier, path]) => ({
    in: path,
    out: specifier.startsWith("effect")
      ? `effect/${relative(effectDist, path).replace(/\.js$/, "")}`
      : specifier.replace(/^@/, "")
  }))
  const temp = `${dist}.build-${process.pid}`
  rmSync(temp, { recursive: true, force: true })
  const result = await esbuild.build({
    entryPoints,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir: temp,
    chunkNames: "chunks/[name]-[hash]",
    metafile: true,
    // Less to parse at every start; names are kept (messages and Effect's spans use them), and a
    // stack trace still points at a function by name.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    logLevel: "warning",
    // Bundled CommonJS dependencies call `require` for Node's builtins.
    banner: { js: 'import { createRequire as __spikernelRequire } from "node:module"; const require = __spikernelRequire(import.meta.url);' },
    plugins: [
      {
        name: "external",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            external.test(args.path) ? { path: args.path, external: true } : undefined
          )
        }
      },
      sourceUrls
    ]
  })
  const outputs = {}
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (output.entryPoint !== undefined) outputs[resolve(root, output.entryPoint)] = relative(temp, resolve(root, file))
  }
  const entries = {}
  const sources = {}
  for (const [specifier, path] of Object.entries(specifiers)) {
    const chunk = outputs[resolve(path)]
    if (chunk === undefined) throw new Error(`no chunk for ${specifier}`)
    entries[specifier] = chunk
    sources[pathToFileURL(resolve(path)).href] = chunk
  }
  // Installed packages change only through npm, which rewrites node_modules/.package-lock.json: that
  // one file stands for them (a start stats tens of files instead of a thousand).
  const installed = join(root, "node_modules/.package-lock.json")
  const inputs = [
    ...Object.keys(result.metafile.inputs)
      .map((input) => resolve(root, input))
      .filter((path) => !path.includes("/node_modules/")),
    ...(existsSync(installed) ? [installed] : [])
  ]
    .sort()
    .map((path) => {
      const stat = statSync(path)
      return [path, stat.size, stat.mtimeMs]
    })
  mkdirSync(join(temp, "effect/modules"), { recursive: true })
  Object.assign(entries, await effectModules(temp, entries.effect))
  writeFileSync(
    join(temp, "manifest.json"),
    `${JSON.stringify({ format: "spikernel-cli-bundle", version: 1, entries, sources, inputs })}\n`
  )
  const old = `${dist}.old-${process.pid}`
  if (existsSync(dist)) renameSync(dist, old)
  renameSync(temp, dist)
  rmSync(old, { recursive: true, force: true })
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
  return `${inputs.length} inputs → ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`
}

const started = performance.now()
try {
  const summary = await main()
  console.log(`spikernel: CLI bundle built in ${((performance.now() - started) / 1000).toFixed(1)} s (${summary}): ${relative(process.cwd(), dist) || dist}`)
} catch (error) {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error)
  console.warn(`spikernel: no CLI bundle (${message}); the command runs its TypeScript sources under tsx (slower start)`)
  rmSync(`${dist}.build-${process.pid}`, { recursive: true, force: true })
  if (strict) process.exitCode = 1
}
