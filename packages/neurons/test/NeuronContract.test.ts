/**
 * Every neuron plugin of this package against the NeuronModel contract of `@spikernel/testing`: the
 * defaults (SNASNet's LIF, IF, PLIF) on the cpu backend (the fused kernel) and LIF on wasm, plus a
 * soft-reset LIF, an attached reset and the tf-ops form of the LIF.
 */
import { Layer } from "effect"
import { NeuronModel } from "@spikernel/core"
import { Backend } from "@spikernel/tensor"
import { neuronContract } from "@spikernel/testing"
import { lif, snasnetLif } from "../src/Lif.ts"
import { defaultConfigs, ifPlugin, lifPlugin, plifPlugin } from "../src/NeuronPlugins.ts"

neuronContract("lif (SNASNet)", {
  layer: lifPlugin.layer(defaultConfigs.lif),
  id: "lif",
  threshold: 1,
  reset: "hard"
})

neuronContract("lif (SNASNet, wasm)", {
  layer: lifPlugin.layer(defaultConfigs.lif),
  id: "lif",
  threshold: 1,
  reset: "hard",
  backend: Backend.layerWasm(1)
})

neuronContract("lif (tf ops, not fused)", {
  layer: Layer.succeed(NeuronModel.NeuronModel, lif(snasnetLif, { fused: false })),
  id: "lif",
  threshold: 1,
  reset: "hard"
})

neuronContract("lif (soft reset, θ = 0.5, τ = 2, attached reset, sigmoid)", {
  layer: lifPlugin.layer({
    tau: 2,
    threshold: 0.5,
    reset: "soft",
    detachReset: false,
    surrogate: { kind: "sigmoid", alpha: 4 }
  }),
  id: "lif",
  threshold: 0.5,
  reset: "soft"
})

neuronContract("if", { layer: ifPlugin.layer(defaultConfigs.if), id: "if", threshold: 1, reset: "hard" })

neuronContract("if (soft reset, θ = 2)", {
  layer: ifPlugin.layer({ ...defaultConfigs.if, threshold: 2, reset: "soft" }),
  id: "if",
  threshold: 2,
  reset: "soft"
})

neuronContract("plif", {
  layer: plifPlugin.layer(defaultConfigs.plif),
  id: "plif",
  threshold: 1,
  reset: "hard"
})

neuronContract("plif (τ₀ = 3, soft reset)", {
  layer: plifPlugin.layer({ ...defaultConfigs.plif, initialTau: 3, reset: "soft" }),
  id: "plif",
  threshold: 1,
  reset: "soft"
})
