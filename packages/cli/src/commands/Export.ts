/**
 * `spikernel export --format nir MODEL --out FILE`: a trained model as an NIR graph in HDF5
 * (Neuromorphic Intermediate Representation), e.g.
 * `spikernel export --format nir checkpoints/3f2a…/ --arch "0302 0030 3003 0000" --widths 16,32 --out model.nir`.
 *
 * MODEL is the `weights.safetensors` of a `spikernel train` checkpoint, the checkpoint directory
 * itself (its newest checkpoint), or a PyTorch-layout safetensors file (a pipeline train step's
 * weights); the network flags are those the model was trained with, as for `score --weights`.
 * MODEL may also be a pipeline file (`.ts`): the model is then one a `train` step of its latest run in
 * the store trained (`--step NAME` when the run has several, `--model-id ID` when the step trained
 * several), and its architecture, network and T come from the stored model, so no network flags.
 * Flags → the export config (decoded by its Schema) → the assembly's `NirExport`. An existing
 * `--out` is refused unless `--force`.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DatasetLoader, type RunManifest } from "@spikernel/core"
import { Store, StoreLayout } from "@spikernel/pipeline"
import { Datasets, Networks, NirExport, Spaces, TrainedModels } from "@spikernel/snasnet"
import { Backend } from "@spikernel/tensor"
import { Effect, Logger, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import * as NetworkFlags from "../NetworkFlags.ts"
import { emit } from "../Output.ts"
import { latestRun, readStore } from "./Report.ts"

/**
 * What `export --json` prints.
 *
 * @since 0.1.0
 */
export const ExportOutput = Schema.Struct({
  format: Schema.Literal("nir"),
  arch: Schema.String,
  network: Spaces.NetworkConfig.NetworkConfig,
  timesteps: Schema.Int,
  ...NirExport.ExportSummary.fields
})

/**
 * @since 0.1.0
 */
export type ExportOutput = typeof ExportOutput.Type

const formats = ["nir"] as const
const layouts = ["auto", "tfjs", "torch"] as const

const render = (o: ExportOutput): string => {
  const types = Object.entries(o.types)
    .map(([type, n]) => `${n} ${type}`)
    .join(", ")
  return [
    `wrote ${o.out}: NIR graph of ${o.arch} (widths ${o.network.widths.join("/")}), ${o.nodes} nodes (${types}), ${o.edges} edges`,
    `from ${o.model} (${o.layout} layout); BatchNorm folded; ${o.delays} feedback edge(s) through a Delay of 1 ms; ` +
      `readout: mean of the output over T = ${o.timesteps} steps of 1 ms`
  ].join("\n")
}

const flags = {
  model: Argument.String("model").pipe(
    Argument.withDescription(
      "The trained weights: a train checkpoint's weights.safetensors, its checkpoint directory, or a PyTorch-layout safetensors file"
    )
  ),
  format: Flag.String("format").pipe(Flag.withDescription("Export format: nir")),
  out: Flag.String("out").pipe(
    Flag.withDescription("The file to write (refused if it exists, unless --force)")
  ),
  force: Flag.Boolean("force").pipe(
    Flag.withDescription("Overwrite an existing --out file"),
    Flag.withDefault(false)
  ),
  layout: Flag.String("layout").pipe(
    Flag.withDescription("Weight layout: auto (from the shapes), tfjs (what train writes) or torch"),
    Flag.withDefault("auto")
  ),
  ...NetworkFlags.network,
  arch: Flag.String("arch").pipe(
    Flag.withDescription(
      'The cell as SNASNet writes it, e.g. "0302 0030 3003 0000" (not for a pipeline MODEL)'
    ),
    Flag.optional
  ),
  step: Flag.String("step").pipe(
    Flag.withDescription("With a pipeline MODEL: the train step (needed when its run has several)"),
    Flag.optional
  ),
  modelId: Flag.String("model-id").pipe(
    Flag.withDescription("With a pipeline MODEL: the id of the model (needed when the step trained several)"),
    Flag.optional
  ),
  store: Flags.store,
  dataset: NetworkFlags.dataset.pipe(
    Flag.withDescription("The data set the model was trained on (for its network preset)"),
    Flag.withDefault("fashion-mnist-mini")
  ),
  timesteps: Flag.Int("timesteps").pipe(
    Flag.withDescription("Timesteps T the model runs for (recorded in the graph)"),
    Flag.withDefault(5)
  ),
  backend: NetworkFlags.backend,
  json: Flags.json
}

const oneOf = <const A extends ReadonlyArray<string>>(flag: string, value: string, known: A, what: string) =>
  (known as ReadonlyArray<string>).includes(value)
    ? Effect.succeed(value as A[number])
    : Effect.fail(
        new ConfigError({
          source: flag,
          reason: `"${value}" is not a known ${what} (known: ${known.join(", ")})`
        })
      )

type StepRow = RunManifest.RunManifest["steps"][number]

