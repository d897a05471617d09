/**
 * `spikernel bench store`: a second run of a finished search is reported all cached, the JSON decodes
 * with the benchmark's schema, and the store's bytes add up. No timed assertions (the times are the
 * benchmark's output, not a test).
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { BenchStoreResult, renderBenchStore } from "../src/commands/BenchStore.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

describe("spikernel bench store", () => {
  it("runs a 50-candidate search twice: the second run is all cached, and the store has bytes per candidate", () => {
    const child = spikernel("bench", "store", "--candidates", "50", "--json")
    expect(child.stderr).toBe("")
    expect(child.status).toBe(0)
    const result = Schema.decodeUnknownSync(BenchStoreResult)(JSON.parse(child.stdout))
    expect(result.candidates).toBe(50)
    expect(result.targetSeconds).toBe(2)
    expect(result.secondRunSteps.map((step) => [step.name, step.status])).toEqual([
      ["data", "cached"],
      ["found", "cached"],
      ["best", "cached"]
    ])
    expect(result.bytesPerCandidate).toBeGreaterThan(0)
    expect(result.bytesPerCandidate).toBe(result.storeBytes / 50)
    expect(result.journalBytes).toBeGreaterThan(0)
    expect(result.blobBytes).toBeGreaterThan(0)
    expect(result.journalBytes + result.blobBytes).toBeLessThanOrEqual(result.storeBytes)
    // The second run adds its run manifest and nothing else: a run that recomputed would journal its
    // records and scores again, most of the first run's bytes.
    expect(result.secondRunAddedBytes).toBeGreaterThan(0)
    expect(result.secondRunAddedBytes).toBeLessThan(result.storeBytes / 4)
    expect(renderBenchStore(result)).toMatch(/second run: .* every step cached \(data, found, best\)/)
  }, 300_000)

  it("refuses a candidate count below 1 with one line", () => {
    const child = spikernel("bench", "store", "--candidates", "0")
    expect(child.status).toBe(1)
    expect(child.stderr).toMatch(/^spikernel: bench store: --candidates must be a positive integer, got 0\n$/)
  }, 60_000)
})
