/**
 * `spikernel score`: the SAHD score of one architecture (DESIGN.md §5), e.g.
 * `spikernel score --arch "0302 0030 3003 0000" --dataset cifar100:DIR --json`
 * → `{ score, logdets, hookCalls, … }`.
 *
 * `--weights FILE.safetensors` scores a network initialised elsewhere: the file holds the official
 * PyTorch `state_dict` (names such as `cell1.cell_architecture.0.1.weight`, OIHW conv weights,
 * [out, in] linear weights with `classifier.1`'s inputs in C, H, W order); the tensors are converted
 * to the tfjs layout by `@spikernel/spaces`' WeightLayout (OIHW → HWIO, [out, in] → [in, out], and
 * CHW → HWC for `classifier.1`). Every weight of the network must be present with its PyTorch shape;
 * `num_batches_tracked` buffers are ignored; any other extra tensor is an error.
 *
 * This module also holds `spacesScoringNetworks`, the `ScoringNetworks` service built on the spaces
 * package's network builder, which the scorer plugins need in context.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DatasetLoader, DatasetSpec, Numbers, Rng, Scorer } from "@spikernel/core"
import { layerFromSpec, Synthetic } from "@spikernel/datasets"
import { Lif } from "@spikernel/neurons"
import {
  decodeSafetensors,
  defaultSahdConfig,
  encodeSafetensors,
  floatValues,
  gram,
  makeWasmGram,
  runSahd,
  type SafeTensor,
  type SafetensorsError,
  type SahdConfig,
  type SahdRun
} from "@spikernel/scorers"
import { Network, NetworkConfig, ParamCount, WeightLayout, WeightSpecs } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import * as Training from "@spikernel/training"
import { Duration, Effect, FileSystem, Layer, Logger, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import * as NetworkFlags from "../NetworkFlags.ts"
import { emit, log } from "../Output.ts"
import { presetForData, trainableNetwork } from "./Train.ts"

const DatasetLoaderService = DatasetLoader.DatasetLoader

const networkFailure = (reason: string) => new Scorer.ScoreError({ scorer: "network", reason })

/**
 * The network configuration of a preset (default: the data set's name) with the overrides.
 *
 * @since 0.1.0
 */
export const resolveNetwork = (
  options: Scorer.NetworkOptions,
  dataset: string
): Effect.Effect<NetworkConfig.NetworkConfig, Scorer.ScoreError> =>
  NetworkConfig.presetFor(options.preset ?? dataset, "network preset").pipe(
    Effect.flatMap((base) =>
      NetworkConfig.withOverrides(
        base,
        {
          ...(options.widths === undefined ? {} : { widths: options.widths }),
          ...(options.secondPool === undefined ? {} : { secondPool: options.secondPool })
        },
        "network"
      )
    ),
    Effect.mapError((error) => networkFailure(error.message))
  )

/**
 * Checks PyTorch-layout weights against the network's weight list and assigns them.
 *
 * @since 0.1.0
 */
export const assignTorchWeights = (
  network: Network.Network,
  weights: Scorer.TorchWeights
): Effect.Effect<void, Scorer.ScoreError> =>
  Effect.gen(function* () {
    const known = new Set(network.specs.map((spec) => spec.name))
    for (const name of weights.keys()) {
      if (!known.has(name) && !name.endsWith(".num_batches_tracked")) {
        return yield* networkFailure(
          `unexpected tensor "${name}": the network of this architecture has no such weight`
        )
      }
    }
    for (const spec of network.specs) {
      const given = weights.get(spec.name)
      if (given === undefined) return yield* networkFailure(`missing tensor "${spec.name}"`)
      if (given.shape.join() !== spec.torchShape.join()) {
        return yield* networkFailure(
          `tensor "${spec.name}" has shape [${given.shape.join(", ")}], the network expects [${spec.torchShape.join(", ")}] (PyTorch layout)`
        )
      }
    }
    for (const spec of network.specs) {
      Network.assignWeight(
        network,
        spec.name,
        (weights.get(spec.name) as { values: Float32Array }).values,
        "torch"
      )
    }
  })