/** One item by name, or a ConfigError naming the pipeline file and the choices. */
const pick = <A>(
  file: string,
  items: ReadonlyArray<A>,
  nameOf: (a: A) => string,
  wanted: Option.Option<string>,
  what: { readonly noun: string; readonly where: string; readonly flag: string }
): Effect.Effect<A, ConfigError> => {
  const names = items.map(nameOf).join(", ")
  if (Option.isSome(wanted)) {
    const found = items.find((a) => nameOf(a) === wanted.value)
    return found === undefined
      ? Effect.fail(
          new ConfigError({
            source: file,
            reason: `${what.where} has no ${what.noun} "${wanted.value}" (it has: ${names || "none"})`
          })
        )
      : Effect.succeed(found)
  }
  if (items.length === 1) return Effect.succeed(items[0])
  return Effect.fail(
    new ConfigError({
      source: file,
      reason:
        items.length === 0
          ? `${what.where} has no ${what.noun}`
          : `${what.where} has ${items.length}: ${names}; pass ${what.flag}`
    })
  )
}

/**
 * The trained model of a pipeline's latest run: a finished `train` step's stored output, one model.
 *
 * @since 0.1.0
 */
export const trainedModel = (file: string, step: Option.Option<string>, modelId: Option.Option<string>) =>
  Effect.gen(function* () {
    const { runId, manifest } = yield* latestRun(file)
    const trains = manifest.steps.filter((s: StepRow) => s.kind === "train")
    const chosen = yield* pick(file, trains, (s) => s.name, step, {
      noun: "train step",
      where: `run ${runId}`,
      flag: "--step"
    })
    if (chosen.status !== "cached" && chosen.status !== "computed") {
      return yield* new ConfigError({
        source: file,
        reason: `step "${chosen.name}" of run ${runId} is ${chosen.status}; finish it with \`spikernel run ${file}\``
      })
    }
    const stored = yield* Store.getValue(TrainedModels, StoreLayout.stepEntry(chosen.key))
    if (Option.isNone(stored)) {
      return yield* new ConfigError({
        source: file,
        reason: `the stored output of step "${chosen.name}" of run ${runId} is damaged or missing; run \`spikernel run ${file}\` to recompute it`
      })
    }
    const model = yield* pick(file, stored.value.models, (m) => m.id, modelId, {
      noun: "model",
      where: `step "${chosen.name}"`,
      flag: "--model-id"
    })
    return { model, source: `${file} (run ${runId}, step ${chosen.name}, model ${model.id})` }
  })

/**
 * @since 0.1.0
 */
export const exportCommand = Command.make(
  "export" as string,
  flags,
  Effect.fn("export")(function* (input) {
    const format = yield* oneOf("--format", input.format, formats, "export format")
    const layout = yield* oneOf("--layout", input.layout, layouts, "weight layout")
    if (input.model.endsWith(".ts")) {
      const backendChoice = yield* NetworkFlags.parseBackend(input.backend)
      const { model, source } = yield* trainedModel(input.model, input.step, input.modelId).pipe(
        Effect.provide(readStore(input.store, "spikernel export"))
      )
      const config = yield* NirExport.decodeExportConfig({
        format,
        model: input.model,
        out: input.out,
        overwrite: input.force,
        layout,
        timesteps: model.timesteps
      })
      const summary = yield* NirExport.exportNirWeights(config, model.architecture, model.network, {
        bytes: model.weights,
        source
      }).pipe(
        Effect.provide(Backend.layer({ backend: backendChoice })),
        Effect.provideService(Logger.LogToStderr, true)
      )
      const output: ExportOutput = {
        format,
        arch: Architecture.formatArchitecture(model.architecture),
        network: model.network,
        timesteps: config.timesteps,
        ...summary
      }
      return yield* emit(input.json, Schema.encodeSync(ExportOutput)(output), () => render(output))
    }
    if (Option.isNone(input.arch)) {
      return yield* new ConfigError({
        source: "--arch",
        reason: `${input.model} is a weights file: say which architecture it is (--arch) and the network flags it was trained with`
      })
    }
    const { arch, spec, widths, backendChoice } = yield* NetworkFlags.parseNetworkInput({
      ...input,
      arch: input.arch.value
    })
    const config = yield* NirExport.decodeExportConfig({
      format,
      model: input.model,
      out: input.out,
      overwrite: input.force,
      layout,
      timesteps: input.timesteps
    })
    // The bundled synthetic set has no preset of its own: take the one of its image shape.
    const presetName = Option.isSome(input.preset)
      ? input.preset.value
      : spec.name === "synthetic"
        ? yield* Effect.gen(function* () {
            const info = yield* (yield* DatasetLoader.DatasetLoader).info
            return Networks.presetForData(info.imageShape, info.classes) ?? spec.name
          }).pipe(Effect.provide(Datasets.layerFromSpec(spec)))
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
    const summary = yield* NirExport.exportNir(config, arch, network).pipe(
      Effect.provide(Backend.layer({ backend: backendChoice })),
      Effect.provideService(Logger.LogToStderr, true)
    )
    const output: ExportOutput = {
      format,
      arch: Architecture.formatArchitecture(arch),
      network,
      timesteps: config.timesteps,
      ...summary
    }
    yield* emit(input.json, Schema.encodeSync(ExportOutput)(output), () => render(output))
  })
).pipe(
  Command.withDescription(
    "Export a trained model: --format nir writes its NIR graph (HDF5) for neuromorphic tools"
  ),
  Command.withExamples([
    {
      command:
        'spikernel export --format nir checkpoints/KEY --arch "0302 0030 3003 0000" --widths 16,32 --out model.nir',
      description: "The newest checkpoint of a `spikernel train` run as an NIR file"
    }
  ])
)
