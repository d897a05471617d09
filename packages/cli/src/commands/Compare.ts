/**
 * `spikernel compare <a.ts> <b.ts> … --out DIR [--store DIR] [--json]`: a side-by-side report of the
 * latest runs of several pipelines, with the fairness of the comparison checked (same data, scorer
 * settings, budget and seeds; reuse from the store counted apart), each pipeline named as its report
 * step declares.
 *
 * @since 0.1.0
 */
import { Reports } from "@spikernel/snasnet"
import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"
import { pipelineNames, type ReportOutput, readStore, renderOutput, runReport } from "./Report.ts"

/**
 * @since 0.1.0
 */
export const compare = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "compare" as string,
  {
    pipelines: Argument.String("pipeline").pipe(
      Argument.withDescription("Two or more pipeline files whose latest runs to compare"),
      Argument.variadic({ min: 2 })
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("The folder to write index.html, summary.md and results.json to")
    ),
    store: Flags.store,
    json: Flags.json
  },
  Effect.fn("compare")(function* ({ pipelines, out, store, json }) {
    const names = pipelineNames(pipelines)
    // Each pipeline by the name its report step declares (its file name where it has none).
    const made = yield* Effect.forEach(pipelines, (file, i) => runReport(file, names[i])).pipe(
      Effect.provide(readStore(store, "spikernel compare"))
    )
    const files = yield* Reports.Report.compare(
      made.map(({ input }) => input),
      out
    )
    yield* emit(json, files satisfies ReportOutput, renderOutput)
  })
).pipe(
  Command.withDescription("Compare the latest runs of several pipelines side by side"),
  Command.withExamples([
    {
      command:
        "spikernel compare pipelines/quickstart.ts pipelines/spikernel-fmnist.ts --out reports/compare",
      description: "The quickstart against SpiKernel's four steps on the full Fashion-MNIST"
    }
  ])
)
