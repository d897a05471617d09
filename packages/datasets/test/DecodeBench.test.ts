/**
 * `benchData` (behind `spikernel bench data`) on the bundled data, and on Debian's Fashion-MNIST
 * where it is installed.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { benchData, renderBenchData } from "../src/DecodeBench.ts"

const debian = "/usr/share/datasets/fashion-mnist"
const hasDebian = existsSync(join(debian, "train-images-idx3-ubyte.gz"))

describe("benchData", () => {
  it.live("times decode, fingerprint and an augmented epoch of the bundled data", () =>
    Effect.gen(function* () {
      const result = yield* benchData({ spec: { name: "fashion-mnist-mini" }, repeats: 2 })
      expect(result.decodeMs).toHaveLength(2)
      expect(result.train).toBe(2000)
      expect(result.bestDecodeMs).toBe(Math.min(...result.decodeMs))
      expect(result.imagesPerSecond).toBeGreaterThan(0)
      expect(renderBenchData(result)).toContain("full decode: best")
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.live.skipIf(!hasDebian)("reports the full Fashion-MNIST decode time (target < 1.5 s)", () =>
    Effect.gen(function* () {
      const result = yield* benchData({ repeats: 2 })
      console.log(renderBenchData(result))
      expect(result.train).toBe(60_000)
      expect(result.bestDecodeMs).toBeGreaterThan(0)
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )
})
