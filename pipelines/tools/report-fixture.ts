/**
 * Writes the report input of a pipeline's latest run (as its report step made it) to a JSON file:
 * how `packages/report/test/fixtures/*.json` were made, from real runs.
 *
 * ```sh
 * npx tsx pipelines/tools/report-fixture.ts pipelines/quickstart.ts packages/report/test/fixtures/quickstart.json
 * ```
 */
import { writeFileSync } from "node:fs"
import { NodeServices } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import { readStore, runReport } from "../../packages/cli/src/commands/Report.ts"
import { ReportInput } from "../../packages/report/src/ReportInput.ts"

const [file, out, store = ".spikernel"] = process.argv.slice(2)
if (file === undefined || out === undefined) {
  console.error("usage: export.ts PIPELINE.ts OUT.json [STORE]")
  process.exit(2)
}
const program = Effect.gen(function* () {
  const { input } = yield* runReport(file, file).pipe(Effect.provide(readStore(store, "report fixture export")))
  const encoded = yield* Schema.encodeEffect(ReportInput)(input)
  writeFileSync(out, `${JSON.stringify(encoded)}\n`)
  console.log(`wrote ${out}: ${input.searches.length} searches, ${input.trained.length} trained models`)
})
Effect.runPromise(program.pipe(Effect.provide(NodeServices.layer))).catch((error) => {
  console.error(String(error))
  process.exit(1)
})
