/**
 * The `spikernel` command: the root with its subcommands.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"
import { commands } from "./commands/index.ts"

/**
 * The CLI's version, printed by `--version`.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/**
 * @since 0.1.0
 */
export const spikernel = Command.make("spikernel").pipe(
  Command.withDescription(
    "Training-free architecture search and training of spiking neural networks (SNASNet / SpiKernel)"
  ),
  Command.withSubcommands(commands)
)

/**
 * Runs the CLI on the given arguments (without the program name).
 *
 * @since 0.1.0
 */
export const run = Command.runWith(spikernel, { version })
