/**
 * `@spikernel/encoders`: turning image batches into the T-step input of a spiking network — direct
 * (SNASNet's), rate (Bernoulli) and latency (time-to-first-spike).
 *
 * @since 0.1.0
 */

/** Direct encoding. */
export * as DirectEncoder from "./DirectEncoder.ts"
/** The Encoder plugins. */
export * as EncoderPlugins from "./EncoderPlugins.ts"
/** Latency encoding. */
export * as LatencyEncoder from "./LatencyEncoder.ts"
/** Rate encoding. */
export * as RateEncoder from "./RateEncoder.ts"
