/**
 * Entry point of the `spikernel` command under Node (tsx) and Deno.
 *
 * Any failure ends the process with status 1 and one line on stderr that says what was wrong. With
 * `--json`, stdout also gets one JSON document `{ "error": { … } }` with the error's fields, so a
 * structured failure (a step's candidate, a memory refusal's needed/free/limit bytes) reaches a
 * caller intact.
 *
 * @since 0.1.0
 */
// Subpath imports: the package barrel loads its HTTP stack too, seconds of start-up on a small machine.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Logger, Runtime } from "effect"
import { CliError } from "effect/cli"
import { run } from "./Cli.ts"

const oneLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text = error instanceof Error ? error.message : String(error)
  return text.split("\n")[0]
}

/** The fields of a typed error (its tag, message and own data), for `--json`. */
const errorDocument = (cause: Cause.Cause<unknown>): Record<string, unknown> => {
  const error = Cause.squash(cause)
  if (!(error instanceof Error)) return { message: String(error) }
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(error))
    if (key !== "stack" && value !== undefined) fields[key] = value
  return {
    ...("_tag" in error ? { _tag: (error as { _tag: unknown })._tag } : {}),
    message: oneLine(cause),
    ...fields
  }
}

const args = process.argv.slice(2)

const program = run(args).pipe(
  Effect.catchCause((cause) =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.void
      : Effect.sync(() => {
          // The CLI module has already rendered its own parse errors (with usage); say nothing twice.
          if (!CliError.isCliError(Cause.squash(cause))) {
            process.stderr.write(`spikernel: ${oneLine(cause)}\n`)
            if (args.includes("--json"))
              process.stdout.write(`${JSON.stringify({ error: errorDocument(cause) })}\n`)
          }
          process.exitCode = 1
        })
  ),
  // Logs go to stderr so that `--json` output on stdout stays one JSON document.
  Effect.provideService(Logger.LogToStderr, true),
  Effect.provide(NodeServices.layer)
) as Effect.Effect<void>

// SIGINT and SIGTERM both interrupt the run (the runtime's handlers); the exit status says which, by
// the shell convention 128 + signal: 130 for SIGINT, 143 for SIGTERM. This listener is registered
// first, so it runs before the runtime's.
let terminated = false
process.on("SIGTERM", () => {
  terminated = true
})

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    Runtime.defaultTeardown(exit, (code) => onExit(code === 130 && terminated ? 143 : code))
})
