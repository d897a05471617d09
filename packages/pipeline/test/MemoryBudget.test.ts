/**
 * A search with a memory budget: candidates over it are measured, recorded as rejected with the
 * reason and never scored; the rest are scored as usual; the verdicts are the same on every run;
 * the step's config is decoded strictly.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { Architecture, CanonicalJson, DeploymentMemory, type Plugin, Scorer } from "@spikernel/core"
import { Effect, Exit, Layer, Option, Schema } from "effect"
import { withMemoryBudget } from "../src/EvaluatorMiddleware.ts"
import { pipeline } from "../src/Pipeline.ts"
import { prepare } from "../src/Prepare.ts"
import * as Progress from "../src/Progress.ts"
import * as Registry from "../src/Registry.ts"
import * as Runner from "../src/Runner.ts"
import { load, search, select, use } from "../src/Step.ts"
import { SearchResult } from "../src/StepOutput.ts"
import * as Store from "../src/Store.ts"
import * as StoreLayout from "../src/StoreLayout.ts"
import { ToyData, ToyRandom, ToySpace, ToyTopK, toyPlugins } from "./ToyPlugins.ts"

/** The toy memory: (100 per conv op + 10) bytes per bit of weight width / 8, and nothing else. */
const toyMemory = (arch: Architecture.Architecture): DeploymentMemory.DeploymentMemory => {
  const at = (weightBits: DeploymentMemory.WeightBits): DeploymentMemory.MemoryAtBits => {
    const weights = ((Architecture.convOpCount(arch) * 100 + 10) * weightBits) / 8
    return {
      weightBits,
      stateBits: weightBits === 32 ? 32 : 16,
      weights,
      scales: 0,
      batchNorm: 0,
      biases: 0,
      membranes: 0,
      spikes: 0,
      feedback: 0,
      peakActivation: 0,
      parameters: weights,
      runtime: 0,
      total: weights
    }
  }
  return { "32": at(32), "16": at(16), "8": at(8), "4": at(4) }
}

const ToyMemory: Plugin.Plugin<"Scorer", object, object, Scorer.Scorer> = {
  kind: "Scorer",
  id: "memory",
  version: 2,
  description: "The toy memory at every bit-width",
  config: Schema.Struct({}),
  layer: () =>
    Layer.succeed(Scorer.Scorer, {
      id: "memory",
      score: (arch) =>
        Effect.succeed({
          scorer: "memory",
          value: -DeploymentMemory.at(toyMemory(arch), 32).total,
          details: {
            params: Architecture.convOpCount(arch) * 100 + 10,
            bytes: (Architecture.convOpCount(arch) * 100 + 10) * 4,
            ...DeploymentMemory.toDetails(toyMemory(arch))
          }
        })
    })
}

/** A primary scorer that writes down every architecture it is asked to score. */
const countingScorer = (calls: Array<string>): Plugin.Plugin<"Scorer", object, object, Scorer.Scorer> => ({
  kind: "Scorer",
  id: "counted",
  version: 1,
  description: "Scores the op sum; remembers each call",
  config: Schema.Struct({}),
  layer: () =>
    Layer.succeed(Scorer.Scorer, {
      id: "counted",
      score: (arch) =>
        Effect.sync(() => {
          calls.push(Architecture.architectureLabel(arch))
          return { scorer: "counted", value: arch.matrix.flat().reduce((a, b) => a + b, 0), details: {} }
        })
    })
})

type Limit = { readonly maxBytes: number; readonly weightBits: 32 | 16 | 8 | 4 }

const budgetPipeline = (calls: Array<string>, memoryBudget: Limit | undefined, measures = true) => {
  const counted = countingScorer(calls)
  const data = load({ loader: use(ToyData, { size: 8 }) })
  const found = search({
    dataset: data,
    space: use(ToySpace, { ops: 5 }),
    strategy: use(ToyRandom, {}),
    scorer: use(counted, {}),
    ...(measures ? { measures: [use(ToyMemory, {})] } : {}),
    budget: 30,
    concurrency: 2,
    ...(memoryBudget === undefined ? {} : { memoryBudget })
  })
  const top = select({ from: found, selector: use(ToyTopK, { k: 50 }) })
  return pipeline({ name: "budget", seed: 5, steps: { data, found, top }, plugins: [counted, ToyMemory] })
}

const registry = Registry.make(toyPlugins, [])

const runOnce = (decl: ReturnType<typeof budgetPipeline>) =>
  Effect.gen(function* () {
    const prepared = yield* prepare(decl, registry, "/pipelines/budget.ts")
    const run = yield* Runner.run({
      prepared,
      pipelineFile: "/pipelines/budget.ts",
      pipelineHash: "0".repeat(64),
      backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false }
    })
    const key = run.manifest.steps.find((s) => s.name === "found")!.key
    const found = (yield* Store.getValue(SearchResult, StoreLayout.stepEntry(key))).pipe(Option.getOrThrow)
    return { found, top: run.results.top as { readonly selected: ReadonlyArray<{ readonly id: string }> } }
  }).pipe(Effect.provide(Layer.mergeAll(Progress.layerSilent, NodeServices.layer, Store.layerMemory)))

const label = (record: SearchResult["records"][number]) =>
  `${record.architecture.cellType}[${record.architecture.kernels.join(",")}]:${record.canonical}`

