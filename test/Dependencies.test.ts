/**
 * The dependency rule of the house (README, "Architecture"): plugins → core/tensor; the assembly
 * (`@spikernel/snasnet`) → plugins; the CLI, the cluster (its worker threads build the assembly's
 * plugins) and pipelines → the assembly; the CLI → the cluster. Read from every package's
 * `package.json` and from the import statements of its sources, so an import that the manifest does
 * not declare, or a relative path into another package, fails here too.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../", import.meta.url))
const packagesDir = join(root, "packages")

const foundation = ["core", "tensor"]
const plugins = [
  "datasets",
  "encoders",
  "neurons",
  "spaces",
  "training",
  "scorers",
  "search",
  "selectors",
  "report"
]

/** What each package's sources may import, by package folder name. */
const allowed: Readonly<Record<string, ReadonlyArray<string>>> = {
  core: [],
  // The oneDNN addon: C++ and a CommonJS loader, imported by nobody (tensor requires it at run time).
  onednn: [],
  tensor: ["core", "onednn"],
  ...Object.fromEntries(plugins.map((name) => [name, foundation])),
  pipeline: ["core"],
  snasnet: [...foundation, ...plugins, "pipeline"],
  cluster: [...foundation, "pipeline", "snasnet"],
  cli: [...foundation, "pipeline", "snasnet", "cluster"],
  testing: [...foundation, "pipeline"]
}

/** What a plugin package's tests may import besides its own package: the foundation and the contract suites. */
const pluginTestImports = [...foundation, "testing"]

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === "node_modules" || name.startsWith(".")) return []
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

/** Every module specifier of a TypeScript file: static, re-export and dynamic imports. */
const specifiers = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const found: Array<string> = []
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']/g))
    found.push(match[1])
  for (const match of text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) found.push(match[1])
  for (const match of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) found.push(match[1])
  return found
}

const spikernelPackage = (specifier: string): string | undefined =>
  specifier.startsWith("@spikernel/") ? specifier.slice("@spikernel/".length).split("/")[0] : undefined

const packages = readdirSync(packagesDir).filter((name) => statSync(join(packagesDir, name)).isDirectory())

const manifest = (name: string) =>
  JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8")) as {
    readonly dependencies?: Readonly<Record<string, string>>
  }

/** Relative imports that leave `base` (a package folder). */
const escapes = (file: string, base: string): ReadonlyArray<string> =>
  specifiers(file).filter(
    (specifier) =>
      specifier.startsWith(".") && relative(base, resolve(file, "..", specifier)).startsWith("..")
  )

describe("the dependency rule", () => {
  it("knows every package of the house", () => {
    expect([...packages].sort()).toEqual(Object.keys(allowed).sort())
  })

  for (const name of packages) {
    it(`@spikernel/${name} depends on and imports only what its layer allows`, () => {
      const may = new Set([name, ...(allowed[name] ?? [])])
      const declared = Object.keys(manifest(name).dependencies ?? {})
        .map(spikernelPackage)
        .filter((dep): dep is string => dep !== undefined)
      expect(
        declared.filter((dep) => !may.has(dep)),
        "package.json dependencies"
      ).toEqual([])
      const base = join(packagesDir, name)
      for (const file of filesUnder(join(base, "src"))) {
        const where = relative(root, file)
        const imported = specifiers(file)
          .map(spikernelPackage)
          .filter((dep): dep is string => dep !== undefined)
        expect(
          imported.filter((dep) => !may.has(dep)),
          `${where} imports`
        ).toEqual([])
        expect(
          imported.filter((dep) => dep !== name && !declared.includes(dep)),
          `${where}: undeclared`
        ).toEqual([])
        expect(escapes(file, base), `${where}: relative imports out of the package`).toEqual([])
      }
    })
  }

  for (const name of plugins) {
    it(`@spikernel/${name}'s tests import no other plugin package`, () => {
      const may = new Set([name, ...pluginTestImports])
      for (const file of filesUnder(join(packagesDir, name, "test"))) {
        const imported = specifiers(file)
          .map(spikernelPackage)
          .filter((dep): dep is string => dep !== undefined)
        expect(
          imported.filter((dep) => !may.has(dep)),
          relative(root, file)
        ).toEqual([])
        // The repository's fixtures (small files in the real formats) are shared test data.
        const outside = escapes(file, join(packagesDir, name)).filter(
          (specifier) => !resolve(file, "..", specifier).startsWith(join(root, "fixtures"))
        )
        expect(outside, relative(root, file)).toEqual([])
      }
    })
  }

  it("pipelines import the assembly by name (and core's contracts), never a package's files", () => {
    const pipelinesDir = join(root, "pipelines")
    for (const file of filesUnder(pipelinesDir)) {
      const where = relative(root, file)
      for (const specifier of specifiers(file)) {
        if (specifier.startsWith("node:")) continue
        if (specifier.startsWith(".")) {
          expect(
            relative(pipelinesDir, resolve(file, "..", specifier)).startsWith(".."),
            `${where}: ${specifier}`
          ).toBe(false)
          continue
        }
        expect(["@spikernel/snasnet", "@spikernel/core"], `${where}: ${specifier}`).toContain(specifier)
      }
    }
  })

  it("the checker sees imports: a plugin importing a plugin is caught", () => {
    // The rule above would pass vacuously if `specifiers` found nothing; it finds the assembly's imports.
    const assembly = filesUnder(join(packagesDir, "snasnet", "src")).flatMap(specifiers)
    expect(assembly).toEqual(
      expect.arrayContaining(["@spikernel/spaces", "@spikernel/training", "@spikernel/pipeline"])
    )
    const line =
      'import { Lif } from "@spikernel/neurons"\nimport type { X } from "./X.ts"\nconst m = await import("@spikernel/search")'
    const scratch = join(root, "node_modules", ".dependencies-test.ts")
    return import("node:fs").then(({ writeFileSync, rmSync }) => {
      writeFileSync(scratch, line)
      try {
        expect(specifiers(scratch)).toEqual(["@spikernel/neurons", "./X.ts", "@spikernel/search"])
      } finally {
        rmSync(scratch)
      }
    })
  })
})
