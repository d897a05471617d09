/**
 * `benchTrain` in process on tiny configurations, on wasm and cpu.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { BenchTrainResult, benchTrain, renderBenchTrain } from "../src/bench/BenchTrain.ts"

describe("benchTrain", () => {
  it.live(
    "times training steps per backend and reports the wasm / cpu ratio",
    () =>
      Effect.gen(function* () {
        const tiny = {
          imageShape: [28, 28, 1] as const,
          widths: [2, 4] as const,
          kernels: [1, 3],
          timesteps: 1,
          batch: 2
        }
        const result = yield* benchTrain({
          runs: [
            { backend: "cpu", configs: [tiny] },
            { backend: "wasm", configs: [tiny, { ...tiny, kernels: [1, 7] }] }
          ],
          steps: { cpu: 1, wasm: 1 },
          warmup: { cpu: 0, wasm: 1 }
        })
        Schema.decodeUnknownSync(BenchTrainResult)(result)
        expect(result.rows.map((r) => [r.backend, r.config])).toEqual([
          ["cpu", "28x28x1 w2/4 k1,3 T1 b2"],
          ["wasm", "28x28x1 w2/4 k1,3 T1 b2"],
          ["wasm", "28x28x1 w2/4 k1,7 T1 b2"]
        ])
        for (const row of result.rows) {
          expect(row.imagesPerSecond).toBeGreaterThan(0)
          expect(row.peakRssMb).toBeGreaterThan(10)
          expect(row.microBatch).toBe(2)
        }
        // {1,7} has more weights than {1,3} on the same cell.
        expect(result.rows[2].params).toBeGreaterThan(result.rows[1].params)
        expect(result.speedups).toHaveLength(1)
        expect(result.speedups[0].wasmOverCpu).toBeCloseTo(
          result.rows[1].imagesPerSecond / result.rows[0].imagesPerSecond,
          9
        )
        expect(renderBenchTrain(result)).toMatch(/wasm \/ cpu on 28x28x1 w2\/4 k1,3 T1 b2: [\d.]+×/)
      }),
    180_000
  )
})
