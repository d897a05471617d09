/**
 * The kernel-size study (issue 18): final accuracy, the last-quarter gain and the curves from known
 * runs, the folder it writes, and runs of unequal lengths refused.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FileSystem, Schema } from "effect"
import {
  analyzeKernelStudy,
  type KernelStudyInput,
  KernelStudyResults,
  writeKernelStudy
} from "../src/KernelStudy.ts"

const run = (kernel: number, seed: number, testTop1: [number, ...Array<number>]) => ({
  kernel,
  seed,
  params: 1000 * kernel,
  bytes: 4000 * kernel,
  testTop1,
  secondsPerEpoch: kernel
})

const input: KernelStudyInput = {
  name: "toy",
  dataset: "toy-data",
  architecture: "cifar100 cell",
  runs: [
    run(5, 1, [0.5, 0.6, 0.7, 0.7, 0.72]),
    run(3, 1, [0.6, 0.7, 0.8, 0.8, 0.8]),
    run(3, 2, [0.6, 0.7, 0.8, 0.84, 0.82]),
    run(5, 2, [0.4, 0.6, 0.6, 0.7, 0.76])
  ]
}

describe("kernel-size study", () => {
  it("gives final accuracy over seeds, the gain over the last ⌈E/4⌉ epochs and the difference to the smallest kernel", () => {
    const results = analyzeKernelStudy(input)
    expect(results.epochs).toBe(5)
    expect(results.lastEpochs).toBe(2)
    const [k3, k5] = results.rows
    expect([k3.kernel, k3.seeds, k3.params, k3.bytes]).toEqual([3, 2, 3000, 12000])
    expect(k3.final.mean).toBeCloseTo(0.81, 12)
    expect(k3.final.sd).toBeCloseTo(Math.sqrt(2 * 0.01 ** 2), 12)
    expect([k3.final.min, k3.final.max]).toEqual([0.8, 0.82])
    // Best epoch per seed: 0.8 and 0.84.
    expect(k3.best.mean).toBeCloseTo(0.82, 12)
    // Final minus epoch 3: 0 and 0.02.
    expect(k3.lastGain.mean).toBeCloseTo(0.01, 12)
    expect(k3.differenceToFirst).toBe(0)
    // 5×5: finals 0.72 and 0.76; gains 0.02 and 0.16; 0.07 below 3×3.
    expect(k5.final.mean).toBeCloseTo(0.74, 12)
    expect(k5.lastGain.mean).toBeCloseTo(0.09, 12)
    expect(k5.differenceToFirst).toBeCloseTo(-0.07, 12)
    expect(k5.secondsPerEpoch).toBe(5)
    const curve = results.curves.filter((c) => c.kernel === 5).map((c) => Number(c.mean.toFixed(6)))
    expect(curve).toEqual([0.45, 0.6, 0.65, 0.7, 0.74])
  })

  it("one seed has no sd", () => {
    const results = analyzeKernelStudy({ ...input, runs: [run(7, 1, [0.3, 0.4])] })
    expect(results.rows[0].final.sd).toBeNaN()
    expect(results.lastEpochs).toBe(1)
    expect(results.rows[0].lastGain.mean).toBeCloseTo(0.1, 12)
  })

  it.effect("writes the folder; runs of unequal lengths are refused", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const files = yield* writeKernelStudy(input, dir)
      const json = JSON.parse(yield* fs.readFileString(files.results))
      expect(
        Schema.decodeUnknownSync(KernelStudyResults)(json, { onExcessProperty: "error" }).rows
      ).toHaveLength(2)
      const html = yield* fs.readFileString(files.index)
      expect(html).toContain("Test accuracy by kernel size")
      expect(html).toContain("81.00 %")
      expect(files.written.map((f) => f.path.slice(dir.length + 1)).sort()).toEqual([
        "index.html",
        "plots/kernel-study.svg",
        "results.json",
        "summary.md"
      ])
      const exit = yield* Effect.exit(
        writeKernelStudy({ ...input, runs: [...input.runs, run(7, 1, [0.1, 0.2])] }, `${dir}/uneven`)
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("the 7×7 training with seed 1 has 2 epochs; the first has 5")
    }).pipe(Effect.provide(NodeServices.layer))
  )
})