/**
 * The `ScoringNetworks` service on top of `@spikernel/spaces`.
 *
 * @since 0.1.0
 */
export const spacesScoringNetworks: Scorer.ScoringNetworks["Service"] = {
  summary: (arch, options, dataset) =>
    Effect.map(resolveNetwork(options, dataset), (config) => {
      const memory = ParamCount.memoryEstimate(arch, config)
      return {
        config: {
          preset: options.preset ?? dataset,
          inputSize: config.inputSize,
          inputChannels: config.inputChannels,
          widths: config.widths.join(","),
          secondPool: config.secondPool,
          hidden: config.hidden
        },
        imageShape: [config.inputSize, config.inputSize, config.inputChannels] as const,
        params: memory.params,
        bytes: memory.bytes,
        lifLayers: WeightSpecs.lifLayers(arch).length,
        stateBytesPerSample: memory.state.bytes
      }
    }),
  build: (arch, options, dataset, init) =>
    Effect.gen(function* () {
      const config = yield* resolveNetwork(options, dataset)
      const network = Network.buildNetwork(arch, config, {
        neuron: init.neuron,
        seed: init.seed,
        index: init.index
      })
      if (init.weights !== undefined) {
        yield* assignTorchWeights(network, init.weights).pipe(
          Effect.tapError(() => Effect.sync(network.dispose))
        )
      }
      return {
        run: (images, run) => {
          Network.forward(network, images, {
            timesteps: run.timesteps,
            onSpikes: run.onSpikes,
            training: true,
            dropout: run.dropout,
            updateRunningStats: false
          }).dispose()
        },
        dispose: network.dispose
      }
    })
}

/**
 * @since 0.1.0
 */
export const spacesScoringNetworksLayer: Layer.Layer<Scorer.ScoringNetworks> = Layer.succeed(
  Scorer.ScoringNetworks,
  spacesScoringNetworks
)

/**
 * The `CandidateTrainer` service on top of `@spikernel/spaces` and `@spikernel/training`: builds the
 * candidate's network from (seed, index), trains it with SNASNet's recipe for the requested epochs
 * (no checkpoints: a score is cached whole by the pipeline) and evaluates it in eval mode on the
 * test split. The data order, augmentation and dropout draw from the seed derived from
 * (seed, `score/trained-accuracy`, index).
 *
 * @since 0.1.0
 */
export const spacesCandidateTrainerLayer: Layer.Layer<
  Scorer.CandidateTrainer,
  never,
  DatasetLoader.DatasetLoader | Backend | FileSystem.FileSystem
> = Layer.effect(
  Scorer.CandidateTrainer,
  Effect.gen(function* () {
    const context = yield* Effect.context<DatasetLoader.DatasetLoader | Backend | FileSystem.FileSystem>()
    const failure = (reason: string) => new Scorer.ScoreError({ scorer: "trained-accuracy", reason })
    return {
      trainAndEvaluate: (arch, request) =>
        Effect.scoped(
          Effect.gen(function* () {
            const config = yield* resolveNetwork(request.network, request.dataset)
            const info = yield* (yield* DatasetLoaderService).info.pipe(
              Effect.mapError((e) => failure(e.message))
            )
            if (info.classes !== config.classes) {
              return yield* failure(`${info.name} has ${info.classes} classes, the network ${config.classes}`)
            }
            const network = Network.buildNetwork(arch, config, {
              neuron: Lif.lif(),
              seed: request.seed,
              index: request.index
            })
            yield* Effect.addFinalizer(() => Effect.sync(network.dispose))
            const model = trainableNetwork(network)
            const trainConfig = yield* Schema.decodeUnknownEffect(Training.TrainConfig)({
              epochs: request.epochs,
              batchSize: request.batchSize,
              timesteps: request.timesteps,
              seed: Rng.derivedSeed({
                seed: request.seed,
                stream: "score/trained-accuracy",
                index: request.index
              })
            }).pipe(Effect.mapError((issue) => failure(issue.message)))
            yield* Training.train({ model, config: trainConfig }).pipe(
              Effect.mapError((e) => failure(e.message))
            )
            const evaluation = yield* Training.evaluate({
              model,
              timesteps: request.timesteps,
              batchSize: request.batchSize,
              split: "test",
              ...(request.evalBatches === undefined ? {} : { limit: request.evalBatches })
            }).pipe(Effect.mapError((e) => failure(e.message)))
            const memory = ParamCount.memoryEstimate(arch, config)
            return {
              accuracy: evaluation.top1,
              evaluated: evaluation.samples,
              params: memory.params,
              bytes: memory.bytes
            }
          })
        ).pipe(Effect.provideContext(context))
    }
  })
)

