/**
 * The macro skeleton's settings (METHOD.md §1.1): input size, channel widths, stem stride, second
 * pool, classifier width, classes and output neurons per class, with the per-dataset presets of
 * the official `SNASNet.__init__` and our own for 28×28×1 data.
 *
 * @since 0.1.0
 */
import { ConfigError } from "@spikernel/core"
import { Effect, Schema } from "effect"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The network configuration.
 *
 * @since 0.1.0
 */
export const NetworkConfig = Schema.Struct({
  /** Input height = width (32 for CIFAR, 64 for TinyImageNet, 28 for (Fashion-)MNIST). */
  inputSize: PositiveInt,
  /** Input channels (3 or 1). */
  inputChannels: PositiveInt,
  /** C1 (stem, cell 1) and C2 (downconv, cell 2). */
  widths: Schema.Tuple([PositiveInt, PositiveInt]),
  /** Stride of the 3×3 stem convolution (2 for TinyImageNet). */
  stemStride: PositiveInt,
  /** Kernel and stride of the average pool after `last_act` (`--second_avgpooling`). */
  secondPool: PositiveInt,
  /** Width of the classifier's hidden spiking layer (Hfc). */
  hidden: PositiveInt,
  /** Number of classes. */
  classes: PositiveInt,
  /** Output neurons per class, averaged (the `boost` AvgPool1d): n_out = classes × groupSize. */
  groupSize: PositiveInt,
  /** Drop probability of the classifier's dropout (one mask for all T steps). */
  dropout: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1))
})

/**
 * @since 0.1.0
 */
export type NetworkConfig = typeof NetworkConfig.Type

/**
 * The data sets with a preset.
 *
 * @since 0.1.0
 */
export const PresetName = Schema.Literals(["cifar10", "cifar100", "tinyimagenet", "fashion-mnist", "mnist"])

/**
 * @since 0.1.0
 */
export type PresetName = typeof PresetName.Type

/**
 * The presets. CIFAR-10/100 and TinyImageNet are the official code's constants (METHOD.md §1.1
 * table). The 28×28×1 presets are ours: SNASNet never ran on (Fashion-)MNIST, and these are sized
 * for training-free search on one CPU core: widths 32/64 (an eighth of CIFAR-10's, a quarter of
 * CIFAR-100's), Hfc = 256, and the CIFAR-10 output layout (10 neurons per class); 28 → 14 → 7
 * through the two pools gives a 7×7×64 classifier input.
 *
 * @since 0.1.0
 */
export const presets: Readonly<Record<PresetName, NetworkConfig>> = {
  cifar10: {
    inputSize: 32,
    inputChannels: 3,
    widths: [256, 512],
    stemStride: 1,
    secondPool: 2,
    hidden: 1024,
    classes: 10,
    groupSize: 10,
    dropout: 0.5
  },
  cifar100: {
    inputSize: 32,
    inputChannels: 3,
    widths: [128, 256],
    stemStride: 1,
    secondPool: 2,
    hidden: 1024,
    classes: 100,
    groupSize: 5,
    dropout: 0.5
  },
  tinyimagenet: {
    inputSize: 64,
    inputChannels: 3,
    widths: [128, 256],
    stemStride: 2,
    secondPool: 2,
    hidden: 4096,
    classes: 200,
    groupSize: 5,
    dropout: 0.5
  },
  "fashion-mnist": {
    inputSize: 28,
    inputChannels: 1,
    widths: [32, 64],
    stemStride: 1,
    secondPool: 2,
    hidden: 256,
    classes: 10,
    groupSize: 10,
    dropout: 0.5
  },
  mnist: {
    inputSize: 28,
    inputChannels: 1,
    widths: [32, 64],
    stemStride: 1,
    secondPool: 2,
    hidden: 256,
    classes: 10,
    groupSize: 10,
    dropout: 0.5
  }
}

/**
 * The preset for a dataset name as written on the command line: a preset name, a `name:DIR` spec,
 * or the bundled `fashion-mnist-mini` (which uses the Fashion-MNIST preset).
 *
 * @since 0.1.0
 */
export const presetFor = (
  dataset: string,
  source = "--dataset"
): Effect.Effect<NetworkConfig, ConfigError> => {
  const name = dataset.includes(":") ? dataset.slice(0, dataset.indexOf(":")) : dataset
  const alias = name === "fashion-mnist-mini" ? "fashion-mnist" : name
  const known = PresetName.literals as ReadonlyArray<string>
  return known.includes(alias)
    ? Effect.succeed(presets[alias as PresetName])
    : Effect.fail(
        new ConfigError({
          source,
          reason: `no network preset for "${dataset}"; expected one of ${[...known, "fashion-mnist-mini"].join(", ")}`
        })
      )
}

/**
 * The spatial sizes through the skeleton.
 *
 * @since 0.1.0
 */
export interface Geometry {
  /** After the stem: H0 = ⌊(H + 2 − 3)/s0⌋ + 1. */
  readonly h0: number
  /** After the first 2×2 pool: ⌊H0/2⌋. */
  readonly h1: number
  /** After the second pool: S = ⌊H1/p2⌋. */
  readonly s: number
  /** The classifier input: C2·S². */
  readonly features: number
  /** n_out = classes × groupSize. */
  readonly outputs: number
}

/**
 * The geometry of a configuration (PyTorch's floor-mode pooling).
 *
 * @since 0.1.0
 */
export const geometry = (config: NetworkConfig): Geometry => {
  const h0 = Math.floor((config.inputSize - 1) / config.stemStride) + 1
  const h1 = Math.floor(h0 / 2)
  const s = Math.floor(h1 / config.secondPool)
  return { h0, h1, s, features: config.widths[1] * s * s, outputs: config.classes * config.groupSize }
}

/**
 * The first problem of a configuration, or `undefined`: every pool must keep at least one pixel.
 *
 * @since 0.1.0
 */
export const configProblem = (config: NetworkConfig): string | undefined => {
  const g = geometry(config)
  if (g.h1 < 1)
    return `input ${config.inputSize} with stem stride ${config.stemStride} is too small for the 2×2 pool`
  if (g.s < 1)
    return `second pool ${config.secondPool} is larger than the ${g.h1}×${g.h1} feature map it pools`
  return undefined
}

/**
 * Applies command-line overrides to a preset and checks the result.
 *
 * @since 0.1.0
 */
export const withOverrides = (
  base: NetworkConfig,
  overrides: Partial<NetworkConfig>,
  source = "network config"
): Effect.Effect<NetworkConfig, ConfigError> => {
  const merged = { ...base, ...overrides }
  return Schema.decodeUnknownEffect(NetworkConfig)(merged).pipe(
    Effect.mapError((issue) => new ConfigError({ source, reason: issue.message })),
    Effect.flatMap((config) => {
      const problem = configProblem(config)
      return problem === undefined
        ? Effect.succeed(config)
        : Effect.fail(new ConfigError({ source, reason: problem }))
    })
  )
}
