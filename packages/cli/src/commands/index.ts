/**
 * The subcommands of `spikernel`, in the order `--help` lists them. Each lives in its own module;
 * add a command by importing it here.
 *
 * @since 0.1.0
 */
import type { Command } from "effect/cli"
import { compare } from "./Compare.ts"
import { data } from "./Data.ts"
import { report } from "./Report.ts"

/**
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: subcommands differ in their input, error and requirement types
export const commands: ReadonlyArray<Command.Command<string, any, any, any, any>> = [compare, report, data]
