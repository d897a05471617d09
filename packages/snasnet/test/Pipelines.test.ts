/**
 * The pipelines of `pipelines/` and the executors behind them.
 *
 * - Every pipeline file is prepared against the built-in registry and planned (in process, as
 *   `spikernel plan` does; the data pipelines read the repository's fixtures through their
 *   environment variables).
 * - A tiny search → train → evaluate → html-report pipeline runs end to end into a store, and a
 *   second run computes nothing.
 * - A training interrupted after its first epoch's checkpoint resumes from the store and ends with
 *   the bytes of an uninterrupted one; no tensor outlives the executors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Architecture, DeploymentMemory, Safetensors, type Selector } from "@spikernel/core"
import { Plugins as DatasetPlugins, Synthetic } from "@spikernel/datasets"
import {
  evaluate,
  Executor,
  load,
  PipelineFile,
  Plan,
  Prepare,
  Progress,
  pipeline,
  Runner,
  report,
  Store,
  search,
  select,
  StepOutput,
  train,
  use
} from "@spikernel/pipeline"
import { BudgetAblation, FrontComparison, KernelStudy, ProxyStudy } from "@spikernel/report"
import { nsga2, randomSearch } from "@spikernel/search"
import { topK } from "@spikernel/selectors"
import { SnasnetSpace, SynapticOperations } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs"
import { Context, Effect, Exit, Layer, Option, Schema } from "effect"
import { registry } from "../src/Builtins.ts"
import { kernelSetSteps } from "../src/KernelSetSteps.ts"
import { bptt, bpttTrainer, TrainerConfig } from "../src/executors/Bptt.ts"
import { HtmlReport, htmlReport } from "../src/executors/Html.ts"
import { BudgetAblationReport, budgetAblationSteps } from "../src/executors/BudgetAblation.ts"
import { frontComparisonSteps } from "../src/executors/FrontComparison.ts"
import { kernelStudySteps } from "../src/executors/KernelStudy.ts"
import { publishedArchitectures } from "../src/Paper.ts"
import { ProxyStudyReport, proxyStudySteps } from "../src/executors/ProxyStudy.ts"
import { StudyReport } from "../src/executors/StudyReporter.ts"
import { Evaluation, testEvaluator } from "../src/executors/TestTop1.ts"
import { TrainedModels, TrainProgress } from "../src/executors/TrainedModels.ts"

/** A pipeline file prepared against the built-in registry, as `spikernel run|plan` does. */
const preparePipeline = (file: string) =>
  Effect.gen(function* () {
    const loaded = yield* PipelineFile.loadPipelineFile(file)
    return { loaded, prepared: yield* Prepare.prepare(loaded.pipeline, registry, file) }
  })

