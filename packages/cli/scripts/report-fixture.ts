/**
 * Writes the report input of a pipeline's latest run (as its report step made it) to a JSON file:
 * how `packages/report/test/fixtures/*.json` were made, from real runs.
 *
 * ```sh
 * npx tsx packages/cli/scripts/report-fixture.ts pipelines/quickstart.ts packages/report/test/fixtures/quickstart.json [STORE]
 * ```
 */
import { NodeServices } from "@effect/platform-node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, FileSystem, Schema } from "effect"
import { Reports } from "@spikernel/snasnet"
import { readStore, runReport } from "../src/commands/Report.ts"

const program = Effect.gen(function* () {
  const [file, out, store = ".spikernel"] = process.argv.slice(2)
  if (file === undefined || out === undefined) {
    return yield* new Reports.ReportError({
      reason: "input",
      detail: "usage: report-fixture.ts PIPELINE.ts OUT.json [STORE]"
    })
  }
  const { input } = yield* runReport(file, file).pipe(
    Effect.provide(readStore(store, "report fixture export"))
  )
  const encoded = yield* Schema.encodeEffect(Reports.ReportInput.ReportInput)(input)
  const fs = yield* FileSystem.FileSystem
  yield* fs.writeFileString(out, `${JSON.stringify(encoded)}\n`)
  yield* Console.log(
    `wrote ${out}: ${input.searches.length} searches, ${input.trained.length} trained models`
  )
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodeServices.layer)))
