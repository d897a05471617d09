#!/usr/bin/env node
// Launcher. Spikernel's packages ship TypeScript sources; the command starts from the prebuilt
// bundle in `../dist` (scripts/bundle-cli.mjs, built by `npm ci`) while every file it was built
// from is unchanged, and from the sources under tsx otherwise (a checkout being edited, or no
// bundle; `SPIKERNEL_BUNDLE=0` forces it).
//
// Pipeline files are TypeScript. From the bundle, `@spikernel/pipeline`'s PipelineFile imports one
// through the importer below (spikernel-import.mjs: esbuild compiles it, its imports of the
// bundle's modules resolve to the bundle). From the sources, tsx's loader is registered, with a
// resolution hook (spikernel-resolve.mjs) that lets a pipeline file anywhere import `@spikernel/*`
// and `effect` by name from this installation.
import { readFileSync, statSync } from "node:fs"
import * as Module from "node:module"

// Node 22.1+ keeps the compiled code of the modules it loads on disk (in the system's temporary
// directory), which halves the next start; Node 20 has no such cache.
Module.enableCompileCache?.()

const dist = new URL("../dist/", import.meta.url)

/** The bundle's manifest when the bundle is current, else undefined. */
const currentBundle = () => {
  if (process.env.SPIKERNEL_BUNDLE === "0") return undefined
  let manifest
  try {
    manifest = JSON.parse(readFileSync(new URL("manifest.json", dist), "utf8"))
  } catch {
    return undefined
  }
  if (manifest?.format !== "spikernel-cli-bundle" || manifest.version !== 1) return undefined
  for (const [path, size, mtimeMs] of manifest.inputs) {
    try {
      const stat = statSync(path)
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) return undefined
    } catch {
      return undefined
    }
  }
  return manifest
}

const bundle = currentBundle()
if (bundle === undefined) {
  const { register: registerTsx } = await import("tsx/esm/api")
  registerTsx()
  Module.register("./spikernel-resolve.mjs", import.meta.url)
  await import("../src/main.ts")
} else {
  const found = { dist: dist.href, entries: bundle.entries, sources: bundle.sources }
  globalThis[Symbol.for("@spikernel/cli/import-pipeline")] = (path) =>
    import("./spikernel-import.mjs").then(({ importPipeline }) => importPipeline(path, found))
  await import(new URL(bundle.entries["@spikernel/cli/main"], dist).href)
}
