/**
 * The `spikernel` command: the root with its subcommands.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Command } from "effect/cli"
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

/**
 * Runs the CLI on the given arguments (without the program name), loading only the commands they need.
 *
 * @since 0.1.0
 */
export const run = (args: ReadonlyArray<string>) =>
  Effect.promise(() => loadCommands(args)).pipe(
    Effect.flatMap((subcommands) => Command.runWith(spikernel(subcommands), { version })(args))
  )
