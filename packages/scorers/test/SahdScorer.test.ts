/**
 * The sahd scorer end to end on a tiny real SNN (three LIF layers over fixed projections of the
 * images; see FakeNetworks.ts): determinism, hook counts, singular kernels, the repeat options,
 * the memory check and the size scorers.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Architecture, DeploymentMemory, NeuronModel, Plugin, Scorer } from "@spikernel/core"
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
import {
  fakeLayers,
  fakeNeuron,
  fakeLoader,
  fakeMemory,
  fakeNetworks,
  fakeParams,
  layerSizes,
  type NetworkLog,
  type RunLog
} from "./FakeNetworks.ts"

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
/** A cell without convolutions (skip and pooling only), so its network is smaller. */
const small: Architecture.Architecture = {
  ...arch,
  matrix: [
    [0, 1, 0, 4],
    [0, 0, 1, 0],
    [1, 0, 0, 4],
    [0, 0, 0, 0]
  ]
}

/**
 * METHOD.md §3's score of one repeat written directly from the formula in float64 (not from
 * SahdKernel.ts): per hook call, r_b = Σₙ X[b,n]/N, D = Hamming distances, E = N·(rᵢ(1−rⱼ) +
 * (1−rᵢ)rⱼ) (without ×N for 'no-N'), K_call = N − 0.5·D/(E + 10⁻³); K = Σ K_call, and
 * log|det(K/n)| by Gaussian elimination with partial pivoting.
 */
