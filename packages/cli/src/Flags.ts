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

/**
 * `--cluster postgres://USER@HOST:PORT/DB` (or `SPIKERNEL_CLUSTER`): the cluster database.
 *
 * @since 0.1.0
 */
export const cluster = Flag.String("cluster").pipe(
  Flag.withDescription(
    "Compute on the workers of this cluster database, postgres://USER@HOST:PORT/DB (also SPIKERNEL_CLUSTER)"
  ),
  Flag.optional
)

/**
 * The cluster URL of `--cluster`, else of `SPIKERNEL_CLUSTER`, else none.
 *
 * @since 0.1.0
 */
export const clusterUrl = (
  flag: { readonly _tag: "Some"; readonly value: string } | { readonly _tag: "None" }
) =>
  flag._tag === "Some"
    ? flag.value
    : process.env.SPIKERNEL_CLUSTER !== undefined && process.env.SPIKERNEL_CLUSTER !== ""
      ? process.env.SPIKERNEL_CLUSTER
      : undefined