const root = fileURLToPath(new URL("../../../", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "spikernel-pipelines-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The data pipelines read the repository's fixtures (small files in the real formats). */
const fixtureData: Record<string, string> = {
  SPIKERNEL_CIFAR10: join(root, "fixtures/cifar10"),
  SPIKERNEL_CIFAR100: join(root, "fixtures/cifar100"),
  SPIKERNEL_TINYIMAGENET: join(root, "fixtures/tinyimagenet"),
  SPIKERNEL_FASHION_MNIST: join(root, "fixtures/fashion-mnist-mini")
}

const pipelineFiles = readdirSync(join(root, "pipelines"))
  .filter((name) => name.endsWith(".ts"))
  .sort()

describe("pipelines/", () => {
  it("holds the quickstart, the paper's experiments and the strategy comparison", () => {
    expect(pipelineFiles).toEqual(
      expect.arrayContaining([
        "compare-strategies.ts",
        "quickstart.ts",
        "spikernel-cifar10.ts",
        "spikernel-cifar100.ts",
        "spikernel-fmnist.ts",
        "spikernel-tinyimagenet.ts"
      ])
    )
  })

  for (const file of pipelineFiles) {
    it.live(
      `${file} passes spikernel plan`,
      () =>
        Effect.gen(function* () {
          for (const [name, value] of Object.entries(fixtureData)) process.env[name] = value
          const path = join(root, "pipelines", file)
          const { prepared } = yield* preparePipeline(path)
          const result = yield* Plan.plan(prepared, path).pipe(
            Effect.provide(
              Layer.mergeAll(
                Store.layer({ root: join(scratch, `plan-${file}`), mode: "plan" }),
                Progress.layerSilent
              )
            )
          )
          // A fresh store: the data set was read (its fingerprint keys every step), nothing else is stored.
          expect(result.rows[0]).toMatchObject({ kind: "load", status: "cached" })
          const rest = result.rows.slice(1)
          expect(rest.length).toBeGreaterThan(0)
          for (const row of rest) expect(row.status).toBe("run")
          expect(result.stepsToRun).toBe(rest.length)
          expect(rest.some((row) => row.kind === "report")).toBe(true)
        }).pipe(Effect.provide(NodeServices.layer)),
      120_000
    )
  }

  it("the paper pipelines have the four steps: fixed-architecture study, six sets, baseline, report", () =>
    Effect.gen(function* () {
      process.env.SPIKERNEL_CIFAR10 = fixtureData.SPIKERNEL_CIFAR10
      const { prepared } = yield* preparePipeline(join(root, "pipelines/spikernel-cifar10.ts"))
      const searches = prepared.steps.filter((step) => step.kind === "search")
      const budgets = Object.fromEntries(searches.map((step) => [step.name, step.search!.budget]))
      expect(budgets).toEqual({
        "search-impact-k13": 1,
        "search-impact-k15": 1,
        "search-impact-k17": 1,
        "search-snasnet": 5000,
        "search-k13": 1000,
        "search-k15": 1000,
        "search-k17": 1000,
        "search-k35": 1000,
        "search-k37": 1000,
        "search-k57": 1000
      })
      const trains = prepared.steps.filter((step) => step.kind === "train")
      expect(trains).toHaveLength(10)
      for (const step of trains) {
        const config = step.executor!.config as TrainerConfig
        expect(config.training.epochs).toBe(300)
        expect(config.network).toEqual({ preset: "cifar10", secondPool: 4 })
      }
      expect(prepared.steps.filter((step) => step.kind === "report").map((step) => step.name)).toEqual([
        "report",
        "report-impact"
      ])
    }).pipe(Effect.provide(NodeServices.layer), Effect.runPromise))
})

// Tiny settings for the executors: 28×28×1 synthetic data, widths 2/4, T = 2.
const network = { preset: "fashion-mnist", widths: [2, 4] as [number, number] }
const syntheticConfig = { seed: 3, trainSize: 32, testSize: 16 }
const trainerConfig: typeof TrainerConfig.Encoded = {
  network,
  training: { epochs: 2, batchSize: 16, timesteps: 2, optimizer: { kind: "adam", lr: 0.01 } }
}

const tinyPipeline = (out: string) => {
  const data = load({ loader: use(Synthetic.synthetic, syntheticConfig) })
  const found = search({
    dataset: data,
    space: use(SnasnetSpace.snasnetBackwardPlugin, { kernels: [1, 3] }),
    strategy: use(randomSearch, {}),
    scorer: { id: "sahd", config: { batch: 8, repeats: 1, timesteps: 2, network } },
    budget: 3
  })
  const best = select({ from: found, selector: use(topK, { k: 1 }) })
  const models = train({ from: best, dataset: data, trainer: bptt(trainerConfig) })
  const evaluated = evaluate({
    models,
    dataset: data,
    evaluator: { id: "test-top1", config: { batchSize: 8 } }
  })
  return pipeline({
    name: "tiny",
    seed: 5,
    steps: {
      data,
      found,
      best,
      models,
      evaluated,
      summary: htmlReport({
        out,
        name: "tiny",
        seed: 5,
        from: { data, found, evaluated },
        budget: { maxParams: 1_000_000 }
      })
    }
  })
}

const computeOn = (choice: "wasm" | "cpu") =>
  Effect.map(Layer.build(Backend.layer({ backend: choice })), (context) => ({
    context,
    backend: Context.get(context, Backend).info
  })).pipe(Effect.orDie)

const runTiny = (
  store: string,
  out: string,
  options: { readonly backend?: "wasm" | "cpu"; readonly decl?: ReturnType<typeof pipeline> } = {}
) =>
  Effect.gen(function* () {
    const prepared = yield* Prepare.prepare(options.decl ?? tinyPipeline(out), registry, "tiny.ts")
    return yield* Runner.run({
      prepared,
      pipelineFile: "/pipelines/tiny.ts",
      pipelineHash: "0".repeat(64),
      backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false },
      compute: computeOn(options.backend ?? "wasm")
    }).pipe(Effect.provide(Layer.mergeAll(Store.layer({ root: store, mode: "write" }), Progress.layerSilent)))
  }).pipe(Effect.provide(NodeServices.layer))

describe("executors", () => {
  it.live(
    "search → train → evaluate → html report, then a second run computes nothing",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "tiny-store")
        const out = join(scratch, "tiny-report")
        const first = yield* runTiny(store, out)
        expect(first.manifest.steps.map((step) => step.status)).toEqual(Array(6).fill("computed"))

        const report = Schema.decodeUnknownSync(HtmlReport)(first.results.summary)
        for (const file of ["index.html", "summary.md", "results.json"])
          expect(existsSync(join(out, file))).toBe(true)
        expect(report.index).toBe(join(out, "index.html"))
        expect(report.pick).not.toBeNull()
        expect(report.note).toContain(`report: ${join(out, "index.html")}`)
        expect(readFileSync(join(out, "summary.md"), "utf8")).toContain("Selected models")

        const second = yield* runTiny(store, out)
        expect(second.manifest.steps.map((step) => step.status)).toEqual(Array(6).fill("cached"))
        expect(second.results.summary).toEqual(first.results.summary)
      }),
    600_000
  )

  it.live(
    "a run whose searches come from the store trains on the run's backend (the compute is a requirement, not a global)",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "backend-store")
        const out = join(scratch, "backend-report")
        const full = tinyPipeline(out)
        const found = full.steps.found
        // The search alone, on wasm: the full run below finds it in the store.
        const searched = yield* runTiny(store, out, {
          decl: pipeline({ name: "tiny", seed: 5, steps: { found } })
        })
        expect(searched.manifest.backend.backend).toBe("wasm")
        const onCpu = yield* runTiny(store, out, { backend: "cpu" })
        expect(onCpu.manifest.steps.find((step) => step.name === "found")?.status).toBe("cached")
        expect(onCpu.manifest.steps.find((step) => step.name === "models")?.status).toBe("computed")
        expect(onCpu.manifest.backend.backend).toBe("cpu")
        const models = yield* Store.getValue(
          TrainedModels,
          `step/${onCpu.manifest.steps.find((step) => step.name === "models")!.key}`
        ).pipe(
          Effect.map(Option.getOrThrow),
          Effect.provide(Store.layer({ root: store, mode: "read" })),
          Effect.provide(NodeServices.layer)
        )
        expect(models.models[0].backend).toBe("cpu")
      }),
    600_000
  )

  it.live(
    "the trained model's weights are PyTorch safetensors, and its evaluation is what a selector ranks",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "tiny-store")
        const out = join(scratch, "tiny-report")
        // Cached by the test above (or computed now, when run alone).
        const run = yield* runTiny(store, out)
        const read = <A, I>(schema: Schema.Codec<A, I>, name: string) =>
          Store.getValue(schema, `step/${run.manifest.steps.find((step) => step.name === name)!.key}`).pipe(
            Effect.map(Option.getOrThrow)
          )
        const { models } = yield* read(TrainedModels, "models").pipe(
          Effect.provide(Store.layer({ root: store, mode: "read" })),
          Effect.provide(NodeServices.layer)
        )
        expect(models).toHaveLength(1)
        expect(models[0].epochs.map((epoch) => epoch.epoch)).toEqual([1, 2])
        const file = yield* Safetensors.decode(models[0].weights)
        expect(file.tensors.get("stem.0.weight")?.shape).toEqual([2, 1, 3, 3])
        expect(file.tensors.get("classifier.1.weight")?.shape).toEqual([256, 4 * 7 * 7])

        const evaluation = yield* read(Evaluation, "evaluated").pipe(
          Effect.provide(Store.layer({ root: store, mode: "read" })),
          Effect.provide(NodeServices.layer)
        )
        expect(
          Schema.decodeUnknownSync(StepOutput.EvaluationResult)(Schema.encodeSync(Evaluation)(evaluation))
            .items
        ).toHaveLength(1)
        const [model] = evaluation.models
        expect(model.samples).toBe(syntheticConfig.testSize)
        expect(model.top1).toBeGreaterThanOrEqual(0)
        expect(model.top1).toBeLessThanOrEqual(1)
        // The stored weights reproduce what training measured after its last epoch: the same spikes
        // in every layer (a network with other weights would fire differently) and the same loss.
        const last = models[0].epochs[models[0].epochs.length - 1]
        expect(model.top1).toBe(model.trainedTop1)
        expect(model.firingRates).toEqual(last.firingRates)
        expect(model.firingRates.some((rate) => rate.rate > 0)).toBe(true)
        expect(model.loss).toBeCloseTo(last.testLoss, 5)
        // SynOps from the measured spikes: every measured layer has a fan-out, the stem's MACs once.
        const fanOut = SynapticOperations.spikeFanOut(model.architecture, models[0].network)
        const expected = model.firingRates.reduce(
          (sum, rate) => sum + rate.rate * rate.neurons * models[0].timesteps * fanOut.get(rate.layer)!,
          0
        )
        expect(model.operations.synOps).toBeCloseTo(expected, 6)
        expect(model.operations.synOps).toBeGreaterThan(0)
        expect(model.operations.macs).toBe(SynapticOperations.stemMacs(models[0].network))
        expect(model.operations.energyMicrojoules.int8).toBeLessThan(model.operations.energyMicrojoules.fp32)
        expect(model.firingRates.map((rate) => rate.layer)).toContain("classifier.2")
        expect(evaluation.items[0].metric).toBe(model.top1)
      }),
    600_000
  )

  it.live(
    "a training interrupted after its first epoch resumes from the store with the same bytes",
    () =>
      Effect.gen(function* () {
        const arch = yield* Architecture.parseArchitecture("0302 0030 3003 0000", {
          cellType: "backward",
          kernels: [1, 3]
        })
        const item: Selector.SelectionItem = { id: "0", architecture: arch, metric: 0, params: 0, bytes: 0 }
        const selection: Selector.Selection = { selected: [item], reason: "test" }
        const configured = yield* DatasetPlugins.configure(Synthetic.synthetic, syntheticConfig)
        const dataset = configured.layer.pipe(Layer.provide(NodeServices.layer))
        const config = Schema.decodeUnknownSync(TrainerConfig)(trainerConfig)

        const compute = Layer.merge(dataset, Backend.layer({ backend: "wasm" }))
        const context: Executor.ExecutorContext<TrainerConfig> = {
          step: "train",
          key: "k",
          config,
          seed: 9,
          inputs: {
            from: {
              step: "best",
              kind: "select",
              value: selection,
              encoded: Schema.encodeSync(StepOutput.SelectionOutput)(selection)
            }
          },
          progress: () => Effect.void
        }
        /** The executor with its durable state in `saved`; `interruptAfter` saves end the run. */
        const trainWith = (saved: { value: unknown }, interruptAfter?: number) => {
          let saves = 0
          return bpttTrainer.execute(context).pipe(
            Effect.provideService(
              Executor.StepCheckpoint,
              Executor.StepCheckpoint.of({
                load: (schema) =>
                  Effect.sync(() =>
                    saved.value === undefined
                      ? Option.none()
                      : Option.some(Schema.decodeUnknownSync(schema)(saved.value))
                  ),
                save: (schema, value) =>
                  Effect.gen(function* () {
                    saved.value = Schema.encodeSync(schema)(value)
                    saves++
                    if (interruptAfter !== undefined && saves >= interruptAfter)
                      return yield* Effect.interrupt
                  })
              })
            ),
            Effect.provide(compute)
          )
        }

        const interrupted = { value: undefined as unknown }
        const exit = yield* Effect.exit(trainWith(interrupted, 1))
        // Counted once the backend is up (the executor's Backend started it): reading tf.memory()
        // earlier would start tfjs's default backend instead.
        const tensorsBefore = tf.memory().numTensors
        expect(Exit.hasInterrupts(exit)).toBe(true)
        const progress = Schema.decodeUnknownSync(TrainProgress)(interrupted.value)
        expect(progress.finished).toEqual([])
        expect(progress.current?.id).toBe("0")
        expect(progress.current?.checkpoint.state.position).toEqual({ epoch: 1, batch: 0 })

        const resumed = yield* trainWith(interrupted)
        const straight = yield* trainWith({ value: undefined })
        expect(resumed.models[0].epochs.map((epoch) => epoch.testTop1)).toEqual(
          straight.models[0].epochs.map((epoch) => epoch.testTop1)
        )
        expect(Buffer.from(resumed.models[0].weights).equals(Buffer.from(straight.models[0].weights))).toBe(
          true
        )

        const evaluation = yield* testEvaluator
          .execute({
            step: "evaluate",
            key: "e",
            config: { batchSize: 8, quantize: [8, 4] },
            seed: 9,
            inputs: {
              models: {
                step: "train",
                kind: "train",
                executor: "bptt@1",
                encoded: Schema.encodeSync(TrainedModels)(resumed)
              }
            },
            progress: () => Effect.void
          })
          .pipe(Effect.provide(compute))
        expect(evaluation.models[0].top1).toBe(resumed.models[0].epochs[1].testTop1)
        // The quantized evaluations come first and leave the trained weights' evaluation untouched.
        expect(evaluation.models[0].quantized.map((q) => q.bits)).toEqual([8, 4])
        for (const q of evaluation.models[0].quantized) expect(q.top1).toBeGreaterThanOrEqual(0)
        expect(tf.memory().numTensors).toBe(tensorsBefore)
      }),
    600_000
  )
})

