import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { CanonicalJson, ConfigError, type Plugin, RunManifest, Scorer } from "@spikernel/core"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Ref, Schema } from "effect"
import { pipeline } from "../src/Pipeline.ts"
import { plan } from "../src/Plan.ts"
import { prepare } from "../src/Prepare.ts"
import * as Progress from "../src/Progress.ts"
import * as Registry from "../src/Registry.ts"
import * as Runner from "../src/Runner.ts"
import { evaluate, load, report, search, select, tradeoff, train, use } from "../src/Step.ts"
import { SearchResult } from "../src/StepOutput.ts"
import * as Store from "../src/Store.ts"
import * as StoreLayout from "../src/StoreLayout.ts"
import { ToyData, ToyEvaluator, ToyScorer, ToySpace, ToyTopK, ToyTrainer, toyPlugins } from "./ToyPlugins.ts"

const registry = Registry.make(toyPlugins, [ToyTrainer, ToyEvaluator])

const toyPipeline = (options: {
  readonly strategy?: "toy-random" | "toy-evolution"
  readonly budget?: number
  readonly concurrency?: number
  readonly k?: number
  readonly offset?: number
  readonly seed?: number
  readonly ops?: number
  readonly sleepMs?: number
}) => {
  const data = load({ loader: use(ToyData, { size: 8 }) })
  const found = search({
    dataset: data,
    space: use(ToySpace, { ops: options.ops ?? 5 }),
    strategy:
      options.strategy === "toy-evolution"
        ? { id: "toy-evolution", config: { population: 8 } }
        : { id: "toy-random" },
    scorer: use(ToyScorer, { sleepMs: options.sleepMs ?? 0, offset: options.offset ?? 0 }),
    budget: options.budget ?? 60,
    concurrency: options.concurrency ?? 4,
    checkpointEvery: 7
  })
  const top = select({ from: found, selector: use(ToyTopK, { k: options.k ?? 3 }) })
  return pipeline({
    name: "toy",
    seed: options.seed ?? 11,
    steps: { data, found, top, summary: report({ from: { found, top } }) }
  })
}

const runPipeline = (decl: ReturnType<typeof toyPipeline>, file = "/pipelines/toy.ts") =>
  Effect.gen(function* () {
    const prepared = yield* prepare(decl, registry, file)
    return yield* Runner.run({
      prepared,
      pipelineFile: file,
      pipelineHash: "0".repeat(64),
      backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false }
    })
  }).pipe(Effect.provide(Layer.merge(Progress.layerSilent, NodeServices.layer)))

/** The search records as canonical JSON without wall times (the one field that is a measurement). */
const recordsJson = (value: unknown) => {
  const result = Schema.encodeSync(SearchResult)(value as SearchResult)
  return CanonicalJson.canonicalJson(result.records.map(({ seconds: _s, ...rest }) => rest))
}

const searchValue = (manifest: Runner.RunResult["manifest"], name: string) =>
  Effect.gen(function* () {
    const key = manifest.steps.find((s) => s.name === name)!.key
    return (yield* Store.getValue(SearchResult, StoreLayout.stepEntry(key))).pipe(Option.getOrThrow)
  })

/** Which journaled record count to wait for, and the latch to open when the store reaches it. */
interface JournalWatch {
  readonly stopAt: number
  readonly reached: Deferred.Deferred<void>
}

/**
 * A store that opens the watch's latch as soon as a put brings the journaled records to its count:
 * the code under test signals the moment to interrupt, so the test neither polls nor depends on
 * timing.
 */
const watched = (base: Layer.Layer<Store.Store>, watch: Ref.Ref<JournalWatch | undefined>) =>
  Layer.effect(
    Store.Store,
    Effect.map(Effect.service(Store.Store), (inner) =>
      Store.Store.of({
        ...inner,
        put: (key, tag, value) =>
          Effect.tap(inner.put(key, tag, value), () =>
            Effect.flatMap(Ref.get(watch), (current) =>
              current !== undefined &&
              key.startsWith("record/") &&
              inner.entries("record/").length >= current.stopAt
                ? Deferred.succeed(current.reached, undefined)
                : Effect.void
            )
          )
      })
    )
  ).pipe(Layer.provide(base))

/** A new, empty store of each kind: the runner behaves the same on both. */
const stores = {
  memory: () => Store.layerMemory,
  directory: () =>
    Store.layer({ root: mkdtempSync(join(tmpdir(), "spikernel-runner-")), mode: "write" }).pipe(
      Layer.provide(NodeServices.layer),
      Layer.orDie
    )
} as const

