/**
 * The built-in `json` reporter: one canonical JSON document of the outputs a report step covers.
 *
 * Per-candidate wall times (`seconds`) are left out: they are measurements of one machine and one
 * run, and without them the document is a pure function of the step's key, byte-identical whether
 * the run was interrupted or not. They stay in the store, beside each record.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { StepExecutor } from "./Executor.ts"

/**
 * @since 0.1.0
 */
export const ReportDocument = Schema.Struct({
  steps: Schema.Record(
    Schema.String,
    Schema.Struct({ step: Schema.String, kind: Schema.String, value: Schema.Json })
  )
})

/**
 * @since 0.1.0
 */
export type ReportDocument = typeof ReportDocument.Type

const JsonReporterConfig = Schema.Struct({})

const withoutSeconds = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null || !("records" in value) || !Array.isArray(value.records)) {
    return value
  }
  return {
    ...value,
    records: value.records.map((record: unknown) => {
      if (typeof record !== "object" || record === null) return record
      const { seconds: _seconds, ...rest } = record as Record<string, unknown>
      return rest
    })
  }
}

/**
 * @since 0.1.0
 */
export const jsonReporter: StepExecutor<
  typeof JsonReporterConfig.Type,
  typeof JsonReporterConfig.Encoded,
  ReportDocument,
  typeof ReportDocument.Encoded
> = {
  step: "report",
  id: "json",
  version: 1,
  description: "One JSON document of the reported steps' outputs, without per-candidate wall times",
  config: JsonReporterConfig,
  output: ReportDocument,
  execute: (context) =>
    Effect.sync(() => {
      const steps: Record<string, { step: string; kind: string; value: Schema.Json }> = {}
      for (const [role, input] of Object.entries(context.inputs)) {
        const name = role.startsWith("from.") ? role.slice("from.".length) : role
        const value = input.kind === "search" ? withoutSeconds(input.encoded) : input.encoded
        steps[name] = { step: input.step, kind: input.kind, value: value as Schema.Json }
      }
      return { steps }
    })
}