describe("the proxy-quality study (issue 18)", () => {
  const studyPipeline = (out: string, architectures = 4, searchSeed?: number) => {
    const data = load({ loader: use(Synthetic.synthetic, syntheticConfig) })
    const steps = proxyStudySteps({
      out,
      name: "tiny-study",
      seed: 11,
      dataset: data,
      space: use(SnasnetSpace.snasnetBackwardPlugin, { kernels: [1, 3] }),
      architectures,
      proxies: {
        sahd: {
          scorer: { id: "sahd", config: { batch: 8, repeats: 1, timesteps: 2, network } },
          description: "SAHD"
        },
        params: {
          scorer: { id: "params", config: { network } },
          description: "parameters",
          detail: "params"
        },
        macs: { scorer: { id: "macs", config: { network } }, description: "MACs", detail: "macsPerTimestep" }
      },
      trainer: bptt(trainerConfig),
      resamples: 100,
      within: { subset: 2, points: [0.05] }
    })
    if (searchSeed === undefined) return pipeline({ name: "tiny-study", seed: 11, steps })
    // The params search drawn with another seed: its candidates are other architectures.
    const moved = search({
      dataset: data,
      space: use(SnasnetSpace.snasnetBackwardPlugin, { kernels: [1, 3] }),
      strategy: use(randomSearch, {}),
      scorer: { id: "params", config: { network } },
      budget: architectures,
      seed: searchSeed
    })
    const spec = steps.study.spec
    if (spec.kind !== "report") throw new Error("the study step is a report")
    const study = report({
      from: { ...spec.from, "proxy-params": moved },
      ...(spec.reporter === undefined ? {} : { reporter: spec.reporter })
    })
    return pipeline({ name: "tiny-study", seed: 11, steps: { ...steps, "proxy-params": moved, study } })
  }

  it.live(
    "plans, runs its searches, resumes to train and report, and a third run computes nothing",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "study-store")
        const out = join(scratch, "study-report")
        const full = studyPipeline(out)
        const { prepared } = { prepared: yield* Prepare.prepare(full, registry, "study.ts") }
        const planned = yield* Plan.plan(prepared, "study.ts").pipe(
          Effect.provide(Layer.mergeAll(Store.layer({ root: store, mode: "plan" }), Progress.layerSilent)),
          Effect.provide(NodeServices.layer)
        )
        expect(planned.rows.map((row) => `${row.name}:${row.kind}`)).toEqual([
          "data:load",
          "proxy-sahd:search",
          "proxy-params:search",
          "proxy-macs:search",
          "train-all:select",
          "models:train",
          "study:report"
        ])
        // A run stopped after the searches (only they were asked for), then the full pipeline: it
        // reuses them and computes the rest.
        const searchesOnly = Object.fromEntries(
          Object.entries(full.steps).filter(([name]) => name === "data" || name.startsWith("proxy-"))
        )
        yield* runTiny(store, out, { decl: pipeline({ name: "tiny-study", seed: 11, steps: searchesOnly }) })
        const resumed = yield* runTiny(store, out, { decl: full })
        expect(resumed.manifest.steps.map((step) => `${step.name}:${step.status}`)).toEqual([
          "data:cached",
          "proxy-sahd:cached",
          "proxy-params:cached",
          "proxy-macs:cached",
          "train-all:computed",
          "models:computed",
          "study:computed"
        ])
        const stored = Schema.decodeUnknownSync(ProxyStudyReport)(resumed.results.study)
        const results = Schema.decodeUnknownSync(ProxyStudy.ProxyStudyResults)(
          JSON.parse(readFileSync(stored.results, "utf8"))
        )
        expect(results.proxies.map((p) => p.proxy)).toEqual(["sahd", "params", "macs", "random"])
        expect(results.epochs).toBe(2)
        expect(results.stability).toMatchObject({ fromEpoch: 1, toEpoch: 2 })
        expect(results.models).toBeGreaterThanOrEqual(2)
        for (const model of results.table) {
          // The params proxy reads the figure itself (not the scorer's negated value).
          expect(model.proxies.params).toBe(model.params)
          expect(model.proxies.macs).toBeGreaterThan(0)
          expect(model.proxies.random).toBeGreaterThanOrEqual(0)
          expect(model.proxies.random).toBeLessThan(1)
        }
        expect(stored.note).toContain("sahd: τ-b")
        expect(readFileSync(stored.index, "utf8")).toContain(
          "How well each proxy ranks the trained architectures"
        )

        const again = yield* runTiny(store, out, { decl: full })
        expect(again.manifest.steps.every((step) => step.status === "cached")).toBe(true)
        expect(again.results.study).toEqual(resumed.results.study)
      }),
    600_000
  )

  it.live(
    "a proxy whose search drew other architectures is refused, naming the proxy and the search",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "study-store")
        const out = join(scratch, "study-report-moved")
        const exit = yield* Effect.exit(runTiny(store, out, { decl: studyPipeline(out, 4, 99) }))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(String(exit)).toMatch(/is not among the candidates of "proxy-params" \(proxy params\)/)
        expect(existsSync(out)).toBe(false)
      }),
    600_000
  )
})

