/**
 * `spikernel score`: the SAHD score of one architecture (DESIGN.md §5), e.g.
 * `spikernel score --arch "0302 0030 3003 0000" --dataset cifar100:DIR --json`
 * → `{ score, logdets, hookCalls, … }`.
 *
 * Flags → the `sahd` scorer's config (decoded by its own Schema) → the scorer assembled exactly as a
 * pipeline's (`Builtins.sahdLayer` of `@spikernel/snasnet`), so `spikernel score` and a pipeline's
 * score of the same candidate, seed and stream are the same computation.
 *
 * `--weights FILE.safetensors` scores a network initialised elsewhere: the file holds the official
 * PyTorch `state_dict` (see `TorchWeights` in `@spikernel/snasnet`); every weight of the network must
 * be present with its PyTorch shape; `num_batches_tracked` buffers are ignored; any other extra tensor
 * is an error.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DatasetLoader, DatasetSpec, Numbers, Plugin } from "@spikernel/core"
import { CacheKey } from "@spikernel/pipeline"
import {
  Builtins,
  Datasets,
  Networks,
  Scorers,
  ScoringNetworks,
  Spaces,
  TorchWeights
} from "@spikernel/snasnet"
import { Backend } from "@spikernel/tensor"
import { Duration, Effect, Layer, Logger, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import * as NetworkFlags from "../NetworkFlags.ts"
import { emit, log } from "../Output.ts"

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
  /** The stream of the seed the weights and batches came from. */
  index: Schema.Int,
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
    `seed ${output.seed}, stream ${output.index}${output.weights === null ? "" : `, weights ${output.weights}`}`,
    `${output.cellType}[${output.kernels.join(",")}] ${output.arch} on ${output.dataset}: ` +
      `${output.params.toLocaleString("en-US")} params, ${output.bytes.toLocaleString("en-US")} bytes`,
    `${output.backend}: ${output.seconds.total.toFixed(2)} s (forward ${output.seconds.forward.toFixed(2)} s, ` +
      `kernels ${output.seconds.bookkeeping.toFixed(2)} s, data ${output.seconds.data.toFixed(2)} s)`
  ].join("\n")

const flags = {
  ...NetworkFlags.network,
  dataset: NetworkFlags.dataset,
  backend: NetworkFlags.backend,
  computeKernels: Flags.computeKernels,
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
    Flag.withDescription(
      "Stream of the seed to draw weights and batches from (default: the architecture's own, as a search draws it)"
    ),
    Flag.optional
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
    // The stream a search scores this architecture with: a function of its canonical (pruned) form,
    // so `score --arch X --seed S` with a step's scorer settings gives the score the step recorded.
    const index = Option.getOrElse(input.index, () =>
      CacheKey.architectureStream(
        Architecture.architectureLabel(
          Spaces.SnasnetSpace.snasnetSpace(arch.cellType, arch.kernels).canonical(arch)
        )
      )
    )
    if (input.seed < 0 || index < 0) {
      return yield* new ConfigError({
        source: "--seed/--index",
        reason: "seed and index must be non-negative"
      })
    }
    const weights = Option.isSome(input.weights)
      ? yield* TorchWeights.readTorchWeights(input.weights.value)
      : undefined
    const program = Effect.gen(function* () {
      const backend = yield* Backend
      const loader = yield* DatasetLoader.DatasetLoader
      const info = yield* loader.info
      const preset = Option.isSome(input.preset)
        ? input.preset.value
        : spec.name === "synthetic"
          ? Networks.presetForData(info.imageShape, info.classes)
          : undefined
      const config = yield* Plugin.decodeStrict(
        Scorers.SahdConfig,
        {
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
        },
        "score flags"
      )
      yield* log(
        `scoring ${Architecture.architectureLabel(arch)} on ${DatasetSpec.formatDatasetSpec(spec)} (${backend.info.backend})`
      )
      const [elapsed, run] = yield* Effect.timed(
        Effect.flatMap(Effect.service(Scorers.Sahd), (sahd) =>
          sahd.run(arch, { seed: input.seed, index }, weights)
        ).pipe(Effect.provide(Builtins.sahdLayer(config)))
      )
      const summary = yield* ScoringNetworks.scoringNetworks.summary(arch, config.network, info.name)
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
        index,
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
        seconds: { ...run.timing, total: Duration.toSeconds(elapsed) }
      }
      yield* emit(input.json, Schema.encodeSync(ScoreOutput)(output), () => render(output))
    })
    return yield* program.pipe(
      Effect.provide(
        Layer.merge(
          Backend.layer({ backend: backendChoice, ...Flags.computeKernelsOption(input.computeKernels) }),
          Datasets.layerFromSpec(spec)
        )
      ),
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
