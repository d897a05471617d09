/**
 * The subcommands of `spikernel`, in the order `--help` lists them, each loaded on demand.
 *
 * Commands pull in TensorFlow.js, Vega or the whole pipeline engine; importing all of them costs
 * seconds at every start. The CLI imports only the command it was asked for (all of them for the
 * root help). Add a command by adding its loader here.
 *
 * @since 0.1.0
 */
import type { Command } from "effect/cli"

/**
 * Loads one command's definition.
 *
 * @since 0.1.0
 */
export type CommandLoader = () => Promise<Command.Command.Any>

/**
 * @since 0.1.0
 */
export const commandLoaders: Readonly<Record<string, CommandLoader>> = {
  init: () => import("./Init.ts").then((m) => m.init),
  check: () => import("./Check.ts").then((m) => m.check),
  run: () => import("./Run.ts").then((m) => m.run),
  plan: () => import("./Plan.ts").then((m) => m.plan),
  status: () => import("./Status.ts").then((m) => m.status),
  dashboard: () => import("./Dashboard.ts").then((m) => m.dashboard),
  worker: () => import("./Worker.ts").then((m) => m.worker),
  gc: () => import("./Gc.ts").then((m) => m.gc),
  compare: () => import("./Compare.ts").then((m) => m.compare),
  report: () => import("./Report.ts").then((m) => m.report),
  data: () => import("./Data.ts").then((m) => m.data),
  arch: () => import("./Arch.ts").then((m) => m.arch),
  score: () => import("./Score.ts").then((m) => m.score),
  train: () => import("./Train.ts").then((m) => m.train),
  export: () => import("./Export.ts").then((m) => m.exportCommand),
  bench: () => import("./Bench.ts").then((m) => m.bench)
}

/**
 * The commands needed to parse `args`: the one named first, none for a bare `--version`, otherwise
 * all of them (root help, or an argument the parser should reject with the full list).
 *
 * @since 0.1.0
 */
export const loadCommands = (args: ReadonlyArray<string>): Promise<ReadonlyArray<Command.Command.Any>> => {
  const first = args.find((arg) => !arg.startsWith("-"))
  if (first !== undefined && Object.hasOwn(commandLoaders, first))
    return commandLoaders[first]().then((c) => [c])
  if (args.length > 0 && args.every((arg) => arg === "--version" || arg === "-v")) return Promise.resolve([])
  return Promise.all(Object.values(commandLoaders).map((load) => load()))
}
