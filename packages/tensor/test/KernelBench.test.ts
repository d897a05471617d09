import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { KernelBench, loadOnednn } from "../src/index.ts"

const native = loadOnednn()._tag === "Loaded"

describe("KernelBench", () => {
  // live: the row timings need the real clock (it.effect's test clock stands still).
  it.live(
    "wasm rows per convolution kernel set, with a `kernels` field; the ratio check per set",
    () =>
      Effect.gen(function* () {
        const result = yield* KernelBench.benchKernels({
          backends: ["wasm"],
          batches: [2],
          sizes: [15],
          channels: [16],
          kernels: [3],
          strides: [1, 2],
          repeats: 1
        })
        Schema.decodeUnknownSync(KernelBench.BenchKernelsResult)(result)
        const sets = native ? ["native", "native", "wasm", "wasm"] : ["wasm", "wasm"]
        expect(result.rows.map((r) => r.kernels)).toEqual(sets)
        expect(result.rows.map((r) => r.stride)).toEqual(native ? [1, 2, 1, 2] : [1, 2])
        for (const row of result.rows) {
          expect(row.backend).toBe("wasm")
          expect(row.forwardGflops).toBeGreaterThan(0)
          expect(row.trainStepRatio).toBeGreaterThan(0)
        }
        const text = KernelBench.renderBenchKernels(result)
        expect(text).toContain("wasm kernels: train-step ratio")
        expect(text.includes("native kernels: train-step ratio")).toBe(native)
        // The shortfall check looks at stride-1 rows with k ≥ 3 and ≥ 32 channels of one set only.
        const wide = {
          ...result,
          rows: result.rows.map((r) => ({ ...r, channels: 32, trainStepRatio: 0.5 }))
        }
        expect(KernelBench.ratioShortfalls(wide, 0.8, "wasm")).toHaveLength(1)
        expect(KernelBench.ratioShortfalls(wide, 0.8, "native")).toHaveLength(native ? 1 : 0)
      }),
    120_000
  )
})
