// Module-resolution hook of the `spikernel` launcher, so that a pipeline file can live in a fresh
// folder outside the repository:
//
// - it imports `@spikernel/snasnet` (and, for plugins of its own, `@spikernel/core`, `effect`, …) by
//   name; a package Node finds no copy of from that file is resolved from the CLI's own
//   installation, so the pipeline runs on the very packages (one `effect`, one tfjs) the CLI has
//   loaded;
// - a TypeScript file with no package.json above it is an ES module (pipeline files use
//   `export default`), as Deno and newer Node releases treat such files, instead of CommonJS.
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const insidePackage = (file) => {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return true
    if (dirname(dir) === dir) return false
  }
}

export async function resolve(specifier, context, nextResolve) {
  let resolved
  try {
    resolved = await nextResolve(specifier, context)
  } catch (error) {
    const missing = error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "MODULE_NOT_FOUND"
    const bare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier)
    if (!missing || !bare) throw error
    // Not installed here either: the user's import is what failed, so that error is the one to see.
    return nextResolve(specifier, { ...context, parentURL: import.meta.url }).catch(() => {
      throw error
    })
  }
  if (
    resolved.format === "commonjs" &&
    resolved.url.startsWith("file:") &&
    /\.[cm]?tsx?$/.test(resolved.url) === true &&
    !resolved.url.endsWith(".cts") &&
    !insidePackage(fileURLToPath(resolved.url))
  ) {
    return { ...resolved, format: "module" }
  }
  return resolved
}
