/**
 * The sahd scorer end to end on a tiny real SNN (three LIF layers over fixed projections of the
 * images; see FakeNetworks.ts): determinism, hook counts, singular kernels, the repeat options,
 * the memory check and the size scorers.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Architecture, NeuronModel, Plugin, Scorer } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import {
  checkForwardMemory,
  defaultSahdConfig,
  makeWasmGram,
  memory,
  params,
  runSahd,
  type SahdConfig,
  SahdConfig as SahdConfigSchema,
  sahd,
  trainedAccuracy
} from "@spikernel/scorers"
import { availableBytes, Backend, heapUsage } from "@spikernel/tensor"
import { schemaContract } from "@spikernel/testing"
import * as tf from "@tensorflow/tfjs"
import { Effect, Layer } from "effect"
import { beforeAll } from "vitest"
import { fakeLayers, fakeLoader, fakeNetworks, layerSizes, type RunLog } from "./FakeNetworks.ts"

const arch: Architecture.Architecture = {
  cellType: "backward",
  kernels: [1, 3],
  matrix: [
    [0, 3, 0, 2],
    [0, 0, 3, 0],
    [3, 0, 0, 3],
    [0, 0, 0, 0]
  ]
}
const other: Architecture.Architecture = { ...arch, matrix: [[0, 2, 0, 3], ...arch.matrix.slice(1)] }

const config = (overrides: Partial<SahdConfig> = {}): SahdConfig => ({
  ...defaultSahdConfig,
  batch: 64,
  ...overrides
})

const run = (
  c: SahdConfig,
  options: {
    repeated?: boolean
    log?: RunLog
    stateBytesPerSample?: number
    size?: number
    a?: Architecture.Architecture
    index?: number
  } = {}
) =>
  runSahd(
    {
      networks: fakeNetworks(options),
      loader: fakeLoader(options),
      neuron: Lif.lif(),
      backend,
      gram: makeWasmGram()
    },
    c,
    options.a ?? arch,
    { seed: 1, index: options.index ?? 0 }
  )

let backend: Backend["Service"]

beforeAll(async () => {
  backend = await Effect.runPromise(Effect.provide(Effect.service(Backend), Backend.layerCpu))
})

describe("sahd", () => {
  it.effect(
    "scores finitely, records T·L hook calls per repeat and is a pure function of (seed, candidate)",
    () =>
      Effect.gen(function* () {
        const before = tf.memory().numTensors
        const a = yield* run(config())
        const b = yield* run(config())
        expect(Number.isFinite(a.score.value)).toBe(true)
        expect(a.score.details.hookCalls).toBe(5 * layerSizes.length)
        expect(a.score.details.logdet0).not.toBe(a.score.details.logdet1)
        expect(a.score.value).toBe((a.score.details.logdet0 + a.score.details.logdet1) / 2)
        expect(b.score).toEqual(a.score)
        expect((yield* run(config(), { index: 1 })).score.value).not.toBe(a.score.value)
        expect((yield* run(config(), { a: other })).score.value).not.toBe(a.score.value)
        expect(tf.memory().numTensors).toBe(before)
        expect(a.timing.forward).toBeGreaterThan(0)
        expect(a.timing.bookkeeping).toBeGreaterThan(0)
      })
  )

  it.effect("scores a batch of one repeated image −Infinity with the reason, never NaN", () =>
    Effect.gen(function* () {
      const result = yield* run(config(), { repeated: true })
      expect(result.score.value).toBe(Number.NEGATIVE_INFINITY)
      expect(result.score.note).toMatch(/repeat 0: K\/n zero pivot .* singular.*identical/)
    })
  )

  it.effect("draws a dropout mask per repeat, keeps it with the HEAD quirk, and passes 'off' through", () =>
    Effect.gen(function* () {
      const fresh: RunLog = { dropout: [] }
      yield* run(config(), { log: fresh })
      expect(fresh.dropout).toEqual([
        { seed: 1, index: 0 },
        { seed: 1, index: 1 }
      ])
      const quirk: RunLog = { dropout: [] }
      yield* run(config({ resetBetweenRepeats: false }), { log: quirk })
      expect(quirk.dropout).toEqual([
        { seed: 1, index: 0 },
        { seed: 1, index: 0 }
      ])
      const off: RunLog = { dropout: [] }
      yield* run(config({ dropout: "off" }), { log: off })
      expect(off.dropout).toEqual(["off", "off"])
    })
  )

  it.effect("with resetBetweenRepeats false, repeat 2 starts from repeat 1's membranes", () =>
    Effect.gen(function* () {
      const reset = yield* run(config())
      const carried = yield* run(config({ resetBetweenRepeats: false }))
      expect(carried.score.details.logdet0).toBe(reset.score.details.logdet0)
      expect(carried.score.details.logdet1).not.toBe(reset.score.details.logdet1)
    })
  )

  it.effect("is higher with 'no-N' than with the official normaliser", () =>
    Effect.gen(function* () {
      const official = yield* run(config())
      const noN = yield* run(config({ normaliser: "no-N" }))
      expect(noN.score.value).toBeGreaterThan(official.score.value)
    })
  )

  it.effect("stops before it starts when the forward would not fit, naming the memory and the limit", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run(config(), { stateBytesPerSample: 1e15 }))
      expect(error.message).toMatch(
        /^sahd: a forward pass at batch 64 needs about [\d,]+ MiB of tensor memory beyond the weights \(static bound\), but the cpu backend has [\d,]+ MiB free \(limit [\d,]+ MiB\)/
      )
    })
  )

  it.effect("refuses a batch larger than the training split", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run(config({ batch: 256 }), { size: 100 }))
      expect(error.message).toBe("sahd: batch 256 is larger than the 100 training images of fake")
    })
  )

  it.effect("works as a plugin Layer with the services in context", () =>
    Effect.gen(function* () {
      const decoded = yield* Plugin.decodeConfig(sahd, { batch: 32 })
      expect(decoded).toEqual({ ...defaultSahdConfig, batch: 32 })
      const score = yield* Scorer.Scorer.use((s) => s.score(arch, { seed: 1, index: 0 })).pipe(
        Effect.provide(
          sahd
            .layer(decoded)
            .pipe(
              Layer.provide(fakeLayers()),
              Layer.provide(Layer.succeed(NeuronModel.NeuronModel, Lif.lif())),
              Layer.provide(Layer.succeed(Backend, backend))
            )
        )
      )
      expect(score.scorer).toBe("sahd")
      expect(Number.isFinite(score.value)).toBe(true)
    })
  )
})

describe("forward memory check", () => {
  const free = () => availableBytes(heapUsage("cpu"))
  const probe = (perSample: number) => (b: number) => {
    tf.tidy(() => {
      tf.zeros([b, perSample / 4])
    })
  }

  it("measures two small forwards and extrapolates when the static bound is close to the limit", async () => {
    const check = await checkForwardMemory({
      usage: heapUsage("cpu"),
      batch: 64,
      stateBytesPerSample: free() / 64 / 3,
      probe: probe(1 << 20)
    })
    expect(check.method).toBe("measured at batch 2 and 4")
    // 1 MiB per sample (the probes allocate exactly that), from batch 2 and 4 to 64.
    expect(check.neededBytes).toBe(Math.max(64 * (1 << 20), free() / 3))
    expect(check.fits).toBe(true)
  })

  it("uses the static bound when it is far below or already above what is free", async () => {
    const low = await checkForwardMemory({
      usage: heapUsage("cpu"),
      batch: 64,
      stateBytesPerSample: 10,
      probe: () => expect.unreachable()
    })
    expect(low).toMatchObject({ method: "static bound", neededBytes: 640, fits: true })
    const high = await checkForwardMemory({
      usage: heapUsage("cpu"),
      batch: 64,
      stateBytesPerSample: free(),
      probe: () => expect.unreachable()
    })
    expect(high).toMatchObject({ method: "static bound", fits: false })
  })
})

describe("params and memory", () => {
  it.effect("report the negated size with the figures in details; the preset defaults to the data set", () =>
    Effect.gen(function* () {
      const score = (plugin: typeof params) =>
        Scorer.Scorer.use((s) => s.score(arch, { seed: 0, index: 0 })).pipe(
          Effect.provide(plugin.layer({ network: {} }).pipe(Layer.provide(fakeLayers())))
        )
      expect(yield* score(params)).toEqual({
        scorer: "params",
        value: -1234,
        details: { params: 1234, bytes: 4936, stateBytesPerSample: 1000 }
      })
      expect((yield* score(memory)).value).toBe(-4936)
    })
  )

  it.effect("need a preset when there is no data set", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Scorer.Scorer.use((s) => s.score(arch, { seed: 0, index: 0 })).pipe(
          Effect.provide(
            params
              .layer({ network: {} })
              .pipe(Layer.provide(Layer.succeed(Scorer.ScoringNetworks, fakeNetworks())))
          )
        )
      )
      expect(error.message).toMatch(/no network preset/)
    })
  )
})

schemaContract("SahdConfig", SahdConfigSchema, {
  valid: [
    defaultSahdConfig,
    { ...defaultSahdConfig, normaliser: "no-N", network: { preset: "cifar100", widths: [64, 128] } }
  ],
  invalid: [
    { name: "batch 0", input: { batch: 0 }, message: /greater than 0/ },
    { name: "an unknown normaliser", input: { normaliser: "sqrt" }, message: /official|no-N/ },
    { name: "an unknown augmentation", input: { augment: "mixup" }, message: /train|none/ }
  ]
})

describe("trained-accuracy", () => {
  const requests: Array<Scorer.TrainingRequest> = []
  const trainer = Layer.succeed(Scorer.CandidateTrainer, {
    trainAndEvaluate: (_arch, request) =>
      Effect.sync(() => {
        requests.push(request)
        return { accuracy: 0.625, evaluated: 16, params: 99, bytes: 396 }
      })
  })

  it.effect("reports the trainer's top-1 with the figures in details and passes the candidate's key", () =>
    Effect.gen(function* () {
      const config = yield* Plugin.decodeConfig(trainedAccuracy, { epochs: 3, evalBatches: 2 })
      const score = yield* Scorer.Scorer.use((s) => s.score(arch, { seed: 4, index: 9 })).pipe(
        Effect.provide(trainedAccuracy.layer(config).pipe(Layer.provide(Layer.merge(trainer, fakeLayers()))))
      )
      expect(score).toEqual({
        scorer: "trained-accuracy",
        value: 0.625,
        details: { accuracy: 0.625, evaluated: 16, epochs: 3, params: 99, bytes: 396 }
      })
      expect(requests.at(-1)).toEqual({
        network: {},
        dataset: "fake",
        epochs: 3,
        batchSize: 64,
        timesteps: 5,
        seed: 4,
        index: 9,
        evalBatches: 2
      })
    })
  )

  it.effect("needs a preset when there is no data set", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Scorer.Scorer.use((s) => s.score(arch, { seed: 0, index: 0 })).pipe(
          Effect.provide(
            trainedAccuracy
              .layer(yield* Plugin.decodeConfig(trainedAccuracy, {}))
              .pipe(Layer.provide(trainer))
          )
        )
      )
      expect(error.message).toBe(
        "trained-accuracy: no network preset in the config and no data set to take it from"
      )
    })
  )
})
