/**
 * The `sahd` scorer: SNASNet's training-free score (METHOD.md §3), the paper's R score.
 *
 * A candidate's network is built with fresh weights (or given ones) and run in train mode on
 * `repeats` fresh training batches of `batch` images for `timesteps` steps. Every LIF call at every
 * step hands its spikes to the hook, which bit-packs them on the device (16× less readback) and adds
 * the call's sparsity-aware Hamming kernel to K (float64); the repeat's log-det is log|det(K/n)| and
 * the score is the mean over repeats. A singular K scores −Infinity, with the reason in `note`.
 *
 * Options (all in the config, so in the cache key): `augment` (the training augmentation, as the
 * official code, or `none`), `dropout` (`train`: the classifier dropout is active, one mask per
 * repeat; `off`: a score independent of the dropout draw), `resetBetweenRepeats` (`true`; `false`
 * carries membranes and the dropout mask into repeat 2, the official HEAD quirk), `normaliser`
 * (`official` ×N, or `no-N`), `batch`, `repeats`, `timesteps` and the network (preset, widths,
 * second pool).
 *
 * Randomness: the weights from (seed, index), the batches from the data seed derived from
 * (seed, `score/sahd/data`, index) with epoch = repeat, the dropout mask of repeat r from
 * (seed, index·repeats + r) — so a score is a pure function of (seed, candidate, config, data).
 *
 * @since 0.1.0
 */
import {
  type Architecture,
  type CandidateRecord,
  DatasetLoader,
  NeuronModel,
  type Plugin,
  Rng,
  Scorer
} from "@spikernel/core"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { Context, Effect, Layer, Option, Schema, Stream } from "effect"
import { makeCarryNeuron } from "./CarryNeuron.ts"
import { checkForwardMemory, describeMemoryCheck } from "./ForwardMemory.ts"
import { gram } from "./HammingGram.ts"
import { makeSahdKernel, Normaliser } from "./SahdKernel.ts"
import { packSpikes } from "./SpikePacking.ts"
import { type GramFunction, makeWasmGram } from "./WasmGram.ts"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))
const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/**
 * The configuration; every field has SNASNet's default.
 *
 * @since 0.1.0
 */
export const SahdConfig = Schema.Struct({
  batch: withDefault(Positive, 256),
  repeats: withDefault(Positive, 2),
  timesteps: withDefault(Positive, 5),
  augment: withDefault(Schema.Literals(["train", "none"]), "train"),
  dropout: withDefault(Schema.Literals(["train", "off"]), "train"),
  resetBetweenRepeats: withDefault(Schema.Boolean, true),
  normaliser: withDefault(Normaliser, "official"),
  network: withDefault(Scorer.NetworkOptions, {})
})

/**
 * @since 0.1.0
 */
export type SahdConfig = typeof SahdConfig.Type

/**
 * The SNASNet defaults.
 *
 * @since 0.1.0
 */
export const defaultSahdConfig: SahdConfig = Schema.decodeUnknownSync(SahdConfig)({})

/**
 * Where one candidate's time went (seconds): the forward pass itself, the bookkeeping (spike
 * packing and readback, kernels, log-dets) and the data (batch decoding, augmentation, upload).
 * Kept out of the ScoreResult, whose details must not change between runs.
 *
 * @since 0.1.0
 */
export interface SahdTiming {
  readonly forward: number
  readonly bookkeeping: number
  readonly data: number
}

/**
 * A score with the timing of its parts.
 *
 * @since 0.1.0
 */
export interface SahdRun {
  readonly score: CandidateRecord.ScoreResult
  readonly timing: SahdTiming
}

/**
 * The services the scorer runs on.
 *
 * @since 0.1.0
 */
export interface SahdServices {
  readonly networks: Scorer.ScoringNetworks["Service"]
  readonly loader: DatasetLoader.DatasetLoader["Service"]
  readonly neuron: NeuronModel.Neuron
  readonly backend: Backend["Service"]
  readonly gram: GramFunction
}

const seconds = (): number => performance.now() / 1000

const failure = (reason: string) => new Scorer.ScoreError({ scorer: "sahd", reason })