/**
 * Reads a safetensors file into PyTorch-layout weights (float tensors only; integer buffers such
 * as `num_batches_tracked` are left out).
 *
 * @since 0.1.0
 */
export const readTorchWeights = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs
      .readFile(path)
      .pipe(Effect.mapError((error) => new ConfigError({ source: "--weights", reason: error.message })))
    const file = yield* decodeSafetensors(bytes, path)
    const weights = new Map<string, { shape: ReadonlyArray<number>; values: Float32Array }>()
    for (const [name, tensor] of file.tensors) {
      const values = floatValues(tensor)
      if (values !== undefined) weights.set(name, { shape: tensor.shape, values })
    }
    return weights as Scorer.TorchWeights
  })

/**
 * A network's weights as safetensors in the official PyTorch layout and names — the inverse of
 * `--weights` — with a zero `num_batches_tracked` (I64) per BatchNorm, so PyTorch's strict
 * `load_state_dict` accepts the file.
 *
 * @since 0.1.0
 */
export const exportTorchWeights = (network: Network.Network): Effect.Effect<Uint8Array, SafetensorsError> => {
  const tensors: Array<readonly [string, SafeTensor]> = []
  for (const spec of network.specs) {
    const variable = network.variables.get(spec.name) as { readonly dataSync: () => ArrayLike<number> }
    const values = WeightLayout.toTorch(spec, Float32Array.from(variable.dataSync()))
    tensors.push([spec.name, { dtype: "F32", shape: spec.torchShape, data: values }])
    if (spec.role === "bn-running-var") {
      const prefix = spec.name.slice(0, -".running_var".length)
      tensors.push([`${prefix}.num_batches_tracked`, { dtype: "I64", shape: [], data: new BigInt64Array(1) }])
    }
  }
  return encodeSafetensors(tensors, { format: "pt" })
}

/**
 * What `score --json` prints: the contract fields first (`score`, `logdets`, `hookCalls`).
 *
 * @since 0.1.0
 */
export const ScoreOutput = Schema.Struct({
  score: Numbers.JsonNumber,
  logdets: Schema.Array(Numbers.JsonNumber),
  hookCalls: Schema.Int,
  note: Schema.optionalKey(Schema.String),
  arch: Schema.String,
  cellType: Architecture.CellType,
  kernels: Schema.Array(Schema.Int),
  dataset: Schema.String,
  params: Schema.Int,
  bytes: Schema.Int,
  seed: Schema.Int,
  weights: Schema.NullOr(Schema.String),
  config: Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
  backend: Schema.String,
  seconds: Schema.Struct({
    forward: Schema.Finite,
    bookkeeping: Schema.Finite,
    data: Schema.Finite,
    total: Schema.Finite
  })
})

/**
 * @since 0.1.0
 */
export type ScoreOutput = typeof ScoreOutput.Type

