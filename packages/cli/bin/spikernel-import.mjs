// How the `spikernel` launcher imports a pipeline file when it runs from the CLI bundle (see
// spikernel.js): instead of registering tsx's loader hooks — which would route every later import
// through a loader thread — esbuild compiles the pipeline file and the local files it imports into
// one ES module, which Node imports like any other.
//
// - An import of a module the bundle holds — by name (`@spikernel/snasnet`, `effect`,
//   `effect/Schema`) or by the path of its source file — is left to the bundle's chunk, so the
//   pipeline runs on the very modules the command has loaded.
// - Any other package is resolved from the pipeline's folder, and from the CLI's installation when
//   that folder has no copy (as spikernel-resolve.mjs does under tsx), and imported from where it is.
// - `import.meta.url` (and `dirname`, `filename`) of every compiled file is its own, and an inline
//   source map sends stack traces to the original lines.
// - A compile error is thrown as esbuild reports it: `file:line:column: ERROR: message`.
//
// The compiled module goes to the system's temporary directory under the hash of its text, so an
// unchanged pipeline is compiled again (milliseconds) but written once.
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const installation = fileURLToPath(new URL("../../../", import.meta.url))

/** Rewrites `import.meta.*` of a source file to its own location. */
const ownMeta = (path, text) =>
  text
    .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href))
    .replaceAll("import.meta.dirname", JSON.stringify(dirname(path)))
    .replaceAll("import.meta.filename", JSON.stringify(path))

const plugin = (bundle) => ({
  name: "spikernel-pipeline",
  setup(build) {
    const chunk = (relative) => ({ path: new URL(relative, bundle.dist).href, external: true })
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.inner === true || args.kind === "entry-point") return undefined
      if (args.path.startsWith("node:")) return { path: args.path, external: true }
      const named = bundle.entries[args.path]
      if (named !== undefined) return chunk(named)
      const attempt = (resolveDir) =>
        build.resolve(args.path, {
          kind: args.kind,
          resolveDir,
          importer: args.importer,
          pluginData: { inner: true }
        })
      let resolved = await attempt(args.resolveDir)
      const bare = !/^(\.|\/)/.test(args.path)
      if (resolved.errors.length > 0 && bare) resolved = await attempt(installation)
      if (resolved.errors.length > 0) return { errors: resolved.errors }
      const source = bundle.sources[pathToFileURL(resolved.path).href]
      if (source !== undefined) return chunk(source)
      // Packages are imported where they are installed; the pipeline's own files are compiled in.
      if (resolved.path.includes("/node_modules/") || resolved.external)
        return { path: pathToFileURL(resolved.path).href, external: true }
      return { path: resolved.path }
    })
    build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      const loader = /\.[cm]?tsx$/.test(args.path)
        ? "tsx"
        : /\.[cm]?ts$/.test(args.path)
          ? "ts"
          : /x$/.test(args.path)
            ? "jsx"
            : "js"
      return { contents: text.includes("import.meta.") ? ownMeta(args.path, text) : text, loader }
    })
  }
})

/** Imports the pipeline file at `path` (absolute); rejects as `import()` would, or with the compile error. */
export const importPipeline = async (path, bundle) => {
  const esbuild = await import("esbuild")
  const dir = join(tmpdir(), "spikernel-pipelines")
  let result
  try {
    result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: `node${process.versions.node.split(".")[0]}`,
      // Source paths in the map are relative to `dir`, where the compiled module is written.
      outdir: dir,
      sourcemap: "inline",
      sourcesContent: false,
      logLevel: "silent",
      plugins: [plugin(bundle)]
    })
  } catch (error) {
    const first = error?.errors?.[0]
    if (first?.location === undefined || first.location === null) throw error
    const { file, line, column } = first.location
    const where = file.startsWith("/") ? file : join(process.cwd(), file)
    const failure = new Error(
      `Build failed with ${error.errors.length} error${error.errors.length === 1 ? "" : "s"}:\n${where}:${line}:${column}: ERROR: ${first.text}`
    )
    throw failure
  }
  const text = result.outputFiles[0].text
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 24)
  const file = join(dir, `${hash}.mjs`)
  mkdirSync(dir, { recursive: true })
  try {
    readFileSync(file)
  } catch {
    const temp = `${file}.${process.pid}.tmp`
    writeFileSync(temp, text)
    renameSync(temp, file)
  }
  process.setSourceMapsEnabled(true)
  return import(pathToFileURL(file).href)
}
