/**
 * `spikernel arch sample|count|params`: the SNASNet cell space and model size without training
 * (DESIGN.md §5).
 *
 * - `arch sample --cell backward --kernels 1,3 --seed S --count N`: N cells drawn by the official
 *   sampler (METHOD.md §1.4); cell i comes from the stream (S, "arch/sample", i), so any one of
 *   them is reproducible on its own.
 * - `arch count --cell backward --kernels 1,3`: the exact enumeration of the sampler (every raw
 *   draw, pruning, acceptance, distinct results).
 * - `arch params --arch "0302 0030 3003 0000" --dataset cifar100`: parameters as the official code
 *   counts them, bytes at `--bits`, the per-module split and the per-sample inference state.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DeploymentMemory, KernelSet, Rng } from "@spikernel/core"
import { Spaces } from "@spikernel/snasnet"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"

const cell = Flag.Literals("cell", ["forward", "backward"]).pipe(
  Flag.withDescription("Cell type: forward (DAG) or backward (feedback edges, SNASNet-Bw)"),
  Flag.withDefault("backward" as const)
)

const kernels = Flag.String("kernels").pipe(
  Flag.withDescription("Kernel set: distinct odd sizes, op 2 + i is a k_i×k_i conv (SNASNet: 1,3)"),
  Flag.withDefault("1,3")
)

const nonNegativeInt = (value: number, flag: string): Effect.Effect<number, ConfigError> =>
  Number.isSafeInteger(value) && value >= 0
    ? Effect.succeed(value)
    : Effect.fail(new ConfigError({ source: flag, reason: `${value} is not a non-negative integer` }))

/**
 * The JSON document of `arch sample`.
 *
 * @since 0.1.0
 */
export interface SampleOutput {
  readonly cellType: Architecture.CellType
  readonly kernels: ReadonlyArray<number>
  readonly seed: number
  readonly count: number
  /** Raw draws the sampler used in all (rejections included). */
  readonly rawDraws: number
  /** count / rawDraws. */
  readonly acceptanceRate: number
  readonly architectures: ReadonlyArray<{
    readonly index: number
    readonly matrix: string
    readonly convOps: number
    readonly rawDraws: number
  }>
}

