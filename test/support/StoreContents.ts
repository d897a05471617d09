/**
 * Reading a store from an end-to-end test: step outputs by key (verified), and a cheap count of the
 * candidate records a running process has journaled so far.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { CanonicalJson } from "@spikernel/core"
import { Store, StoreLayout, StepOutput } from "@spikernel/pipeline"
import { Effect, Layer, Option, Schema } from "effect"

/** The verified bytes of each step's output (by step name), read through the store's own checks. */
export const stepOutputs = (
  root: string,
  steps: ReadonlyArray<{ readonly name: string; readonly key: string }>
): Promise<Record<string, string>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* Store.Store
      const out: Record<string, string> = {}
      for (const { name, key } of steps) {
        const value = yield* store.get(StoreLayout.stepEntry(key))
        if (Option.isSome(value)) out[name] = new TextDecoder().decode(value.value)
      }
      return out
    }).pipe(
      Effect.provide(
        Store.layer({ root, mode: "read", report: () => Effect.void }).pipe(
          Layer.provide(NodeFileSystem.layer)
        )
      )
    )
  )

/** A search output's records as canonical JSON, without the measured wall times. */
export const recordsWithoutSeconds = (searchOutput: string): string => {
  const result = Schema.decodeUnknownSync(Schema.fromJsonString(StepOutput.SearchResult))(searchOutput)
  const encoded = Schema.encodeSync(StepOutput.SearchResult)(result)
  return CanonicalJson.canonicalJson(encoded.records.map(({ seconds: _seconds, ...rest }) => rest))
}

/** Wall times measured by a step (search records, training epochs, evaluations). */
const wallTimes = new Set(["seconds", "evalSeconds", "trainSeconds", "imagesPerSecond"])

/** A step output (JSON text) or value as canonical JSON, without the wall times it measured. */
export const withoutWallTimes = (output: string | unknown): string =>
  CanonicalJson.canonicalJson(
    JSON.parse(typeof output === "string" ? output : JSON.stringify(output), (key, value) =>
      wallTimes.has(key) ? undefined : value
    )
  )

/** How many candidate records the journal holds (complete lines only). */
export const journaledRecords = (root: string): number => {
  const path = join(root, "journal")
  if (!existsSync(path)) return 0
  const text = readFileSync(path, "utf8")
  let count = 0
  let from = 0
  for (;;) {
    const at = text.indexOf('"tag":"record"', from)
    if (at < 0) return count
    if (text.indexOf("\n", at) < 0) return count
    count++
    from = at + 1
  }
}
