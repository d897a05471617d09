/**
 * Re-running a finished 1000-candidate search computes nothing: every step is found cached in the
 * manifest, the scorer is never called (its calls are counted), the results are the same, and the
 * store stays small per candidate. How fast a re-run is belongs to `spikernel bench store`, not to
 * a test; the figures are printed for people.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { CanonicalJson, type Plugin, Scorer } from "@spikernel/core"
import { Effect, Layer, Ref } from "effect"
import { pipeline } from "../src/Pipeline.ts"
import { prepare } from "../src/Prepare.ts"
import * as Progress from "../src/Progress.ts"
import * as Registry from "../src/Registry.ts"
import * as Runner from "../src/Runner.ts"
import { load, report, search, select, use } from "../src/Step.ts"
import * as Store from "../src/Store.ts"
import { ToyData, ToyEvolution, ToyRandom, ToyScorer, ToySpace, ToyTopK } from "./ToyPlugins.ts"

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

/** The toy scorer (same id, version and config, so the same cache keys) counting its calls. */
const countingScorer = (calls: Ref.Ref<number>): Plugin.AnyPlugin => ({
  ...ToyScorer,
  layer: (config) =>
    Layer.effect(
      Scorer.Scorer,
      Effect.map(Effect.service(Scorer.Scorer), (inner) => ({
        id: inner.id,
        score: (arch, context) =>
          Effect.andThen(
            Ref.update(calls, (n) => n + 1),
            inner.score(arch, context)
          )
      }))
    ).pipe(Layer.provide(ToyScorer.layer(config as typeof ToyScorer.config.Type)))
})

const runIn = (root: string, calls: Ref.Ref<number>) =>
  Effect.gen(function* () {
    const registry = Registry.make([
      ToyData,
      ToySpace,
      ToyRandom,
      ToyEvolution,
      countingScorer(calls),
      ToyTopK
    ])
    const before = yield* Ref.get(calls)
    const started = performance.now()
    const result = yield* Effect.gen(function* () {
      const prepared = yield* prepare(decl(), registry, "rerun.ts")
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
    const seconds = (performance.now() - started) / 1000
    const usage = yield* Effect.flatMap(Store.Store, (store) => store.usage).pipe(
      Effect.provide(Store.layer({ root, mode: "read" }).pipe(Layer.provide(NodeServices.layer)))
    )
    return { seconds, result, usage, scored: (yield* Ref.get(calls)) - before }
  })

describe("re-running a finished 1000-candidate search", () => {
  it.live(
    "computes nothing: every step cached, no scorer call, the same results, few bytes per candidate",
    () =>
      Effect.gen(function* () {
        const root = mkdtempSync(join(tmpdir(), "spikernel-rerun-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
        const calls = yield* Ref.make(0)
        const first = yield* runIn(root, calls)
        const second = yield* runIn(root, calls)
        const bytes = second.usage.journalBytes + second.usage.blobBytes
        console.log(
          `first run ${first.seconds.toFixed(2)} s (${first.scored} scores); re-run ${second.seconds.toFixed(3)} s; ` +
            `store ${bytes} B = journal ${second.usage.journalBytes} + blobs ${second.usage.blobBytes} ` +
            `(${second.usage.blobs} files), ${(bytes / budget).toFixed(0)} B per candidate`
        )
        assert.deepStrictEqual(
          first.result.manifest.steps.map((s) => s.status),
          ["computed", "computed", "computed", "computed"]
        )
        // The first run scores each distinct canonical cell once (the toy space's pruning makes repeats).
        assert.isAbove(first.scored, 0)
        assert.isAtMost(first.scored, budget)
        assert.deepStrictEqual(
          second.result.manifest.steps.map((s) => s.status),
          ["cached", "cached", "cached", "cached"]
        )
        assert.strictEqual(second.scored, 0)
        assert.strictEqual(
          CanonicalJson.canonicalJson(second.result.results),
          CanonicalJson.canonicalJson(first.result.results)
        )
        assert.isBelow(bytes / budget, 2000)
      })
  )
})