const sample = Command.make(
  "sample",
  {
    cell,
    kernels,
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the sampler's stream"), Flag.withDefault(0)),
    count: Flag.Int("count").pipe(Flag.withDescription("Number of cells to draw"), Flag.withDefault(1)),
    json: Flags.json
  },
  Effect.fn("arch.sample")(function* (input) {
    const set = yield* KernelSet.parseKernelSet(input.kernels)
    const seed = yield* nonNegativeInt(input.seed, "--seed")
    const count = yield* nonNegativeInt(input.count, "--count")
    const architectures = Array.from({ length: count }, (_, index) => {
      const drawn = Spaces.CellSpace.sample(
        input.cell,
        set,
        Rng.draws({ seed, stream: "arch/sample", index })
      )
      const arch = { cellType: input.cell, kernels: set, matrix: drawn.matrix }
      return {
        index,
        matrix: Architecture.formatMatrix(drawn.matrix),
        convOps: Architecture.convOpCount(arch),
        rawDraws: drawn.rawDraws
      }
    })
    const rawDraws = architectures.reduce((sum, a) => sum + a.rawDraws, 0)
    const output: SampleOutput = {
      cellType: input.cell,
      kernels: set,
      seed,
      count,
      rawDraws,
      acceptanceRate: rawDraws === 0 ? 0 : count / rawDraws,
      architectures
    }
    yield* emit(input.json, output, (o) =>
      [
        ...o.architectures.map((a) => a.matrix),
        `# ${o.count} ${o.cellType} cells, kernels [${o.kernels.join(",")}], seed ${o.seed}: ${o.rawDraws} raw draws`
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription("Draw cells with SNASNet's sampler (rejection sampling, pruned)"),
  Command.withExamples([
    {
      command: "spikernel arch sample --cell backward --kernels 1,3 --seed 7 --count 5",
      description: "Five SNASNet-Bw cells"
    }
  ])
)

const count = Command.make(
  "count",
  { cell, kernels, json: Flags.json },
  Effect.fn("arch.count")(function* (input) {
    const set = yield* KernelSet.parseKernelSet(input.kernels)
    const result = Spaces.CellSpace.countSpace(input.cell, set)
    yield* emit(input.json, result, (c) =>
      [
        `${c.cellType} cells, kernels [${c.kernels.join(",")}] (${c.ops} ops: ${KernelSet.opNames(c.kernels).join(", ")})`,
        `raw draws:     ${c.rawDraws}`,
        `accepted:      ${c.acceptedDraws} (acceptance rate ${c.acceptanceRate.toFixed(4)})`,
        `distinct cells: ${c.distinct}`
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription("Count the distinct cells the sampler can return, by exact enumeration"),
  Command.withExamples([
    { command: "spikernel arch count --cell backward --kernels 3,7", description: "The {3,7} backward space" }
  ])
)

/**
 * The JSON document of `arch params`: `params` and `bytes` first (DESIGN.md §5), then context.
 *
 * @since 0.1.0
 */
export interface ParamsOutput {
  readonly params: number
  readonly bytes: number
  readonly bits: number
  readonly mebibytes: number
  readonly modules: Spaces.ParamCount.MemoryEstimate["modules"]
  readonly state: Spaces.ParamCount.InferenceState
  /** The memory on a device at 32/16/8/4-bit weights (`DeploymentMemory`: weights, BN as shipped, state, peak activation). */
  readonly device: DeploymentMemory.DeploymentMemory
  readonly arch: string
  readonly cellType: Architecture.CellType
  readonly kernels: ReadonlyArray<number>
  readonly dataset: string
  readonly config: Spaces.NetworkConfig.NetworkConfig
}

const parseWidths = (text: string): Effect.Effect<readonly [number, number], ConfigError> => {
  const parts = text.split(",").map((p) => p.trim())
  const values = parts.map(Number)
  return parts.length === 2 && parts.every((p) => /^\d+$/.test(p)) && values.every((v) => v >= 1)
    ? Effect.succeed([values[0], values[1]] as const)
    : Effect.fail(
        new ConfigError({ source: "--widths", reason: `"${text}" is not two positive integers C1,C2` })
      )
}

const params = Command.make(
  "params",
  {
    arch: Flag.String("arch").pipe(
      Flag.withDescription('The cell matrix as four rows, e.g. "0302 0030 3003 0000"')
    ),
    dataset: Flag.String("dataset").pipe(
      Flag.withDescription("Preset: cifar10, cifar100, tinyimagenet, fashion-mnist, mnist (or NAME:DIR)")
    ),
    cell,
    kernels,
    secondPool: Flag.Int("second-pool").pipe(
      Flag.withDescription("Second average pool (2 or 4)"),
      Flag.optional
    ),
    widths: Flag.String("widths").pipe(Flag.withDescription("Channel widths C1,C2"), Flag.optional),
    stemStride: Flag.Int("stem-stride").pipe(Flag.withDescription("Stride of the stem conv"), Flag.optional),
    groupSize: Flag.Int("group-size").pipe(Flag.withDescription("Output neurons per class"), Flag.optional),
    hidden: Flag.Int("hidden").pipe(Flag.withDescription("Classifier hidden width"), Flag.optional),
    bits: Flag.Literals("bits", ["32", "16", "8"]).pipe(
      Flag.withDescription("Bits per weight for the byte count"),
      Flag.withDefault("32" as const)
    ),
    json: Flags.json
  },
  Effect.fn("arch.params")(function* (input) {
    const set = yield* KernelSet.parseKernelSet(input.kernels)
    const arch = yield* Architecture.parseArchitecture(input.arch, { cellType: input.cell, kernels: set })
    const preset = yield* Spaces.NetworkConfig.presetFor(input.dataset)
    const overrides: {
      -readonly [K in keyof Spaces.NetworkConfig.NetworkConfig]?: Spaces.NetworkConfig.NetworkConfig[K]
    } = {}
    if (Option.isSome(input.secondPool)) overrides.secondPool = input.secondPool.value
    if (Option.isSome(input.widths)) overrides.widths = yield* parseWidths(input.widths.value)
    if (Option.isSome(input.stemStride)) overrides.stemStride = input.stemStride.value
    if (Option.isSome(input.groupSize)) overrides.groupSize = input.groupSize.value
    if (Option.isSome(input.hidden)) overrides.hidden = input.hidden.value
    const config = yield* Spaces.NetworkConfig.withOverrides(preset, overrides, "arch params")
    const bits = Number(input.bits)
    const estimate = Spaces.ParamCount.memoryEstimate(arch, config, bits)
    const output: ParamsOutput = {
      params: estimate.params,
      bytes: estimate.bytes,
      bits,
      mebibytes: estimate.mebibytes,
      modules: estimate.modules,
      state: estimate.state,
      device: Spaces.DeployedMemory.deployedMemory(arch, config),
      arch: Architecture.formatMatrix(arch.matrix),
      cellType: arch.cellType,
      kernels: arch.kernels,
      dataset: input.dataset,
      config
    }
    yield* emit(input.json, output, (o) =>
      [
        `${o.arch} (${o.cellType}, kernels [${o.kernels.join(",")}]) on ${o.dataset}, widths ${o.config.widths.join("/")}, second pool ${o.config.secondPool}`,
        `params: ${o.params.toLocaleString("en-US")} (${Object.entries(o.modules)
          .map(([m, n]) => `${m} ${n.toLocaleString("en-US")}`)
          .join(", ")})`,
        `memory: ${o.bytes.toLocaleString("en-US")} bytes at ${o.bits} bits (${o.mebibytes.toFixed(2)} MiB)`,
        `inference state per sample: ${o.state.membranes.toLocaleString("en-US")} membranes, ` +
          `${o.state.spikes.toLocaleString("en-US")} spikes, ${o.state.feedback.toLocaleString("en-US")} feedback values, ` +
          `${o.state.bytes.toLocaleString("en-US")} bytes`,
        `on a device (weights, BN as shipped, state, spikes, peak activation): ${DeploymentMemory.weightBitsList
          .map((w) => `${DeploymentMemory.at(o.device, w).total.toLocaleString("en-US")} bytes at ${w} bits`)
          .join(", ")}`
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription("Parameters and memory of an architecture's network (no tensors are built)"),
  Command.withExamples([
    {
      command: 'spikernel arch params --arch "0302 0030 3003 0000" --dataset cifar100 --json',
      description: "SNASNet's CIFAR-100 README model: 20,624,500 parameters"
    },
    {
      command: 'spikernel arch params --arch "0303 0030 2002 0200" --dataset cifar10 --second-pool 4',
      description: "SNASNet's CIFAR-10 README model: 19,520,356 parameters"
    }
  ])
)

/**
 * The `arch` command group. Its name is typed `string` because `commands/index.ts` lists commands as
 * `Command<string, …>` and a command's name type is invariant.
 *
 * @since 0.1.0
 */
export const arch = Command.make("arch" as string).pipe(
  Command.withDescription("Sample, count and size SNASNet cells"),
  Command.withSubcommands([sample, count, params])
)
