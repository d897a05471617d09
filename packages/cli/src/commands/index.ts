/**
 * The subcommands of `spikernel`, in the order `--help` lists them. Each lives in its own module;
 * add a command by importing it here.
 *
 * @since 0.1.0
 */
import type { Command } from "effect/cli"
import { arch } from "./Arch.ts"
import { compare } from "./Compare.ts"
import { data } from "./Data.ts"
import { gc } from "./Gc.ts"
import { plan } from "./Plan.ts"
import { report } from "./Report.ts"
import { run } from "./Run.ts"
import { score } from "./Score.ts"
import { status } from "./Status.ts"

/**
 * @since 0.1.0
 */
export const commands: ReadonlyArray<Command.Command.Any> = [
  run,
  plan,
  status,
  gc,
  compare,
  report,
  data,
  arch,
  score
]
