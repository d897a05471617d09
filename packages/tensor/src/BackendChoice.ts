/**
 * The names a user can ask for (`--backend`, `SPIKERNEL_BACKEND`) and the names a run can end up on.
 *
 * `auto` is only a request: it resolves to the first importable of node-gpu, node, wasm (cpu as a last
 * resort), and the resolved name is what a RunManifest records.
 */
import { Schema } from "effect"
import { KernelsChoice } from "./KernelsChoice.ts"

/** A backend that actually runs tensors. */
export const BackendName = Schema.Literals(["node-gpu", "node", "wasm", "cpu"])
export type BackendName = typeof BackendName.Type

/** What a user may request: a concrete backend, or `auto`. */
export const BackendChoice = Schema.Literals(["auto", "node-gpu", "node", "wasm", "cpu"])
export type BackendChoice = typeof BackendChoice.Type

/** The order `auto` tries. cpu is not listed: it is the fallback of last resort only. */
export const autoOrder: ReadonlyArray<BackendName> = ["node-gpu", "node", "wasm"]

/**
 * Options of `Backend.layer`. Omitted fields come from `SPIKERNEL_BACKEND` / `SPIKERNEL_THREADS` /
 * `SPIKERNEL_KERNELS`, then defaults.
 */
export const BackendOptions = Schema.Struct({
  backend: Schema.optionalKey(BackendChoice),
  /** wasm thread count; defaults to every core the machine reports. */
  threads: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 256 })))),
  /** wasm only: the convolution kernels (`SPIKERNEL_KERNELS`, else `auto`: native when the addon loads). */
  kernels: Schema.optionalKey(KernelsChoice)
})
export type BackendOptions = typeof BackendOptions.Type
