/**
 * The `spikernel` command: the root with its subcommands.
 *
 * @since 0.1.0
 */
import { Console, Effect } from "effect"
import { type CliError, CliOutput, Command } from "effect/cli"
import { loadCommands } from "./commands/index.ts"

/**
 * The CLI's version, printed by `--version`.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/**
 * The root command over the given subcommands.
 *
 * @since 0.1.0
 */
export const spikernel = (subcommands: ReadonlyArray<Command.Command.Any>) => {
  const root = Command.make("spikernel").pipe(
    Command.withDescription(
      "Training-free architecture search and training of spiking neural networks (SNASNet / SpiKernel)"
    )
  )
  return subcommands.length === 0 ? root : root.pipe(Command.withSubcommands(subcommands))
}

/** One line per parse error, its suggestions on the same line. */
const errorLine = (error: CliError.CliError): string => {
  const suggestions = (error as { readonly suggestions?: ReadonlyArray<string> }).suggestions ?? []
  const base = error.message.split("\n")[0]
  return `spikernel: ${base}${suggestions.length > 0 ? `; did you mean ${suggestions.join(" or ")}?` : ""}`
}

/**
 * An invalid invocation says what was wrong first, then one line of usage and where the rest is,
 * on stderr; the full help stays behind `--help`.
 */
const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(
          [
            ...event.errors.map(errorLine),
            `usage: ${event.helpDoc.usage}`,
            `(\`${event.commandPath.join(" ")} --help\` lists the flags and examples)`
          ].join("\n")
        )
      : CliOutput.defaultPresenter.present(event)
})

/**
 * Runs the CLI on the given arguments (without the program name), loading only the commands they need.
 *
 * @since 0.1.0
 */
export const run = (args: ReadonlyArray<string>) =>
  Effect.promise(() => loadCommands(args)).pipe(
    Effect.flatMap((subcommands) => Command.runWith(spikernel(subcommands), { version })(args)),
    Effect.provide(presenter)
  )
