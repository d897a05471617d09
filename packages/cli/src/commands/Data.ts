/**
 * `spikernel data inspect SPEC [--json]`: split sizes, classes, per-class counts per split and the
 * checksum (dataset fingerprint) of a data set, e.g. `fashion-mnist:/usr/share/datasets/fashion-mnist`
 * or the bundled `fashion-mnist-mini`.
 *
 * @since 0.1.0
 */
import { DatasetSpec } from "@spikernel/core"
import { Datasets } from "@spikernel/snasnet"
import { Effect } from "effect"
import { Argument, Command } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"

/**
 * The JSON document `data inspect` prints: the contract fields first (DESIGN.md §5), then context.
 *
 * @since 0.1.0
 */
export interface InspectOutput {
  readonly train: number
  readonly test: number
  readonly classes: number
  readonly labelCounts: { readonly train: ReadonlyArray<number>; readonly test: ReadonlyArray<number> }
  /** sha256 of the decoded pixels and labels (the dataset fingerprint used in cache keys). */
  readonly checksum: string
  readonly spec: string
  readonly name: string
  readonly imageShape: readonly [number, number, number]
  readonly classNames: ReadonlyArray<string>
}

const render = (output: InspectOutput): string => {
  const [height, width, channels] = output.imageShape
  const counts = (split: "train" | "test") =>
    output.labelCounts[split].map((count, label) => `${output.classNames[label]}=${count}`).join(", ")
  return [
    `${output.spec}: ${height}×${width}×${channels} images, ${output.classes} classes`,
    `train: ${output.train} (${counts("train")})`,
    `test:  ${output.test} (${counts("test")})`,
    `checksum: sha256 ${output.checksum}`
  ].join("\n")
}

const inspect = Command.make(
  "inspect",
  {
    spec: Argument.String("spec").pipe(
      Argument.withDescription(
        "NAME:DIR (cifar10, cifar100, tinyimagenet, fashion-mnist, mnist) or a bundled name (fashion-mnist-mini, synthetic)"
      )
    ),
    json: Flags.json
  },
  Effect.fn("data.inspect")(function* ({ spec, json }) {
    const parsed = yield* DatasetSpec.parseDatasetSpec(spec, "SPEC")
    const summary = Datasets.Inspect.summarise(yield* Datasets.loadSpec(parsed))
    const output: InspectOutput = {
      train: summary.train,
      test: summary.test,
      classes: summary.classes,
      labelCounts: summary.labelCounts,
      checksum: summary.checksum,
      spec: DatasetSpec.formatDatasetSpec(parsed),
      name: summary.name,
      imageShape: summary.imageShape,
      classNames: summary.classNames
    }
    yield* emit(json, output, render)
  })
).pipe(
  Command.withDescription("Decode a data set and report split sizes, per-class counts and its checksum"),
  Command.withExamples([
    {
      command: "spikernel data inspect fashion-mnist:/usr/share/datasets/fashion-mnist --json",
      description: "The Debian package's Fashion-MNIST"
    },
    {
      command: "spikernel data inspect cifar10:./cifar-10-batches-bin",
      description: "CIFAR-10, binary version"
    }
  ])
)

/**
 * The `data` command group. Its name is typed `string` because `commands/index.ts` lists commands
 * as `Command<string, …>` and a command's name type is invariant.
 *
 * @since 0.1.0
 */
export const data = Command.make("data" as string).pipe(
  Command.withDescription("Inspect data sets"),
  Command.withSubcommands([inspect])
)
