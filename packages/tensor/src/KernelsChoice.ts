/**
 * Which convolution kernels the wasm backend runs: `native` (oneDNN through `@spikernel/onednn`, on the
 * wasm heap without copies) or `wasm` (XNNPACK and this package's compositions). A user asks with
 * `--compute-kernels` or `SPIKERNEL_KERNELS`; `auto` takes native when the addon loads.
 */
import { Schema } from "effect"

/** The convolution kernels a wasm run ended up on (recorded in the RunManifest). */
export const KernelsName = Schema.Literals(["native", "wasm"])
export type KernelsName = typeof KernelsName.Type

/** What a user may request: a concrete set, or `auto` (native when it loads, else wasm). */
export const KernelsChoice = Schema.Literals(["auto", "native", "wasm"])
export type KernelsChoice = typeof KernelsChoice.Type
