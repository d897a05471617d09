/**
 * Flags shared by Spikernel's commands (DESIGN.md §5): `--json` and `--store DIR`.
 *
 * @since 0.1.0
 */
import { Flag } from "effect/cli"

/**
 * `--json`: one JSON document on stdout, logs on stderr.
 *
 * @since 0.1.0
 */
export const json = Flag.Boolean("json").pipe(
  Flag.withDescription("Print one JSON document on stdout (logs go to stderr)"),
  Flag.withDefault(false)
)

/**
 * `--store DIR`: where results are read and written.
 *
 * @since 0.1.0
 */
export const store = Flag.String("store").pipe(
  Flag.withDescription("Result store directory"),
  Flag.withDefault(".spikernel")
)

/**
 * `--typecheck` (the default) / `--no-typecheck`: type-check the pipeline file before it runs.
 *
 * @since 0.1.0
 */
export const typecheck = Flag.Boolean("typecheck").pipe(
  Flag.withDescription("Type-check the pipeline file first (--no-typecheck skips it)"),
  Flag.withDefault(true)
)