describe("the search-budget ablation (issue 18)", () => {
  it.live(
    "searches each kernel set with each seed once, reads the budgets off the prefixes, and a second run computes nothing",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "ablation-store")
        const out = join(scratch, "ablation-report")
        const steps = budgetAblationSteps({
          out,
          name: "tiny-ablation",
          dataset: load({ loader: use(Synthetic.synthetic, syntheticConfig) }),
          kernelSets: [
            [1, 3],
            [1, 5]
          ],
          seeds: [1, 2],
          budgets: [2, 4],
          scorer: { id: "sahd", config: { batch: 8, repeats: 1, timesteps: 2, network } }
        })
        expect(Object.keys(steps)).toEqual([
          "data",
          "search-k13-s1",
          "search-k13-s2",
          "search-k15-s1",
          "search-k15-s2",
          "ablation"
        ])
        const decl = pipeline({ name: "tiny-ablation", seed: 1, steps })
        const first = yield* runTiny(store, out, { decl })
        expect(first.manifest.steps.every((step) => step.status === "computed")).toBe(true)
        const stored = Schema.decodeUnknownSync(BudgetAblationReport)(first.results.ablation)
        const results = Schema.decodeUnknownSync(BudgetAblation.BudgetAblationResults)(
          JSON.parse(readFileSync(stored.results, "utf8"))
        )
        expect(results.rows.map((row) => `${row.kernels}@${row.budget}×${row.seeds}`)).toEqual([
          "{1,3}@2×2",
          "{1,3}@4×2",
          "{1,5}@2×2",
          "{1,5}@4×2"
        ])
        for (const row of results.rows.filter((r) => r.budget === 4)) expect(row.reachedFinal).toBe(1)
        const second = yield* runTiny(store, out, { decl })
        expect(second.manifest.steps.every((step) => step.status === "cached")).toBe(true)
      }),
    600_000
  )
})

