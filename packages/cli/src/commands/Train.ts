/**
 * `spikernel train`: trains one architecture from scratch with SNASNet's recipe (METHOD.md §5) and
 * checkpoints every epoch; running the same command again resumes where it stopped, e.g.
 * `spikernel train --arch "0302 0030 3003 0000" --dataset fashion-mnist-mini --widths 16,32 --epochs 8`.
 *
 * Flags → the training config (decoded by its Schema) → `@spikernel/training`'s `train`, with the
 * directory CheckpointStore. Checkpoints go to `--checkpoint DIR`, by default
 * `checkpoints/<key>` in the working directory, where the key hashes the architecture, data set,
 * network and training config, so a changed setting starts a new training instead of being refused.
 * (A pipeline's train step keeps its checkpoints in the result store instead.) The trained weights
 * are `<checkpoint>/<newest>/weights.safetensors` (official PyTorch names, tfjs layout as the network
 * holds them).
 *
 * @since 0.1.0
 */
import { Architecture, CanonicalJson, ConfigError, DatasetLoader, DatasetSpec, Digest } from "@spikernel/core"
import { Datasets, Networks, Neurons, Spaces, Training, trainableNetwork } from "@spikernel/snasnet"
import { Backend } from "@spikernel/tensor"
import { Effect, Layer, Logger, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import * as NetworkFlags from "../NetworkFlags.ts"
import { emit, log } from "../Output.ts"

/**
 * What `train --json` prints.
 *
 * @since 0.1.0
 */
export const TrainOutput = Schema.Struct({
  arch: Schema.String,
  cellType: Architecture.CellType,
  kernels: Schema.Array(Schema.Int),
  dataset: Schema.String,
  network: Spaces.NetworkConfig.NetworkConfig,
  config: Training.TrainConfig,
  checkpointDir: Schema.String,
  /** The trained weights (safetensors), once at least one checkpoint exists. */
  weights: Schema.NullOr(Schema.String),
  result: Training.TrainResult
})

/**
 * @since 0.1.0
 */
export type TrainOutput = typeof TrainOutput.Type

const pct = (x: number) => `${(x * 100).toFixed(2)}%`

/**
 * One line per epoch record.
 *
 * @since 0.1.0
 */
export const renderEpoch = (r: Training.EpochRecord): string =>
  `epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, train ${pct(r.trainTop1)}, test ${pct(r.testTop1)} ` +
  `(loss ${r.testLoss.toFixed(4)}), lr ${r.learningRate.toPrecision(3)}, ${r.spikesPerSample.toFixed(0)} spikes/sample, ` +
  `${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s) + eval ${r.evalSeconds.toFixed(1)} s`

const render = (output: TrainOutput): string => {
  const r = output.result
  const last = r.records[r.records.length - 1]
  return [
    `${output.cellType}[${output.kernels.join(",")}] ${output.arch} on ${output.dataset}, widths ` +
      `${output.network.widths.join("/")}, T=${output.config.timesteps}: ${r.parameters.toLocaleString("en-US")} params`,
    ...r.records.map(renderEpoch),
    r.completed
      ? `trained ${r.records.length} epochs${last === undefined ? "" : `: test top-1 ${pct(last.testTop1)}`}`
      : `stopped at epoch ${r.position.epoch + 1}, batch ${r.position.batch}; run again to resume`,
    `micro-batch ${r.plan.microBatch} of ${output.config.batchSize} on ${r.backend}; checkpoints in ${output.checkpointDir}`,
    ...(output.weights === null ? [] : [`weights: ${output.weights}`])
  ].join("\n")
}

const flags = {
  ...NetworkFlags.network,
  dataset: NetworkFlags.dataset.pipe(Flag.withDefault("fashion-mnist-mini")),
  backend: NetworkFlags.backend,
  computeKernels: Flags.computeKernels,
  epochs: Flag.Int("epochs").pipe(Flag.withDescription("Epochs (SNASNet: 300)"), Flag.withDefault(300)),
  batch: Flag.Int("batch").pipe(Flag.withDescription("Batch size"), Flag.withDefault(64)),
  microBatch: Flag.Int("micro-batch").pipe(
    Flag.withDescription("Samples per forward/backward (default: the largest that fits memory)"),
    Flag.optional
  ),
  timesteps: Flag.Int("timesteps").pipe(Flag.withDescription("Timesteps T"), Flag.withDefault(5)),
  optimizer: Flag.Literals("optimizer", ["sgd", "adam"]).pipe(Flag.withDefault("sgd" as const)),
  lr: Flag.Finite("lr").pipe(
    Flag.withDescription("Learning rate (default: 0.1 SGD, 0.001 Adam)"),
    Flag.optional
  ),
  weightDecay: Flag.Finite("weight-decay").pipe(
    Flag.withDescription("Weight decay (default: 5e-4 SGD, 0 Adam)"),
    Flag.optional
  ),
  officialBug: Flag.Boolean("official-bug").pipe(
    Flag.withDescription("SGD as the official code runs it: weight decay 0, dampening = the weight decay"),
    Flag.withDefault(false)
  ),
  schedule: Flag.Literals("schedule", ["cosine", "step", "constant"]).pipe(
    Flag.withDefault("cosine" as const)
  ),
  augment: Flag.Literals("augment", ["train", "none"]).pipe(Flag.withDefault("train" as const)),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("Seed of weights, data order and dropout"),
    Flag.withDefault(1234)
  ),
  checkpoint: Flag.String("checkpoint").pipe(
    Flag.withDescription("Checkpoint directory (default: checkpoints/<key>)"),
    Flag.optional
  ),
  stopAfterBatches: Flag.Int("stop-after-batches").pipe(
    Flag.withDescription("Stop after this many batches (checkpointed); run again to continue"),
    Flag.optional
  ),
  fresh: Flag.Boolean("fresh").pipe(
    Flag.withDescription("Start over even if the checkpoint directory holds a checkpoint"),
    Flag.withDefault(false)
  ),
  json: Flags.json
}

