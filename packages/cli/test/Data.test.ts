import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const debian = "/usr/share/datasets/fashion-mnist"
const hasDebian = existsSync(join(debian, "train-images-idx3-ubyte.gz"))
const scratch = mkdtempSync(join(tmpdir(), "spikernel-cli-data-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const inspectJson = (spec: string) => {
  const result = spikernel("data", "inspect", spec, "--json")
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout)
}

describe("spikernel data inspect", () => {
  it.skipIf(!hasDebian)(
    `reports 60,000 / 10,000 images and 6,000 / 1,000 per class for Debian's Fashion-MNIST${hasDebian ? "" : ` (skipped: ${debian} is absent; apt-get install -y dataset-fashion-mnist)`}`,
    () => {
      const output = inspectJson(`fashion-mnist:${debian}`)
      expect(output.train).toBe(60_000)
      expect(output.test).toBe(10_000)
      expect(output.classes).toBe(10)
      expect(output.labelCounts.train).toEqual(new Array(10).fill(6000))
      expect(output.labelCounts.test).toEqual(new Array(10).fill(1000))
      expect(output.checksum).toMatch(/^[0-9a-f]{64}$/)
    },
    300_000
  )

  it("reports the bundled fashion-mnist-mini, and the same checksum every time", () => {
    const output = inspectJson("fashion-mnist-mini")
    expect(Object.keys(output).slice(0, 5)).toEqual(["train", "test", "classes", "labelCounts", "checksum"])
    expect([output.train, output.test, output.classes]).toEqual([2000, 1000, 10])
    expect(output.labelCounts).toEqual({ train: new Array(10).fill(200), test: new Array(10).fill(100) })
    expect(output.checksum).toBe("f0b00eda7f609cacde6865211ca6e4902741bc51a28cc95e0a8c8e2ea35f9e67")
  }, 300_000)

  it("prints a readable summary without --json", () => {
    const result = spikernel("data", "inspect", "cifar10:fixtures/cifar10")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("cifar10:fixtures/cifar10: 32×32×3 images, 10 classes")
    expect(result.stdout).toContain("train: 20 (airplane=2,")
    expect(result.stdout).toMatch(/checksum: sha256 [0-9a-f]{64}/)
  }, 300_000)

  it("exits 1 with one line naming the file and offset on damaged data", () => {
    const copy = join(scratch, "cifar10")
    cpSync(join(root, "fixtures", "cifar10"), copy, { recursive: true })
    const file = join(copy, "cifar-10-batches-bin", "data_batch_2.bin")
    appendFileSync(file, new Uint8Array(7))
    const result = spikernel("data", "inspect", `cifar10:${copy}`, "--json")
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toContain(`spikernel: cifar10: ${file} (offset 12292): file size 12299`)
    // With --json, stdout holds one document: the typed error, its file and offset as fields.
    expect(JSON.parse(result.stdout).error).toMatchObject({ _tag: "DatasetError", file, at: "offset 12292" })
  }, 300_000)

  it("exits 1 with one line on a missing directory or an unknown data set", () => {
    const missing = spikernel("data", "inspect", "mnist:/no/such/dir")
    expect(missing.status).toBe(1)
    expect(missing.stderr.trim()).toBe(
      "spikernel: mnist: /no/such/dir/train-images-idx3-ubyte: missing train split file (also looked for /no/such/dir/train-images-idx3-ubyte.gz)"
    )
    const unknown = spikernel("data", "inspect", "imagenet:/x")
    expect(unknown.status).toBe(1)
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1)
    expect(unknown.stderr).toContain('unknown dataset "imagenet"')
  }, 300_000)
})