describe("the kernel-size study (issue 18)", () => {
  it.live(
    "trains the fixed architecture at each kernel size with each seed, reports the curves, resumes with nothing to compute",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "kernel-store")
        const out = join(scratch, "kernel-report")
        const steps = kernelStudySteps({
          out,
          name: "tiny-kernel-study",
          dataset: load({ loader: use(Synthetic.synthetic, syntheticConfig) }),
          architecture: { cells: publishedArchitectures.cifar100, label: "cifar100" },
          kernels: [3, 5],
          seeds: [1, 2],
          network,
          trainer: bptt(trainerConfig)
        })
        expect(Object.keys(steps)).toEqual([
          "data",
          "arch-k3",
          "pick-k3",
          "arch-k5",
          "pick-k5",
          "train-k3-s1",
          "train-k3-s2",
          "train-k5-s1",
          "train-k5-s2",
          "study"
        ])
        const decl = pipeline({ name: "tiny-kernel-study", seed: 1, steps })
        const first = yield* runTiny(store, out, { decl })
        expect(first.manifest.steps.every((step) => step.status === "computed")).toBe(true)
        const stored = Schema.decodeUnknownSync(StudyReport)(first.results.study)
        const results = Schema.decodeUnknownSync(KernelStudy.KernelStudyResults)(
          JSON.parse(readFileSync(stored.results, "utf8")),
          { onExcessProperty: "error" }
        )
        expect(results.rows.map((row) => [row.kernel, row.seeds])).toEqual([
          [3, 2],
          [5, 2]
        ])
        // Bigger kernels, more parameters; one curve point per kernel size and epoch.
        expect(results.rows[1].params).toBeGreaterThan(results.rows[0].params)
        expect(results.curves).toHaveLength(2 * 2)
        const second = yield* runTiny(store, out, { decl })
        expect(second.manifest.steps.every((step) => step.status === "cached")).toBe(true)
      }),
    600_000
  )
})