for (const [backing, freshStore] of Object.entries(stores))
  describe(`Runner (${backing} store)`, () => {
    it.live("runs a pipeline, and a second run computes nothing", () =>
      Effect.gen(function* () {
        const first = yield* runPipeline(toyPipeline({}))
        assert.deepStrictEqual(
          first.manifest.steps.map((s) => [s.name, s.status]),
          [
            ["data", "computed"],
            ["found", "computed"],
            ["top", "computed"],
            ["summary", "computed"]
          ]
        )
        const store = yield* Store.Store
        const scoresBefore = store.entries("score/").length
        const second = yield* runPipeline(toyPipeline({}))
        assert.deepStrictEqual(
          second.manifest.steps.map((s) => s.status),
          ["cached", "cached", "cached", "cached"]
        )
        assert.strictEqual(store.entries("score/").length, scoresBefore)
        assert.strictEqual(
          CanonicalJson.canonicalJson(second.results),
          CanonicalJson.canonicalJson(first.results)
        )
        const found = yield* searchValue(first.manifest, "found")
        assert.strictEqual(found.records.length, 60)
        assert.deepStrictEqual(
          found.records.map((r) => r.index),
          Array.from({ length: 60 }, (_, i) => i)
        )
        // Duplicates of a canonical form are scored once: later occurrences are marked cached.
        const canonicalForms = new Set(found.records.map((r) => r.canonical))
        assert.strictEqual(found.records.filter((r) => !r.cached).length, canonicalForms.size)
        assert.strictEqual(store.entries("score/").length, canonicalForms.size)
      }).pipe(Effect.provide(freshStore()))
    )

    for (const strategy of ["toy-random", "toy-evolution"] as const) {
      it.live(
        `gives the same records after interruptions as straight through (${strategy}, concurrency 4)`,
        () =>
          Effect.gen(function* () {
            const decl = toyPipeline({ strategy, budget: 80, sleepMs: 1 })
            const straight = yield* Effect.provide(
              Effect.gen(function* () {
                const result = yield* runPipeline(decl)
                return {
                  records: recordsJson(yield* searchValue(result.manifest, "found")),
                  results: result.results
                }
              }),
              freshStore()
            )
            const journaled = yield* Ref.make<JournalWatch | undefined>(undefined)
            const resumed = yield* Effect.provide(
              Effect.gen(function* () {
                const store = yield* Store.Store
                for (const stopAt of [5, 23, 24, 51]) {
                  // The store signals when the run journals its stopAt-th record; then it is stopped.
                  const reached = yield* Deferred.make<void>()
                  yield* Ref.set(journaled, { stopAt, reached })
                  if (store.entries("record/").length >= stopAt) yield* Deferred.succeed(reached, undefined)
                  const fiber = yield* Effect.forkChild(runPipeline(decl))
                  yield* Deferred.await(reached)
                  yield* Fiber.interrupt(fiber)
                  const exit = yield* Fiber.await(fiber)
                  assert.isTrue(Exit.isFailure(exit))
                  assert.isAtLeast(store.entries("record/").length, stopAt)
                }
                yield* Ref.set(journaled, undefined)
                const result = yield* runPipeline(decl)
                return {
                  records: recordsJson(yield* searchValue(result.manifest, "found")),
                  results: result.results
                }
              }),
              watched(freshStore(), journaled)
            )
            assert.strictEqual(resumed.records, straight.records)
            assert.strictEqual(
              CanonicalJson.canonicalJson(resumed.results),
              CanonicalJson.canonicalJson(straight.results)
            )
          })
      )
    }

    it.live("shares candidate scores between strategies that meet the same canonical architecture", () =>
      Effect.gen(function* () {
        const random = yield* runPipeline(toyPipeline({ strategy: "toy-random", budget: 40, ops: 2 }))
        const evolution = yield* runPipeline(toyPipeline({ strategy: "toy-evolution", budget: 40, ops: 2 }))
        const a = yield* searchValue(random.manifest, "found")
        const b = yield* searchValue(evolution.manifest, "found")
        const byCanonical = new Map(a.records.map((r) => [r.canonical, r.scores[0].value]))
        const shared = b.records.filter((r) => byCanonical.has(r.canonical))
        assert.isAbove(shared.length, 5)
        for (const record of shared) {
          assert.strictEqual(record.scores[0].value, byCanonical.get(record.canonical))
          assert.isTrue(record.cached)
        }
        assert.deepStrictEqual(
          evolution.manifest.steps.map((s) => s.status),
          ["cached", "computed", "computed", "computed"]
        )
      }).pipe(Effect.provide(freshStore()))
    )

    it.live("runs select → train → evaluate → trade-off with checkpointing executors", () =>
      Effect.gen(function* () {
        const data = load({ loader: use(ToyData, { size: 8 }) })
        const found = search({
          dataset: data,
          space: use(ToySpace, { ops: 5 }),
          strategy: { id: "toy-random" },
          scorer: use(ToyScorer, { sleepMs: 0, offset: 0 }),
          budget: 20
        })
        const top = select({ from: found, selector: use(ToyTopK, { k: 4 }) })
        const models = train({
          from: top,
          dataset: data,
          trainer: { id: "toy-train", config: { epochs: 3 } }
        })
        const scored = evaluate({ models, dataset: data, evaluator: { id: "toy-eval" } })
        const best = tradeoff({ from: scored, selector: use(ToyTopK, { k: 1 }) })
        const result = yield* runPipeline(
          pipeline({ seed: 3, steps: { best } }) as ReturnType<typeof toyPipeline>
        )
        assert.deepStrictEqual(
          result.manifest.steps.map((s) => s.name),
          [
            "best.from.models.from.from.dataset",
            "best.from.models.from.from",
            "best.from.models.from",
            "best.from.models",
            "best.from",
            "best"
          ]
        )
        const selection = result.results.best as {
          selected: ReadonlyArray<{ metric: number }>
          reason: string
        }
        assert.strictEqual(selection.selected.length, 1)
        assert.strictEqual(selection.reason, "top 1 of 4")
        assert.isAbove(selection.selected[0].metric, 0.5)
      }).pipe(Effect.provide(freshStore()))
    )

    it.effect("decodes every config before running anything", () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [ReturnType<typeof toyPipeline>, RegExp]> = [
          [toyPipeline({ budget: 0 }), /step "found".*budget|Expected a value greater than or equal to 1/],
          [toyPipeline({ k: 0 }), /step "top" selector.*toy-top-k@1/],
          [
            pipeline({
              seed: 1,
              steps: {
                d: load({ loader: use(ToyData, { size: 8 }) }),
                s: search({
                  dataset: load({ loader: use(ToyData, { size: 8 }) }),
                  space: use(ToySpace, { ops: 5 }),
                  strategy: { id: "toy-evolution", config: { populationSize: 8 } },
                  scorer: use(ToyScorer, { sleepMs: 0, offset: 0 }),
                  budget: 3
                })
              }
            }),
            /step "s" strategy: toy-evolution@1: unknown key "populationSize" \(known: population\)/
          ],
          [
            pipeline({
              seed: 1,
              steps: {
                s: search({
                  dataset: load({ loader: use(ToyData, { size: 8 }) }),
                  space: use(ToySpace, { ops: 5 }),
                  strategy: { id: "toy-random" },
                  scorer: use(ToyScorer, { sleepMs: 0, offset: 0 }),
                  budget: 3,
                  budjet: 4
                } as never)
              }
            }),
            /step "s": unknown field "budjet" of a search step \(known: budget, /
          ],
          [
            pipeline({
              seed: 1,
              steps: { d: load({ loader: { id: "nope" } }) }
            }),
            /unknown DatasetLoader "nope"; registered: toy-data/
          ],
          [
            pipeline({
              seed: 1,
              steps: { d: load({ loader: { kind: "Scorer", id: "toy-score" } as never }) }
            }),
            /expected a DatasetLoader plugin, got Scorer "toy-score"/
          ],
          [pipeline({ seed: -1, steps: {} }), /seed/],
          [
            pipeline({ seed: 1, steps: { r: report({ from: {}, reporter: { id: "html" } }) } }),
            /unknown report executor "html"; registered: json/
          ]
        ]
        for (const [decl, pattern] of cases) {
          const exit = yield* Effect.exit(prepare(decl, registry, "p.ts"))
          assert.isTrue(Exit.isFailure(exit))
          const error = exit._tag === "Failure" ? String(exit.cause) : ""
          assert.match(error, pattern)
          assert.isTrue(error.includes("ConfigError"))
        }
        void ConfigError
      })
    )

    it.live("plan: a changed selector config makes exactly it and the report stale", () =>
      Effect.gen(function* () {
        yield* runPipeline(toyPipeline({ k: 3 }))
        const unchanged = yield* Effect.provide(
          Effect.flatMap(prepare(toyPipeline({ k: 3 }), registry, "p"), (p) => plan(p, "/pipelines/toy.ts")),
          Layer.merge(Progress.layerSilent, NodeServices.layer)
        )
        assert.deepStrictEqual(
          unchanged.rows.map((r) => r.status),
          ["cached", "cached", "cached", "cached"]
        )
        const changed = yield* Effect.provide(
          Effect.flatMap(prepare(toyPipeline({ k: 5 }), registry, "p"), (p) => plan(p, "/pipelines/toy.ts")),
          Layer.merge(Progress.layerSilent, NodeServices.layer)
        )
        assert.deepStrictEqual(
          changed.rows.map((r) => [r.name, r.status, r.reasons]),
          [
            ["data", "cached", []],
            ["found", "cached", []],
            ["top", "stale", ['selector toy-top-k@1 config {"k":3} → {"k":5}']],
            ["summary", "stale", ["upstream top changed"]]
          ]
        )
        const scorerChanged = yield* Effect.provide(
          Effect.flatMap(prepare(toyPipeline({ offset: 1 }), registry, "p"), (p) =>
            plan(p, "/pipelines/toy.ts")
          ),
          Layer.merge(Progress.layerSilent, NodeServices.layer)
        )
        assert.deepStrictEqual(
          scorerChanged.rows.map((r) => r.status),
          ["cached", "stale", "stale", "stale"]
        )
        assert.strictEqual(scorerChanged.candidatesToScore, 60)
        assert.isDefined(scorerChanged.estimateSeconds)
      }).pipe(Effect.provide(freshStore()))
    )

    it.live("a scorer failure fails the step, and the manifest says so", () =>
      Effect.gen(function* () {
        const Broken: Plugin.Plugin<"Scorer", object, object, Scorer.Scorer> = {
          kind: "Scorer",
          id: "broken",
          version: 1,
          description: "fails",
          config: Schema.Struct({}),
          layer: () =>
            Layer.succeed(Scorer.Scorer, {
              id: "broken",
              score: () =>
                Effect.fail(
                  new Scorer.ScoreError({
                    scorer: "broken",
                    reason: "out of memory",
                    memory: { neededBytes: 4e9, freeBytes: 1e9, limitBytes: 4.2e9 }
                  })
                )
            })
        }
        const data = load({ loader: use(ToyData, { size: 8 }) })
        const found = search({
          dataset: data,
          space: use(ToySpace, { ops: 5 }),
          strategy: { id: "toy-random" },
          scorer: use(Broken, {}),
          budget: 5
        })
        const decl = pipeline({ seed: 1, steps: { found }, plugins: [Broken] })
        const exit = yield* Effect.exit(runPipeline(decl as ReturnType<typeof toyPipeline>))
        assert.isTrue(Exit.isFailure(exit))
        assert.match(
          String(exit._tag === "Failure" ? exit.cause : ""),
          /step "found": candidate 0 .*broken: out of memory/
        )
        const store = yield* Store.Store
        const manifests = store.entries("run/")
        assert.strictEqual(manifests.length, 1)
        const text = new TextDecoder().decode(Option.getOrThrow(yield* store.get(manifests[0].key)))
        assert.match(text, /"name":"found","status":"failed"/)
        const manifest = Option.getOrThrow(yield* Store.getValue(RunManifest.RunManifest, manifests[0].key))
        const failed = manifest.steps.find((step) => step.name === "found")!
        assert.match(failed.error!.message, /^step "found": candidate 0 \(.*\): broken: out of memory$/)
        assert.strictEqual(failed.error!.candidate!.index, 0)
        assert.deepStrictEqual(failed.error!.memory, { neededBytes: 4e9, freeBytes: 1e9, limitBytes: 4.2e9 })
      }).pipe(Effect.provide(freshStore()))
    )
  })

describe("Pipeline declarations (type-level)", () => {
  it("rejects mis-wired steps at compile time", () => {
    const data = load({ loader: use(ToyData, { size: 1 }) })
    const scorer = use(ToyScorer, { sleepMs: 0, offset: 0 })
    const base = { space: use(ToySpace, { ops: 5 }), strategy: { id: "toy-random" }, scorer, budget: 1 }
    const found = search({ ...base, dataset: data })
    const topK = use(ToyTopK, { k: 1 })
    // @ts-expect-error a selector cannot be fed a dataset
    select({ from: data, selector: topK })
    // @ts-expect-error a search needs a dataset
    search(base)
    // @ts-expect-error a search's dataset must be a dataset, not candidates
    search({ ...base, dataset: found })
    // @ts-expect-error a selector plugin cannot score
    search({ ...base, dataset: data, scorer: topK })
    // @ts-expect-error a config is checked against the plugin's Schema
    use(ToyTopK, { k: "three" })
    // @ts-expect-error training needs a selection, not raw candidates
    train({ from: found, dataset: data, trainer: { id: "toy-train" } })
    assert.strictEqual(select({ from: found, selector: use(ToyTopK, { k: 1 }) }).output, "selection")
  })
})