const render = (output: ScoreOutput): string =>
  [
    `sahd score ${output.score} (log-dets ${output.logdets.join(", ")}; ${output.hookCalls} LIF calls per repeat)`,
    ...(output.note === undefined ? [] : [`note: ${output.note}`]),
    `${output.cellType}[${output.kernels.join(",")}] ${output.arch} on ${output.dataset}: ` +
      `${output.params.toLocaleString("en-US")} params, ${output.bytes.toLocaleString("en-US")} bytes`,
    `${output.backend}: ${output.seconds.total.toFixed(2)} s (forward ${output.seconds.forward.toFixed(2)} s, ` +
      `kernels ${output.seconds.bookkeeping.toFixed(2)} s, data ${output.seconds.data.toFixed(2)} s)`
  ].join("\n")

/**
 * The services `runSahd` needs, for a data-set layer already in context.
 *
 * @since 0.1.0
 */
export const sahdServicesWith = (loader: DatasetLoader.DatasetLoader["Service"]) => ({
  networks: spacesScoringNetworks,
  loader,
  neuron: Lif.lif(),
  gram:
    typeof (globalThis as { readonly WebAssembly?: unknown }).WebAssembly === "object" ? makeWasmGram() : gram
})

/**
 * The synthetic data set at a given image shape (for benchmarks and smoke runs).
 *
 * @since 0.1.0
 */
export const syntheticLayer = (shape: readonly [number, number, 1 | 3], trainSize = 1024) =>
  Synthetic.synthetic.layer(
    Schema.decodeUnknownSync(Synthetic.Config)({
      height: shape[0],
      width: shape[1],
      channels: shape[2],
      trainSize,
      testSize: 16
    })
  )

/**
 * Scores one architecture with everything resolved (used by the command and by `bench score`).
 *
 * @since 0.1.0
 */
export const scoreOnce = (
  loader: DatasetLoader.DatasetLoader["Service"],
  config: SahdConfig,
  arch: Architecture.Architecture,
  key: { readonly seed: number; readonly index: number },
  weights?: Scorer.TorchWeights
): Effect.Effect<SahdRun & { readonly total: number }, Scorer.ScoreError> =>
  Effect.map(
    Effect.timed(runSahd(sahdServicesWith(loader), config, arch, key, weights)),
    ([elapsed, run]) => ({ ...run, total: Duration.toSeconds(elapsed) })
  )

const flags = {
  ...NetworkFlags.network,
  dataset: NetworkFlags.dataset,
  backend: NetworkFlags.backend,
  batch: Flag.Int("batch").pipe(Flag.withDescription("Images per repeat"), Flag.withDefault(256)),
  repeats: Flag.Int("repeats").pipe(
    Flag.withDescription("Fresh batches, log-dets averaged"),
    Flag.withDefault(2)
  ),
  timesteps: Flag.Int("timesteps").pipe(Flag.withDescription("Timesteps T"), Flag.withDefault(5)),
  augment: Flag.Literals("augment", ["train", "none"]).pipe(
    Flag.withDescription("Training augmentation of the batches (official: train)"),
    Flag.withDefault("train" as const)
  ),
  dropout: Flag.Literals("dropout", ["train", "off"]).pipe(
    Flag.withDescription("Classifier dropout during scoring (official: train)"),
    Flag.withDefault("train" as const)
  ),
  normaliser: Flag.Literals("normaliser", ["official", "no-N"]).pipe(
    Flag.withDescription("Kernel normaliser: HEAD's ×N (official) or the January-2022 form"),
    Flag.withDefault("official" as const)
  ),
  carryState: Flag.Boolean("carry-state").pipe(
    Flag.withDescription("Carry LIF membranes and the dropout mask into repeat 2 (the official HEAD quirk)"),
    Flag.withDefault(false)
  ),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("Seed of weights, batches and dropout"),
    Flag.withDefault(0)
  ),
  index: Flag.Int("index").pipe(
    Flag.withDescription("Candidate index within the seed's streams"),
    Flag.withDefault(0)
  ),
  weights: Flag.String("weights").pipe(
    Flag.withDescription("Initial weights: a safetensors file with official PyTorch names"),
    Flag.optional
  ),
  json: Flags.json
}

/**
 * @since 0.1.0
 */
