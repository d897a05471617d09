/**
 * The flags that name one network, its data and its backend, shared by `score` and `train`, and
 * their parsing (a ConfigError naming the flag). Apart from `Flags.ts` because it loads the tensor
 * package, which the commands that compute nothing should not.
 *
 * @since 0.1.0
 */
import { Architecture, ConfigError, DatasetSpec, KernelSet } from "@spikernel/core"
import { BackendChoice } from "@spikernel/tensor"
import { Effect, Option, Schema } from "effect"
import { Flag } from "effect/cli"

/**
 * The flags that name one candidate network, shared by `score` and `train`: `--arch`, `--cell`,
 * `--kernels`, `--widths`, `--second-pool`, `--preset`.
 *
 * @since 0.1.0
 */
export const network = {
  arch: Flag.String("arch").pipe(
    Flag.withDescription('The cell as SNASNet writes it, e.g. "0302 0030 3003 0000"')
  ),
  cell: Flag.Literals("cell", ["backward", "forward"]).pipe(
    Flag.withDescription("Cell type (SNASNet-Bw is the default)"),
    Flag.withDefault("backward" as const)
  ),
  kernels: Flag.String("kernels").pipe(
    Flag.withDescription("Kernel set, e.g. 1,3 (SNASNet) or 3,7"),
    Flag.withDefault("1,3")
  ),
  widths: Flag.String("widths").pipe(
    Flag.withDescription("Channel widths C1,C2 (default: the preset's)"),
    Flag.optional
  ),
  secondPool: Flag.Int("second-pool").pipe(
    Flag.withDescription("Second average pool, 2 or 4"),
    Flag.optional
  ),
  preset: Flag.String("preset").pipe(
    Flag.withDescription(
      "Network preset (cifar10, cifar100, tinyimagenet, fashion-mnist, mnist); default: the data set's"
    ),
    Flag.optional
  )
}

/**
 * `--dataset SPEC`.
 *
 * @since 0.1.0
 */
export const dataset = Flag.String("dataset").pipe(
  Flag.withDescription(
    "NAME:DIR (cifar10, cifar100, tinyimagenet, fashion-mnist, mnist) or fashion-mnist-mini, synthetic"
  )
)

/**
 * `--backend NAME`, checked by `parseNetworkInput`.
 *
 * @since 0.1.0
 */
export const backend = Flag.String("backend").pipe(
  Flag.withDescription("Tensor backend: auto, node-gpu, node, wasm or cpu"),
  Flag.withDefault("auto")
)

const parseWidths = (text: string): Effect.Effect<readonly [number, number], ConfigError> => {
  const parts = text.split(",").map((p) => p.trim())
  if (parts.length !== 2 || !parts.every((p) => /^\d+$/.test(p) && Number(p) > 0)) {
    return Effect.fail(
      new ConfigError({ source: "--widths", reason: `"${text}" is not two positive integers C1,C2` })
    )
  }
  return Effect.succeed([Number(parts[0]), Number(parts[1])] as const)
}

/**
 * `--backend NAME` checked against the backend choices (a ConfigError naming the flag).
 *
 * @since 0.1.0
 */
export const parseBackend = (text: string) =>
  Schema.decodeUnknownEffect(BackendChoice)(text).pipe(
    Effect.mapError(
      () =>
        new ConfigError({
          source: "--backend",
          reason: `"${text}" is not one of ${BackendChoice.literals.join(", ")}`
        })
    )
  )

/**
 * The parsed `network` flags, `--dataset` and `--backend`, each failing with a ConfigError that
 * names the flag.
 *
 * @since 0.1.0
 */
export const parseNetworkInput = Effect.fnUntraced(function* (input: {
  readonly arch: string
  readonly cell: "backward" | "forward"
  readonly kernels: string
  readonly widths: Option.Option<string>
  readonly dataset: string
  readonly backend: string
}) {
  const kernels = yield* KernelSet.parseKernelSet(input.kernels)
  const arch = yield* Architecture.parseArchitecture(input.arch, { cellType: input.cell, kernels })
  const spec = yield* DatasetSpec.parseDatasetSpec(input.dataset, "--dataset")
  const widths = Option.isSome(input.widths) ? yield* parseWidths(input.widths.value) : undefined
  const backendChoice = yield* parseBackend(input.backend)
  return { kernels, arch, spec, widths, backendChoice }
})