/**
 * @since 0.1.0
 */
export const train = Command.make(
  "train" as string,
  flags,
  Effect.fn("train")(function* (input) {
    const { arch, spec, widths, backendChoice } = yield* NetworkFlags.parseNetworkInput(input)
    const optimizer =
      input.optimizer === "sgd"
        ? {
            kind: "sgd" as const,
            officialBug: input.officialBug,
            ...(Option.isSome(input.lr) ? { lr: input.lr.value } : {}),
            ...(Option.isSome(input.weightDecay) ? { weightDecay: input.weightDecay.value } : {})
          }
        : {
            kind: "adam" as const,
            ...(Option.isSome(input.lr) ? { lr: input.lr.value } : {}),
            ...(Option.isSome(input.weightDecay) ? { weightDecay: input.weightDecay.value } : {})
          }
    if (Option.isSome(input.stopAfterBatches) && input.stopAfterBatches.value < 1) {
      return yield* new ConfigError({ source: "--stop-after-batches", reason: "must be a positive integer" })
    }
    if (input.officialBug && input.optimizer !== "sgd") {
      return yield* new ConfigError({ source: "--official-bug", reason: "applies to --optimizer sgd only" })
    }
    const config = yield* Schema.decodeUnknownEffect(Training.TrainConfig)({
      epochs: input.epochs,
      batchSize: input.batch,
      timesteps: input.timesteps,
      seed: input.seed,
      optimizer,
      schedule: { kind: input.schedule },
      augment: input.augment === "train",
      ...(Option.isSome(input.microBatch) ? { microBatch: input.microBatch.value } : {})
    }).pipe(
      Effect.mapError(
        (e) => new ConfigError({ source: "training options", reason: e.message.split("\n").join("; ") })
      )
    )
    const archText = Architecture.formatArchitecture(arch)
    const datasetText = DatasetSpec.formatDatasetSpec(spec)
    const checkpointFor = (network: Spaces.NetworkConfig.NetworkConfig): string => {
      const key = Digest.sha256Hex(
        CanonicalJson.canonicalJson({
          arch: archText,
          cell: arch.cellType,
          kernels: [...arch.kernels],
          dataset: datasetText,
          network,
          config: Schema.encodeSync(Training.TrainConfig)(config)
        })
      ).slice(0, 16)
      return Option.isSome(input.checkpoint) ? input.checkpoint.value : `checkpoints/${key}`
    }

    const program = Effect.gen(function* () {
      const backend = yield* Backend
      const loader = yield* DatasetLoader.DatasetLoader
      const info = yield* loader.info
      // The bundled synthetic set has no preset of its own: take the one of its image shape.
      const presetName = Option.isSome(input.preset)
        ? input.preset.value
        : spec.name === "synthetic"
          ? (Networks.presetForData(info.imageShape, info.classes) ?? spec.name)
          : spec.name
      const base = yield* Spaces.NetworkConfig.presetFor(
        presetName,
        Option.isSome(input.preset) ? "--preset" : "--dataset"
      )
      const network = yield* Spaces.NetworkConfig.withOverrides(
        base,
        {
          ...(widths === undefined ? {} : { widths }),
          ...(Option.isSome(input.secondPool) ? { secondPool: input.secondPool.value } : {})
        },
        "--widths/--second-pool"
      )
      const checkpointDir = checkpointFor(network)
      const wanted = [network.inputSize, network.inputSize, network.inputChannels].join("×")
      if (info.imageShape.join("×") !== wanted) {
        return yield* new ConfigError({
          source: "--dataset",
          reason: `${datasetText} has ${info.imageShape.join("×")} images, the network expects ${wanted} (use --preset)`
        })
      }
      if (info.classes !== network.classes) {
        return yield* new ConfigError({
          source: "--dataset",
          reason: `${datasetText} has ${info.classes} classes, the network ${network.classes} (use --preset)`
        })
      }
      const net = Spaces.Network.buildNetwork(arch, network, { neuron: Neurons.Lif.lif(), seed: config.seed })
      yield* Effect.addFinalizer(() => Effect.sync(net.dispose))
      yield* log(
        `training ${Architecture.architectureLabel(arch)} on ${datasetText} (${backend.info.backend}), ` +
          `checkpoints in ${checkpointDir}`
      )
      const result = yield* Training.train({
        model: trainableNetwork(net),
        config,
        resume: !input.fresh,
        ...(Option.isSome(input.stopAfterBatches) ? { maxBatches: input.stopAfterBatches.value } : {}),
        onProgress: (event) => {
          switch (event._tag) {
            case "Planned":
              return log(
                `micro-batch ${event.plan.microBatch} of ${event.plan.batchSize}` +
                  (event.plan.measured
                    ? ` (${(event.plan.bytesPerSample / 2 ** 20).toFixed(1)} MiB per sample)`
                    : " (given)")
              )
            case "Resumed":
              return log(`resuming from ${event.checkpoint}`)
            case "Batch":
              return event.batch % Math.max(1, Math.round(event.batches / 10)) === 0
                ? log(
                    `  epoch ${event.epoch} batch ${event.batch}/${event.batches}: loss ${event.loss.toFixed(4)}`
                  )
                : Effect.void
            case "Epoch":
              return log(renderEpoch(event.record))
            case "Checkpoint":
              return Effect.void
          }
        }
      }).pipe(
        Effect.provide(
          Training.CheckpointStore.layerDirectory(checkpointDir, { keep: config.keepCheckpoints })
        )
      )
      const output: TrainOutput = {
        arch: archText,
        cellType: arch.cellType,
        kernels: [...arch.kernels],
        dataset: datasetText,
        network,
        config,
        checkpointDir,
        weights: result.checkpoint === null ? null : `${result.checkpoint}/weights.safetensors`,
        result
      }
      yield* emit(input.json, Schema.encodeSync(TrainOutput)(output), () => render(output))
    })
    return yield* program.pipe(
      Effect.scoped,
      Effect.provide(
        Layer.merge(
          Backend.layer({ backend: backendChoice, ...Flags.computeKernelsOption(input.computeKernels) }),
          Datasets.layerFromSpec(spec)
        )
      ),
      // Logs (the backend line among them) go to stderr: stdout holds the one JSON document.
      Effect.provideService(Logger.LogToStderr, true)
    )
  })
).pipe(
  Command.withDescription(
    "Train one architecture (BPTT, SNASNet's recipe), checkpointing every epoch; run again to resume"
  ),
  Command.withExamples([
    {
      command:
        'spikernel train --arch "0302 0030 3003 0000" --dataset fashion-mnist-mini --widths 16,32 --epochs 8 --batch 32',
      description: "A small SNASNet-Bw on the bundled Fashion-MNIST subset"
    }
  ])
)
