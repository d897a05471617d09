/**
 * The re-run of a finished 1000-candidate search reads the journal once into an index and reads
 * only the outputs it prints: it must take well under 2 s (measured here in-process, from opening
 * the store to the results), and the store must stay small per candidate. The figures are printed.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { pipeline } from "../src/Pipeline.ts"
import { prepare } from "../src/Prepare.ts"
import * as Progress from "../src/Progress.ts"
import * as Registry from "../src/Registry.ts"
import * as Runner from "../src/Runner.ts"
import { load, report, search, select, use } from "../src/Step.ts"
import * as Store from "../src/Store.ts"
import { ToyData, ToyScorer, ToySpace, ToyTopK, toyPlugins } from "./ToyPlugins.ts"

const budget = 1000

const decl = () => {
  const data = load({ loader: use(ToyData, { size: 8 }) })
  const found = search({
    dataset: data,
    space: use(ToySpace, { ops: 5 }),
    strategy: { id: "toy-random" },
    scorer: use(ToyScorer, { sleepMs: 0, offset: 0 }),
    budget,
    concurrency: 4
  })
  const top = select({ from: found, selector: use(ToyTopK, { k: 10 }) })
  return pipeline({ seed: 5, steps: { data, found, top, summary: report({ from: { found, top } }) } })
}

const runIn = (root: string) =>
  Effect.gen(function* () {
    const started = performance.now()
    const result = yield* Effect.gen(function* () {
      const prepared = yield* prepare(decl(), Registry.make(toyPlugins), "rerun.ts")
      return yield* Runner.run({
        prepared,
        pipelineFile: "/bench/rerun.ts",
        pipelineHash: "0".repeat(64),
        backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false }
      })
    }).pipe(
      Effect.provide(
        Layer.mergeAll(Store.layer({ root, mode: "write" }), Progress.layerSilent, NodeServices.layer).pipe(
          Layer.provide(NodeServices.layer)
        )
      )
    )
    const usage = yield* Effect.flatMap(Store.Store, (store) => store.usage).pipe(
      Effect.provide(Store.layer({ root, mode: "read" }).pipe(Layer.provide(NodeServices.layer)))
    )
    return { seconds: (performance.now() - started) / 1000, result, usage }
  })

describe("re-running a finished 1000-candidate search", () => {
  it.live("computes nothing, takes well under 2 s, and costs few bytes per candidate", () =>
    Effect.gen(function* () {
      const root = mkdtempSync(join(tmpdir(), "spikernel-rerun-"))
      const first = yield* runIn(root)
      const second = yield* runIn(root)
      const bytes = second.usage.journalBytes + second.usage.blobBytes
      console.log(
        `first run ${first.seconds.toFixed(2)} s; re-run ${second.seconds.toFixed(3)} s; ` +
          `store ${bytes} B = journal ${second.usage.journalBytes} + blobs ${second.usage.blobBytes} ` +
          `(${second.usage.blobs} files), ${(bytes / budget).toFixed(0)} B per candidate`
      )
      assert.deepStrictEqual(
        second.result.manifest.steps.map((s) => s.status),
        ["cached", "cached", "cached", "cached"]
      )
      assert.isBelow(second.seconds, 2)
      assert.isBelow(bytes / budget, 2000)
    })
  )
})
