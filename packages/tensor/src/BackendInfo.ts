/**
 * What a run records about the compute it used (embedded in the RunManifest of `@spikernel/core`).
 */
import { Schema } from "effect"
import { BackendName } from "./BackendChoice.ts"
import { KernelsName } from "./KernelsChoice.ts"

/**
 * `threads`: compute threads the backend runs with (wasm: XNNPACK's pool; node: TensorFlow's intra-op pool,
 * reported as the core count; cpu: 1). `simd`: whether vector kernels are in use (wasm SIMD build; native
 * TensorFlow always; the pure-JS cpu backend never). `kernels` (wasm only): whether the convolutions run on
 * oneDNN (`native`, with `onednn` its version) or on XNNPACK and this package's compositions (`wasm`).
 */
export const BackendInfo = Schema.Struct({
  backend: BackendName,
  tfjsVersion: Schema.String,
  threads: Schema.Int,
  simd: Schema.Boolean,
  kernels: Schema.optionalKey(KernelsName),
  onednn: Schema.optionalKey(Schema.String)
})
export type BackendInfo = typeof BackendInfo.Type
