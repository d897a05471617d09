/**
 * The Encoder plugins of this package, in one list: `direct` (SNASNet's), `rate`, `latency`.
 *
 * @since 0.1.0
 */
import { Encoder, type Plugin } from "@spikernel/core"
import { Layer } from "effect"
import { DirectConfig, direct } from "./DirectEncoder.ts"
import { LatencyConfig, latency } from "./LatencyEncoder.ts"
import { RateConfig, rate } from "./RateEncoder.ts"

/**
 * @since 0.1.0
 */
export const directPlugin: Plugin.Plugin<
  "Encoder",
  DirectConfig,
  typeof DirectConfig.Encoded,
  Encoder.Encoder
> = {
  kind: "Encoder",
  id: "direct",
  version: 1,
  description: "Direct encoding: the analog image at every step, stem applied once (SNASNet)",
  config: DirectConfig,
  layer: () => Layer.succeed(Encoder.Encoder, direct())
}

/**
 * @since 0.1.0
 */
export const ratePlugin: Plugin.Plugin<"Encoder", RateConfig, typeof RateConfig.Encoded, Encoder.Encoder> = {
  kind: "Encoder",
  id: "rate",
  version: 1,
  description: "Rate encoding: Bernoulli spikes with probability = intensity at every step (seeded)",
  config: RateConfig,
  layer: (config) => Layer.succeed(Encoder.Encoder, rate(config))
}

/**
 * @since 0.1.0
 */
export const latencyPlugin: Plugin.Plugin<
  "Encoder",
  LatencyConfig,
  typeof LatencyConfig.Encoded,
  Encoder.Encoder
> = {
  kind: "Encoder",
  id: "latency",
  version: 1,
  description:
    "Latency encoding: one spike per positive input, linear time-to-first-spike (brighter is earlier)",
  config: LatencyConfig,
  layer: (config) => Layer.succeed(Encoder.Encoder, latency(config))
}

/**
 * Every encoder plugin of this package.
 *
 * @since 0.1.0
 */
export const encoderPlugins = [directPlugin, ratePlugin, latencyPlugin] as const
