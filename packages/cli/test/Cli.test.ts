import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

describe("spikernel", () => {
  it("prints its version", () => {
    const result = spikernel("--version")
    expect(result.status).toBe(0)
    expect(result.stdout.trim()).toBe("spikernel v0.1.0")
  })

  it("prints help that names the tool", () => {
    const result = spikernel("--help")
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/spiking neural networks/)
    expect(result.stdout).toMatch(/USAGE/)
  })

  it("exits non-zero on an unknown argument", () => {
    const result = spikernel("no-such-command")
    expect(result.status).not.toBe(0)
    expect(result.stderr + result.stdout).toMatch(/no-such-command/)
  })
})
