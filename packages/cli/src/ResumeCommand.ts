/**
 * The command a person types to run this process again — how a stopped run says how to resume.
 *
 * Under `npm start` (or another package script that runs spikernel) it is that script, with the
 * arguments given after `--`; under `npx` it is `npx spikernel …`; otherwise `spikernel …` with the
 * same arguments, quoted for a POSIX shell. A package script that does not itself run spikernel
 * (a test runner that spawns it, say) only passed its environment on, so it is not the way back.
 *
 * @since 0.1.0
 */

/**
 * One argument quoted for a POSIX shell when it needs it.
 *
 * @since 0.1.0
 */
export const shellQuote = (argument: string): string =>
  /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`

/**
 * The command line that runs `args` again, given the environment npm sets for scripts.
 *
 * @since 0.1.0
 */
export const resumeCommand = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): string => {
  const script = env.npm_lifecycle_script
  const event = env.npm_lifecycle_event
  const own = script?.trim().split(/\s+/) ?? []
  const runsSpikernel = own.some((word) => /(^|\/)spikernel(\.m?js)?$/.test(word))
  if (event !== undefined && runsSpikernel && env.npm_command !== "exec") {
    // `npm start` runs "node …/spikernel.js run pipelines/quickstart.ts": the arguments after the
    // script's own came after `--`.
    const at = own.indexOf(args[0] ?? "")
    const given = at < 0 ? [] : own.slice(at)
    const extra = given.every((word, i) => args[i] === word) ? args.slice(given.length) : args
    const base = env.npm_command === event ? `npm ${event}` : `npm run ${event}`
    return extra.length === 0 ? base : `${base} -- ${extra.map(shellQuote).join(" ")}`
  }
  const command = env.npm_command === "exec" ? "npx spikernel" : "spikernel"
  return [command, ...args.map(shellQuote)].join(" ")
}
