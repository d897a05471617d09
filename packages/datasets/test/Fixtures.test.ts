/**
 * The committed format fixtures are exactly what `fixtures/make-fixtures.ts` writes.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { fixtures, repoRoot, scratch } from "./TestData.ts"

const root = scratch("fixtures")
afterAll(() => rmSync(root, { recursive: true, force: true }))

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })

describe("fixtures/make-fixtures.ts", () => {
  it("rewrites the CIFAR-10, CIFAR-100 and TinyImageNet fixtures byte for byte", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "fixtures/make-fixtures.ts", root], {
      cwd: repoRoot,
      encoding: "utf8"
    })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    for (const format of ["cifar10", "cifar100", "tinyimagenet"]) {
      const written = files(join(root, format)).map((path) => relative(root, path))
      const committed = files(join(fixtures, format)).map((path) => relative(fixtures, path))
      expect(written.sort()).toEqual(committed.sort())
      for (const path of committed) {
        expect(readFileSync(join(root, path)).equals(readFileSync(join(fixtures, path))), path).toBe(true)
      }
    }
  }, 300_000)
})
