/**
 * `spikernel gc [--store DIR] [--json]`: compacts the journal to the latest entry of each key and
 * removes the blobs no entry refers to. Takes the store's lock, so it never runs beside a `run`.
 *
 * @since 0.1.0
 */
import { Store } from "@spikernel/pipeline"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Flags from "../Flags.ts"
import { emit } from "../Output.ts"
import { storeLayer } from "./Run.ts"

const render = (report: Store.GcReport): string =>
  [
    `removed ${report.removedBlobs} unreferenced blob(s), ${report.removedBytes} bytes`,
    `journal ${report.journalBytesBefore} → ${report.journalBytesAfter} bytes, ${report.keptEntries} entries kept`
  ].join("\n")

/**
 * @since 0.1.0
 */
export const gc = Command.make(
  // Typed `string`: commands/index.ts lists commands as `Command<string, …>` (the name is invariant).
  "gc" as string,
  { store: Flags.store, json: Flags.json },
  Effect.fn("gc")(function* ({ store, json }) {
    const report = yield* Effect.flatMap(Store.Store, (opened) => opened.gc).pipe(
      Effect.provide(storeLayer(store, "write", "spikernel gc"))
    )
    yield* emit(json, report, render)
  })
).pipe(
  Command.withDescription("Remove blobs no run refers to and compact the journal"),
  Command.withExamples([{ command: "spikernel gc --store /data/runs", description: "Reclaim space" }])
)