const referenceLogDet = (
  calls: ReadonlyArray<{ readonly batch: number; readonly values: Float32Array }>,
  normaliser: "official" | "no-N"
): number => {
  const B = calls[0].batch
  const k = new Float64Array(B * B)
  for (const { values } of calls) {
    const N = values.length / B
    const x = (b: number, n: number) => values[b * N + n]
    const r = Array.from({ length: B }, (_, b) => {
      let sum = 0
      for (let n = 0; n < N; n++) sum += x(b, n)
      return sum / N
    })
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < B; j++) {
        let d = 0
        for (let n = 0; n < N; n++) d += x(i, n) * (1 - x(j, n)) + (1 - x(i, n)) * x(j, n)
        const e = (r[i] * (1 - r[j]) + (1 - r[i]) * r[j]) * (normaliser === "official" ? N : 1)
        k[i * B + j] += N - (0.5 * d) / (e + 1e-3)
      }
    }
  }
  const a = Array.from({ length: B }, (_, i) =>
    Array.from({ length: B }, (_, j) => k[i * B + j] / calls.length)
  )
  let logAbsDet = 0
  for (let c = 0; c < B; c++) {
    let pivot = c
    for (let i = c + 1; i < B; i++) if (Math.abs(a[i][c]) > Math.abs(a[pivot][c])) pivot = i
    ;[a[c], a[pivot]] = [a[pivot], a[c]]
    logAbsDet += Math.log(Math.abs(a[c][c]))
    for (let i = c + 1; i < B; i++) {
      const f = a[i][c] / a[c][c]
      for (let j = c; j < B; j++) a[i][j] -= f * a[c][j]
    }
  }
  return logAbsDet
}

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
      neuron: fakeNeuron,
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

  it.effect(
    "the plugin Layer scores the mean over repeats of log|det(K/n)| of the spikes its network emitted",
    () =>
      Effect.gen(function* () {
        for (const normaliser of ["official", "no-N"] as const) {
          const network: NetworkLog = { summaries: [], spikes: [] }
          const decoded = yield* Plugin.decodeConfig(sahd, { batch: 64, normaliser })
          expect(decoded).toEqual({ ...defaultSahdConfig, batch: 64, normaliser })
          const score = yield* Scorer.Scorer.use((s) => s.score(arch, { seed: 1, index: 0 })).pipe(
            Effect.provide(
              sahd
                .layer(decoded)
                .pipe(
                  Layer.provide(fakeLayers({ network })),
                  Layer.provide(Layer.succeed(NeuronModel.NeuronModel, fakeNeuron)),
                  Layer.provide(Layer.succeed(Backend, backend))
                )
            )
          )
          // The scorer rounds each call's kernel to float32 as the GPU does; this reference stays in
          // float64, which moves a log-det by ~10⁻⁴ here (a wrong term moves it by whole units).
          // One network run per repeat (the memory check takes the static bound here, no probe run).
          expect(network.spikes).toHaveLength(decoded.repeats)
          const expected = network.spikes.map((calls) => referenceLogDet(calls, normaliser))
          expected.forEach((logdet, r) => {
            expect(score.details[`logdet${r}`]).toBeCloseTo(logdet, 3)
          })
          expect(score.value).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 3)
          expect(score.details.hookCalls).toBe(network.spikes[0].length)
          expect(network.spikes[0]).toHaveLength(decoded.timesteps * layerSizes.length)
          // The network is the data set's: no preset in the config, so the loader's name.
          expect(network.summaries).toEqual([{ dataset: "fake", preset: undefined }])
        }
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
  it.effect(
    "report minus the network's parameters and bytes, figures in details; the preset defaults to the data set",
    () =>
      Effect.gen(function* () {
        const network: NetworkLog = { summaries: [], spikes: [] }
        const score = (
          plugin: typeof params,
          config: typeof params.config.Type,
          a: Architecture.Architecture
        ) =>
          Scorer.Scorer.use((s) => s.score(a, { seed: 0, index: 0 })).pipe(
            Effect.provide(plugin.layer(config).pipe(Layer.provide(fakeLayers({ network }))))
          )
        const sizes = new Set<number>()
        for (const a of [arch, small]) {
          const size = fakeParams(a)
          sizes.add(size)
          expect(yield* score(params, { network: {} }, a)).toEqual({
            scorer: "params",
            value: -size,
            details: { params: size, bytes: 4 * size, stateBytesPerSample: 1000 }
          })
          expect(yield* score(memory, { network: {} }, a)).toEqual({
            scorer: "memory",
            value: -4 * size,
            details: {
              params: size,
              bytes: 4 * size,
              stateBytesPerSample: 1000,
              ...DeploymentMemory.toDetails(fakeMemory(a))
            }
          })
        }
        expect(sizes.size).toBe(2)
        expect(network.summaries).toEqual(
          Array.from({ length: 4 }, () => ({ dataset: "fake", preset: undefined }))
        )
        yield* score(params, { network: { preset: "cifar100" } }, arch)
        expect(network.summaries.at(-1)).toEqual({ dataset: "cifar100", preset: "cifar100" })
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
  // The outcome depends on the request and the candidate, so a scorer that mixed up the key or the
  // figures would report the wrong ones.
  const trainer = Layer.succeed(Scorer.CandidateTrainer, {
    trainAndEvaluate: (a, request) =>
      Effect.sync(() => {
        requests.push(request)
        return {
          accuracy: ((request.index * 7 + request.seed) % 16) / 16,
          evaluated: 16 * (request.evalBatches ?? 5),
          params: fakeParams(a),
          bytes: 4 * fakeParams(a)
        }
      })
  })

  it.effect("reports the trainer's top-1 for the candidate's key, with its figures in details", () =>
    Effect.gen(function* () {
      const config = yield* Plugin.decodeConfig(trainedAccuracy, { epochs: 3, evalBatches: 2 })
      const layer = trainedAccuracy.layer(config).pipe(Layer.provide(Layer.merge(trainer, fakeLayers())))
      const score = (a: Architecture.Architecture, key: Scorer.ScoreContext) =>
        Scorer.Scorer.use((s) => s.score(a, key)).pipe(Effect.provide(layer))
      expect(yield* score(arch, { seed: 4, index: 9 })).toEqual({
        scorer: "trained-accuracy",
        value: 3 / 16,
        details: {
          accuracy: 3 / 16,
          evaluated: 32,
          epochs: 3,
          params: fakeParams(arch),
          bytes: 4 * fakeParams(arch)
        }
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
      const again = yield* score(small, { seed: 0, index: 1 })
      expect(again.value).toBe(7 / 16)
      expect(again.details.params).toBe(fakeParams(small))
      expect(requests.at(-1)).toMatchObject({ seed: 0, index: 1 })
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