export const score = Command.make(
  "score" as string,
  flags,
  Effect.fn("score")(function* (input) {
    const { arch, spec, widths, backendChoice } = yield* NetworkFlags.parseNetworkInput(input)
    for (const [name, value] of [
      ["--batch", input.batch],
      ["--repeats", input.repeats],
      ["--timesteps", input.timesteps]
    ] as const) {
      if (value < 1)
        return yield* new ConfigError({ source: name, reason: `${value} is not a positive integer` })
    }
    if (input.seed < 0 || input.index < 0) {
      return yield* new ConfigError({
        source: "--seed/--index",
        reason: "seed and index must be non-negative"
      })
    }
    const weights = Option.isSome(input.weights) ? yield* readTorchWeights(input.weights.value) : undefined
    const program = Effect.gen(function* () {
      const backend = yield* Backend
      const loader = yield* DatasetLoaderService
      const info = yield* loader.info
      const preset = Option.isSome(input.preset)
        ? input.preset.value
        : spec.name === "synthetic"
          ? presetForData(info.imageShape, info.classes)
          : undefined
      const config: SahdConfig = {
        ...defaultSahdConfig,
        batch: input.batch,
        repeats: input.repeats,
        timesteps: input.timesteps,
        augment: input.augment,
        dropout: input.dropout,
        resetBetweenRepeats: !input.carryState,
        normaliser: input.normaliser,
        network: {
          ...(preset === undefined ? {} : { preset }),
          ...(widths === undefined ? {} : { widths }),
          ...(Option.isSome(input.secondPool) ? { secondPool: input.secondPool.value } : {})
        }
      }
      yield* log(
        `scoring ${Architecture.architectureLabel(arch)} on ${DatasetSpec.formatDatasetSpec(spec)} (${backend.info.backend})`
      )
      const run = yield* scoreOnce(loader, config, arch, { seed: input.seed, index: input.index }, weights)
      const summary = yield* spacesScoringNetworks.summary(arch, config.network, info.name)
      const logdets = Array.from({ length: config.repeats }, (_, r) => run.score.details[`logdet${r}`])
      const output: ScoreOutput = {
        score: run.score.value,
        logdets,
        hookCalls: run.score.details.hookCalls,
        ...(run.score.note === undefined ? {} : { note: run.score.note }),
        arch: Architecture.formatArchitecture(arch),
        cellType: arch.cellType,
        kernels: [...arch.kernels],
        dataset: DatasetSpec.formatDatasetSpec(spec),
        params: summary.params,
        bytes: summary.bytes,
        seed: input.seed,
        weights: Option.isSome(input.weights) ? input.weights.value : null,
        config: {
          ...summary.config,
          batch: config.batch,
          repeats: config.repeats,
          timesteps: config.timesteps,
          augment: config.augment,
          dropout: config.dropout,
          resetBetweenRepeats: config.resetBetweenRepeats,
          normaliser: config.normaliser
        },
        backend: backend.info.backend,
        seconds: { ...run.timing, total: run.total }
      }
      yield* emit(input.json, Schema.encodeSync(ScoreOutput)(output), () => render(output))
    })
    return yield* program.pipe(
      Effect.provide(Layer.merge(Backend.layer({ backend: backendChoice }), layerFromSpec(spec))),
      // The backend's log line must not reach stdout, which carries the JSON document.
      Effect.provideService(Logger.LogToStderr, true)
    )
  })
).pipe(
  Command.withDescription(
    "SAHD score of one architecture (SNASNet's training-free score), optionally from given weights"
  ),
  Command.withExamples([
    {
      command: 'spikernel score --arch "0302 0030 3003 0000" --dataset cifar100:./cifar-100-binary --json',
      description: "The CIFAR-100 README architecture, official settings (B = 256, 2 repeats, T = 5)"
    },
    {
      command:
        'spikernel score --arch "0302 0030 3003 0000" --dataset fashion-mnist-mini --batch 64 --weights init.safetensors',
      description: "Score a network initialised elsewhere (official PyTorch names)"
    }
  ])
)
