/**
 * How commands print: JSON documents on stdout for `--json`, text otherwise; logs on stderr.
 *
 * @since 0.1.0
 */
import { Console, type Effect } from "effect"

/**
 * Prints `value` as one JSON document when `json` is set, otherwise the text `render` makes of it.
 *
 * @since 0.1.0
 */
export const emit = <A>(json: boolean, value: A, render: (value: A) => string): Effect.Effect<void> =>
  json ? Console.log(JSON.stringify(value, null, 2)) : Console.log(render(value))

/**
 * A progress or diagnostic line on stderr, so stdout stays machine-readable.
 *
 * @since 0.1.0
 */
export const log = (line: string): Effect.Effect<void> => Console.error(line)
