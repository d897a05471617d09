/**
 * Every encoder plugin of this package against the Encoder contract of `@spikernel/testing`, on the
 * cpu backend.
 */
import { encoderContract } from "@spikernel/testing"
import { directPlugin, latencyPlugin, ratePlugin } from "../src/EncoderPlugins.ts"

encoderContract("direct", { layer: directPlugin.layer({}), id: "direct", static: true })

encoderContract("rate (gain 1)", {
  layer: ratePlugin.layer({ gain: 1 }),
  id: "rate",
  static: false,
  stochastic: true
})

encoderContract("rate (gain 3)", {
  layer: ratePlugin.layer({ gain: 3 }),
  id: "rate",
  static: false,
  stochastic: true
})

encoderContract("latency (threshold 0)", {
  layer: latencyPlugin.layer({ threshold: 0 }),
  id: "latency",
  static: false
})

encoderContract("latency (threshold 0.3)", {
  layer: latencyPlugin.layer({ threshold: 0.3 }),
  id: "latency",
  static: false
})