/**
 * Scores one architecture. `weights` (PyTorch layout) replace the initialisation when given.
 *
 * @since 0.1.0
 */
export const runSahd = (
  services: SahdServices,
  config: SahdConfig,
  arch: Architecture.Architecture,
  context: Scorer.ScoreContext,
  weights?: Scorer.TorchWeights
): Effect.Effect<SahdRun, Scorer.ScoreError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { batch: B, repeats, timesteps } = config
      const info = yield* services.loader.info.pipe(Effect.mapError((e) => failure(e.message)))
      const summary = yield* services.networks.summary(arch, config.network, info.name)
      const [h, w, c] = summary.imageShape
      if (info.imageShape.join() !== summary.imageShape.join()) {
        return yield* failure(
          `the data set's images are ${info.imageShape.join("×")}, the network expects ${summary.imageShape.join("×")}`
        )
      }
      if (info.trainSize < B) {
        return yield* failure(
          `batch ${B} is larger than the ${info.trainSize} training images of ${info.name}`
        )
      }
      const carry = makeCarryNeuron(services.neuron, summary.lifLayers, timesteps)
      const network = yield* Effect.acquireRelease(
        services.networks.build(arch, config.network, info.name, {
          seed: context.seed,
          index: context.index,
          neuron: carry.neuron,
          ...(weights === undefined ? {} : { weights })
        }),
        (built) =>
          Effect.sync(() => {
            built.dispose()
            carry.dispose()
          })
      )
      const attempt = <A>(what: string, f: () => A) =>
        Effect.try({
          try: f,
          catch: (error) => failure(`${what}: ${error instanceof Error ? error.message : String(error)}`)
        })

      const usage = yield* services.backend.heap
      const check = yield* Effect.promise(() =>
        checkForwardMemory({
          usage,
          batch: B,
          stateBytesPerSample: summary.stateBytesPerSample,
          probe: (b) => {
            const x = tf.zeros([b, h, w, c]) as tf.Tensor4D
            try {
              carry.beginCall("reset")
              network.run(x, { timesteps, dropout: "off", onSpikes: () => {} })
            } finally {
              x.dispose()
            }
          }
        })
      )
      if (!check.fits) {
        return yield* new Scorer.ScoreError({
          scorer: "sahd",
          reason: describeMemoryCheck(check, B),
          memory: { neededBytes: check.neededBytes, freeBytes: check.freeBytes, limitBytes: check.limitBytes }
        })
      }

      const dataSeed = Rng.derivedSeed({
        seed: context.seed,
        stream: "score/sahd/data",
        index: context.index
      })
      const timing = { forward: 0, bookkeeping: 0, data: 0 }
      const logdets: Array<number> = []
      const notes: Array<string> = []
      let hookCalls = 0
      for (let r = 0; r < repeats; r++) {
        const dataStart = seconds()
        const next = yield* services.loader
          .batches({
            split: "train",
            batchSize: B,
            seed: dataSeed,
            epoch: r,
            shuffle: true,
            augment: config.augment === "train",
            take: 1,
            dropLast: true
          })
          .pipe(
            Stream.runHead,
            Effect.mapError((e) => failure(e.message))
          )
        if (Option.isNone(next)) return yield* failure(`no training batch of ${B} images in ${info.name}`)
        const images = tf.tensor4d(next.value.images, [B, h, w, c])
        timing.data += seconds() - dataStart

        const kernel = makeSahdKernel(B, config.normaliser, services.gram)
        const carried = r > 0 && !config.resetBetweenRepeats
        carry.beginCall(carried ? "carry" : "reset")
        const dropout =
          config.dropout === "off"
            ? ("off" as const)
            : { seed: context.seed, index: context.index * repeats + (config.resetBetweenRepeats ? r : 0) }
        let hooks = 0
        const forwardStart = seconds()
        yield* attempt("forward pass", () =>
          network.run(images, {
            timesteps,
            dropout,
            onSpikes: (_layer, _t, spikes) => {
              const start = seconds()
              kernel.add(packSpikes(spikes))
              hooks += seconds() - start
            }
          })
        ).pipe(Effect.ensuring(Effect.sync(() => images.dispose())))
        timing.forward += seconds() - forwardStart - hooks
        const logDetStart = seconds()
        const result = kernel.logDet()
        timing.bookkeeping += hooks + seconds() - logDetStart
        logdets.push(result.logAbsDet)
        hookCalls = kernel.calls()
        if (result.singular !== undefined) notes.push(`repeat ${r}: K/n ${result.singular}`)
      }
      const value = logdets.reduce((a, b) => a + b, 0) / logdets.length
      const details: Record<string, number> = {
        hookCalls,
        batch: B,
        repeats,
        timesteps,
        params: summary.params,
        bytes: summary.bytes
      }
      logdets.forEach((ld, r) => {
        details[`logdet${r}`] = ld
      })
      const score: CandidateRecord.ScoreResult = {
        scorer: "sahd",
        value,
        details,
        ...(notes.length === 0
          ? {}
          : {
              note:
                notes.join("; ") +
                " — the codes of some images are identical in every LIF call (e.g. a repeated image)"
            })
      }
      return { score, timing }
    })
  )

