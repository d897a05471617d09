/**
 * A lean entry that runs a pipeline file the way `spikernel run` does — the same store layer,
 * runner and signal handling — without the CLI's parser and tensor backend, so the kill test can
 * start twenty processes quickly on a loaded machine.
 *
 *   node --import tsx test/support/RunPipeline.ts <pipeline.ts> <store>
 *
 * Prints the run's `{ runId, manifest, results }` as JSON on stdout.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { PipelineFile, Prepare, Progress, Registry, Runner, Store } from "@spikernel/pipeline"
import { Effect, Layer } from "effect"

const [file, root] = process.argv.slice(2)

const program = Effect.gen(function* () {
  const loaded = yield* PipelineFile.loadPipelineFile(file)
  const prepared = yield* Prepare.prepare(loaded.pipeline, Registry.make([]), file)
  const result = yield* Runner.run({
    prepared,
    pipelineFile: loaded.path,
    pipelineHash: loaded.hash,
    backend: { backend: "none", tfjsVersion: "", threads: 0, simd: false }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        Store.layer({
          root,
          mode: "write",
          command: `RunPipeline ${file}`,
          report: (line) => Effect.sync(() => void process.stderr.write(`${line}\n`))
        }),
        Progress.layerSilent
      )
    )
  )
  process.stdout.write(`${JSON.stringify(result)}\n`)
}).pipe(
  Effect.provide(NodeServices.layer),
  Effect.catch((error) =>
    Effect.sync(() => {
      process.stderr.write(`RunPipeline: ${error.message}\n`)
      process.exitCode = 1
    })
  )
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