describe("the score–memory front comparison (issue 19)", () => {
  it.live(
    "searches with NSGA-II and random search on equal budgets, reports fronts and hypervolumes, resumes with nothing to compute",
    () =>
      Effect.gen(function* () {
        const store = join(scratch, "fronts-store")
        const out = join(scratch, "fronts-report")
        const steps = frontComparisonSteps({
          out,
          name: "tiny-fronts",
          dataset: load({ loader: use(Synthetic.synthetic, syntheticConfig) }),
          kernels: [1, 3],
          strategies: {
            nsga2: use(nsga2, { population: 2, memory: "bytes" }),
            random: use(randomSearch, {})
          },
          seeds: [1, 2],
          budget: 4,
          scorer: { id: "sahd", config: { batch: 8, repeats: 1, timesteps: 2, network } }
        })
        expect(Object.keys(steps)).toEqual([
          "data",
          "search-nsga2-s1",
          "search-nsga2-s2",
          "search-random-s1",
          "search-random-s2",
          "comparison"
        ])
        const decl = pipeline({ name: "tiny-fronts", seed: 1, steps })
        const first = yield* runTiny(store, out, { decl })
        expect(first.manifest.steps.every((step) => step.status === "computed")).toBe(true)
        const stored = Schema.decodeUnknownSync(StudyReport)(first.results.comparison)
        const results = Schema.decodeUnknownSync(FrontComparison.FrontComparisonResults)(
          JSON.parse(readFileSync(stored.results, "utf8")),
          { onExcessProperty: "error" }
        )
        expect(results.strategies.map((s) => [s.strategy, s.seeds])).toEqual([
          ["nsga2", 2],
          ["random", 2]
        ])
        for (const search of results.searches) {
          expect(search.candidates).toBe(4)
          expect(search.hypervolume).toBeGreaterThanOrEqual(0)
          expect(search.hypervolume).toBeLessThanOrEqual(1)
        }
        const second = yield* runTiny(store, out, { decl })
        expect(second.manifest.steps.every((step) => step.status === "cached")).toBe(true)
      }),
    600_000
  )
})

