/**
 * `spikernel plan` of a paper pipeline without its data: exit 1, one line naming the missing file;
 * of a study pipeline with a malformed scale setting: exit 1, one line naming the variable.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "spikernel-plan-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("spikernel plan", () => {
  it("spikernel plan without the data exits 1 with one line naming the missing file", () => {
    const result = spawnSync(
      process.execPath,
      [
        "packages/cli/bin/spikernel.js",
        "plan",
        "pipelines/spikernel-cifar10.ts",
        "--store",
        join(scratch, "no-data-store")
      ],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, SPIKERNEL_CIFAR10: join(scratch, "no-such-dir") }
      }
    )
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split("\n")
    expect(lines[lines.length - 1]).toMatch(
      /^spikernel: step "data": cifar10: .*no-such-dir.*data_batch_1\.bin/
    )
  }, 120_000)

  for (const [variable, value, what] of [
    ["SPIKERNEL_KERNEL_SEEDS", "1,x", "a comma-separated list of whole numbers ≥ 0"],
    ["SPIKERNEL_KERNEL_EPOCHS", "2.5", "a whole number ≥ 1"],
    ["SPIKERNEL_KERNEL_SIZES", "3,,7", "a comma-separated list of whole numbers ≥ 1"]
  ] as const) {
    it(`a study pipeline with ${variable}=${value} exits 1 with one line naming the setting`, () => {
      const result = spawnSync(
        process.execPath,
        [
          "packages/cli/bin/spikernel.js",
          "plan",
          "pipelines/kernel-study.ts",
          "--no-typecheck",
          "--store",
          join(scratch, "bad-env")
        ],
        { cwd: root, encoding: "utf8", env: { ...process.env, [variable]: value } }
      )
      expect(result.status).toBe(1)
      const lines = result.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`${variable}=${JSON.stringify(value)}: must be ${what}`)
    }, 120_000)
  }
})