/**
 * The services of a SAHD scorer from context, with the WebAssembly Gram (the JS one where
 * WebAssembly is missing).
 *
 * @since 0.1.0
 */
export const sahdServices: Effect.Effect<
  SahdServices,
  never,
  Scorer.ScoringNetworks | DatasetLoader.DatasetLoader | NeuronModel.NeuronModel | Backend
> = Effect.gen(function* () {
  const hasWasm = typeof (globalThis as { readonly WebAssembly?: unknown }).WebAssembly === "object"
  return {
    networks: yield* Scorer.ScoringNetworks,
    loader: yield* DatasetLoader.DatasetLoader,
    neuron: yield* NeuronModel.NeuronModel,
    backend: yield* Backend,
    gram: hasWasm ? makeWasmGram() : gram
  }
})

/**
 * A SAHD scorer at one config, with the timing of every score and the option of given weights: what
 * the `sahd` plugin's Scorer runs, and what `spikernel score` and `spikernel bench score` call, so a
 * one-off score and a pipeline's score of the same candidate go through the same code.
 *
 * @since 0.1.0
 */
export class Sahd extends Context.Service<
  Sahd,
  {
    readonly config: SahdConfig
    /** Scores one architecture; `weights` (PyTorch layout) replace the initialisation when given. */
    readonly run: (
      arch: Architecture.Architecture,
      context: Scorer.ScoreContext,
      weights?: Scorer.TorchWeights
    ) => Effect.Effect<SahdRun, Scorer.ScoreError>
  }
>()("@spikernel/scorers/Sahd") {
  /**
   * @since 0.1.0
   */
  static readonly layer = (
    config: SahdConfig
  ): Layer.Layer<
    Sahd,
    never,
    Scorer.ScoringNetworks | DatasetLoader.DatasetLoader | NeuronModel.NeuronModel | Backend
  > =>
    Layer.effect(
      Sahd,
      Effect.map(sahdServices, (services) =>
        Sahd.of({
          config,
          run: (arch, context, weights) => runSahd(services, config, arch, context, weights)
        })
      )
    )
}

/**
 * @since 0.1.0
 */
export const sahd: Plugin.Plugin<
  "Scorer",
  SahdConfig,
  typeof SahdConfig.Encoded,
  Scorer.Scorer,
  never,
  Scorer.ScoringNetworks | DatasetLoader.DatasetLoader | NeuronModel.NeuronModel | Backend
> = {
  kind: "Scorer",
  id: "sahd",
  version: 1,
  description:
    "SNASNet's training-free score: log|det| of the sparsity-aware Hamming kernel of the LIF spikes",
  config: SahdConfig,
  layer: (config) =>
    Layer.effect(
      Scorer.Scorer,
      Effect.map(Effect.service(Sahd), (scorer) => ({
        id: "sahd",
        score: (arch, context) => Effect.map(scorer.run(arch, context), (run) => run.score)
      }))
    ).pipe(Layer.provide(Sahd.layer(config)))
}