describe("a search with a memory budget", () => {
  it.effect("rejects the candidates over it before they are scored, and records why", () =>
    Effect.gen(function* () {
      const calls: Array<string> = []
      const { found, top } = yield* runOnce(budgetPipeline(calls, { maxBytes: 250, weightBits: 8 }))
      assert.strictEqual(found.records.length, 30)
      const rejected = found.records.filter((r) => r.rejected !== undefined)
      const admitted = found.records.filter((r) => r.rejected === undefined)
      assert.isAbove(rejected.length, 0)
      assert.isAbove(admitted.length, 0)
      for (const record of rejected) {
        const total = DeploymentMemory.at(record.memory!, 8).total
        // 100 bytes per conv op + 10 at 8 bits: three or more conv ops are over 250.
        assert.isAbove(total, 250)
        assert.strictEqual(
          record.rejected!.reason,
          `${total.toLocaleString("en-US")} bytes on a device at 8 bits, over the memory budget of 250`
        )
        assert.deepStrictEqual(record.scores, [])
        // params and bytes come from the measure, as for a scored candidate (toy: total at 8 bits = params).
        assert.strictEqual(record.params, total)
        assert.strictEqual(record.bytes, 4 * total)
      }
      for (const record of admitted) {
        assert.isAtMost(DeploymentMemory.at(record.memory!, 8).total, 250)
        assert.deepStrictEqual(
          record.scores.map((s) => s.scorer),
          ["counted", "memory"]
        )
      }
      // The scorer never saw a rejected candidate, and saw each admitted architecture (the space's
      // canonical form, the pruned matrix) exactly once.
      const rejectedLabels = new Set(rejected.map(label))
      const admittedLabels = new Set(admitted.map(label))
      assert.isTrue(calls.every((call) => !rejectedLabels.has(call)))
      assert.deepStrictEqual(new Set(calls), admittedLabels)
      assert.strictEqual(calls.length, admittedLabels.size)
      // The selector chooses among the admitted only.
      const admittedIds = new Set(admitted.map((r) => String(r.index)))
      assert.isTrue(top.selected.length > 0 && top.selected.every((item) => admittedIds.has(item.id)))
    })
  )

  it.effect("gives the same verdicts on every run, and a tighter width rejects more", () =>
    Effect.gen(function* () {
      const strip = (found: SearchResult) =>
        CanonicalJson.canonicalJson(
          Schema.encodeSync(SearchResult)(found).records.map(({ seconds: _s, cached: _c, ...rest }) => rest)
        )
      const a = yield* runOnce(budgetPipeline([], { maxBytes: 250, weightBits: 8 }))
      const b = yield* runOnce(budgetPipeline([], { maxBytes: 250, weightBits: 8 }))
      assert.strictEqual(strip(a.found), strip(b.found))
      const wide = yield* runOnce(budgetPipeline([], { maxBytes: 250, weightBits: 32 }))
      const count = (found: SearchResult) => found.records.filter((r) => r.rejected !== undefined).length
      // At 32 bits only cells without a conv op fit (10·4 = 40 ≤ 250 < 110·4).
      assert.isAbove(count(wide.found), count(a.found))
      // Without a memory budget nothing is rejected and every candidate is scored.
      const calls: Array<string> = []
      const none = yield* runOnce(budgetPipeline(calls, undefined))
      assert.strictEqual(count(none.found), 0)
      assert.strictEqual(calls.length, new Set(none.found.records.map(label)).size)
    })
  )

  it.effect("is decoded strictly, naming the field, and needs the memory measure", () =>
    Effect.gen(function* () {
      const failure = (decl: ReturnType<typeof budgetPipeline>) =>
        Effect.map(Effect.exit(prepare(decl, registry, "p.ts")), (exit) => {
          assert.isTrue(Exit.isFailure(exit))
          return Exit.isFailure(exit) ? String(exit.cause) : ""
        })
      const six = yield* failure(budgetPipeline([], { maxBytes: 250, weightBits: 6 as 8 }))
      assert.match(six, /step "found"/)
      assert.match(six, /weightBits/)
      const typo = yield* failure(
        budgetPipeline([], { maxBytes: 250, weightBits: 8, maxbytes: 1 } as unknown as Limit)
      )
      assert.match(typo, /unknown key "memoryBudget\.maxbytes" \(known: maxBytes, weightBits\)/)
      const zero = yield* failure(budgetPipeline([], { maxBytes: 0, weightBits: 8 }))
      assert.match(zero, /maxBytes/)
      const noMeasure = yield* failure(budgetPipeline([], { maxBytes: 250, weightBits: 8 }, false))
      assert.match(
        noMeasure,
        /step "found": memoryBudget.*needs the "memory" scorer among the step's measures/
      )
    })
  )
})

describe("withMemoryBudget", () => {
  it.effect("fails, naming the candidate, when the measure reports no memory", () =>
    Effect.gen(function* () {
      const arch = {
        cellType: "forward" as const,
        kernels: [1, 3],
        matrix: [
          [0, 3, 0, 2],
          [0, 0, 3, 0],
          [0, 0, 0, 3],
          [0, 0, 0, 0]
        ]
      }
      const record = {
        index: 4,
        architecture: arch,
        canonical: "",
        scores: [],
        params: 1,
        bytes: 4,
        seconds: 0,
        cached: false
      }
      let inner = 0
      const evaluator = withMemoryBudget(
        {
          evaluate: () =>
            Effect.sync(() => {
              inner++
              return record
            })
        },
        { limit: { maxBytes: 1, weightBits: 8 }, measure: () => Effect.succeed(record) }
      )
      const error = yield* Effect.flip(evaluator.evaluate({ index: 4, architecture: arch }))
      assert.strictEqual(error._tag, "EvaluationError")
      assert.match(error.message, /^candidate 4 .*reported no memory on a device/)
      assert.strictEqual(inner, 0)
    })
  )
})
