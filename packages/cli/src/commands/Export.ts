/**
 * `spikernel export --format nir MODEL --out FILE`: a trained model as an NIR graph in HDF5
 * (Neuromorphic Intermediate Representation), e.g.
 * `spikernel export --format nir checkpoints/3f2a…/ --arch "0302 0030 3003 0000" --widths 16,32 --out model.nir`.
 *
 * MODEL is the `weights.safetensors` of a `spikernel train` checkpoint, the checkpoint directory
 * itself (its newest checkpoint), or a PyTorch-layout safetensors file (a pipeline train step's
 * weights); the network flags are those the model was trained with, as for `score --weights`.
 * Flags → the export config (decoded by its Schema) → the assembly's `NirExport.exportNir`. An
 * existing `--out` is refused unless `--force`.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DatasetLoader } from "@spikernel/core"
import { Datasets, Networks, NirExport, Spaces } from "@spikernel/snasnet"
import { Backend } from "@spikernel/tensor"
import { Effect, Logger, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import * as NetworkFlags from "../NetworkFlags.ts"
import { emit } from "../Output.ts"

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

/**
 * @since 0.1.0
 */
export const exportCommand = Command.make(
  "export" as string,
  flags,
  Effect.fn("export")(function* (input) {
    const format = yield* oneOf("--format", input.format, formats, "export format")
    const layout = yield* oneOf("--layout", input.layout, layouts, "weight layout")
    const { arch, spec, widths, backendChoice } = yield* NetworkFlags.parseNetworkInput(input)
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