describe("a search under a memory budget on a device (issue 19)", () => {
  it.live(
    "runs SAHD only on the candidates within the budget; the others are journaled as rejected, with their memory",
    () =>
      Effect.gen(function* () {
        const data = load({ loader: use(Synthetic.synthetic, syntheticConfig) })
        const found = (memoryBudget?: { readonly maxBytes: number; readonly weightBits: 8 }) =>
          kernelSetSteps({
            dataset: data,
            kernels: [1, 3],
            scorer: { id: "sahd", config: { batch: 8, repeats: 1, timesteps: 2, network } },
            measures: [{ id: "memory", config: { network } }],
            budget: 8,
            trainer: bptt(trainerConfig),
            ...(memoryBudget === undefined ? {} : { memoryBudget })
          }).found
        const searchOf = (result: unknown) => Schema.decodeUnknownSync(StepOutput.SearchResult)(result)
        const at8 = (record: StepOutput.SearchResult["records"][number]) =>
          DeploymentMemory.at(record.memory!, 8).total
        const labelOf = (record: StepOutput.SearchResult["records"][number]) =>
          `${record.architecture.cellType}[${record.architecture.kernels.join(",")}]:${record.canonical}`

        // Without a budget: every candidate scored, and measured.
        const free = searchOf(
          (yield* runTiny(join(scratch, "memory-free"), scratch, {
            decl: pipeline({ name: "memory", seed: 5, steps: { found: found() } })
          })).results.found
        )
        const totals = [...new Set(free.records.map(at8))].sort((a, b) => a - b)
        expect(totals.length).toBeGreaterThan(1)
        const maxBytes = totals[Math.floor((totals.length - 1) / 2)]

        // With one, in a fresh store: the same proposals, split at maxBytes.
        const store = join(scratch, "memory-capped")
        const capped = searchOf(
          (yield* runTiny(store, scratch, {
            decl: pipeline({ name: "memory", seed: 5, steps: { found: found({ maxBytes, weightBits: 8 }) } })
          })).results.found
        )
        expect(capped.records.map(labelOf)).toEqual(free.records.map(labelOf))
        const rejected = capped.records.filter((r) => r.rejected !== undefined)
        const admitted = capped.records.filter((r) => r.rejected === undefined)
        expect(rejected.length).toBeGreaterThan(0)
        expect(admitted.length).toBeGreaterThan(0)
        for (const record of rejected) {
          expect(at8(record)).toBeGreaterThan(maxBytes)
          expect(record.scores).toEqual([])
          expect(record.rejected!.reason).toContain(
            `over the memory budget of ${maxBytes.toLocaleString("en-US")}`
          )
        }
        for (const record of admitted) {
          expect(at8(record)).toBeLessThanOrEqual(maxBytes)
          expect(record.scores.map((s) => s.scorer)).toEqual(["sahd", "memory"])
        }
        // The store holds a memory score for every distinct cell and a SAHD score only for those within
        // the budget: SAHD never ran on the others.
        const scoreEntries = yield* Effect.map(
          Effect.service(Store.Store),
          (s) => s.entries("score/").length
        ).pipe(Effect.provide(Store.layer({ root: store, mode: "read" })), Effect.provide(NodeServices.layer))
        expect(scoreEntries).toBe(
          2 * new Set(admitted.map(labelOf)).size + new Set(rejected.map(labelOf)).size
        )
      }),
    600_000
  )
})
