/**
 * Flags shared by Spikernel's commands (DESIGN.md §5): `--json` and `--store DIR`.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
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
 * `--compute-kernels auto|native|wasm`: which convolution kernels the wasm backend runs — oneDNN's
 * (`@spikernel/onednn`, when it was built) or XNNPACK's. Unset: `SPIKERNEL_KERNELS`, else auto. (Not
 * `--kernels`: that flag names a network's kernel sizes.)
 *
 * @since 0.1.0
 */
export const computeKernels = Flag.Literals("compute-kernels", ["auto", "native", "wasm"]).pipe(
  Flag.withDescription(
    "wasm convolution kernels: native (oneDNN), wasm (XNNPACK) or auto (native when it loads; default: SPIKERNEL_KERNELS, else auto)"
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

/**
 * The `Backend.layer` option of a parsed `--compute-kernels`.
 *
 * @since 0.1.0
 */
export const computeKernelsOption = (
  flag: Option.Option<"auto" | "native" | "wasm">
): { readonly kernels?: "auto" | "native" | "wasm" } => (Option.isSome(flag) ? { kernels: flag.value } : {})
