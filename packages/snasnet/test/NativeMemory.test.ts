/**
 * The wasm-heap planners with oneDNN's kernels (issue 14): training's micro-batch planner and the SAHD
 * scorer's forward check both measure the peak tensor bytes of real steps with whatever kernels are
 * registered. oneDNN's scratch memory is outside the wasm heap and its kernels allocate only their
 * outputs there, so a step needs no more heap than with the wasm compositions (which allocate
 * transposed copies): a plan made with either set fits with native kernels, and training with native
 * kernels at its own plan's micro-batch stays within the plan.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Network, NetworkConfig } from "@spikernel/spaces"
import { Backend, loadOnednn, measurePeakBytes } from "@spikernel/tensor"
import { MemoryPlan, batchGradients } from "@spikernel/training"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { trainableNetwork } from "../src/TrainableNetwork.ts"

const available = loadOnednn()._tag === "Loaded"

const arch = Effect.runSync(
  Architecture.parseArchitecture("0302 0030 3003 0000", { cellType: "backward", kernels: [1, 3] })
)

/** The plan of a 32×32×3 network at widths 8/16, T = 2, batch 16, and one step's peak at its micro-batch. */
const planAndStep = Effect.gen(function* () {
  const preset = yield* NetworkConfig.presetFor("cifar10", "test")
  const network = yield* NetworkConfig.withOverrides(preset, { widths: [8, 16] }, "test")
  const net = Network.buildNetwork(arch, network, { neuron: Lif.lif(), seed: 0 })
  yield* Effect.addFinalizer(() => Effect.sync(net.dispose))
  const model = trainableNetwork(net)
  const plan = yield* MemoryPlan.plan({
    model,
    backend: "wasm",
    imageShape: [32, 32, 3],
    timesteps: 2,
    batchSize: 16,
    optimizerBuffers: 1,
    headroom: 0.2
  })
  const micro = plan.microBatch
  const images = new Float32Array(micro * 32 * 32 * 3).map((_, i) => Math.sin(i))
  const peak = yield* Effect.promise(() =>
    measurePeakBytes(() => {
      const { grads } = batchGradients({
        model,
        batch: {
          size: micro,
          imageShape: [32, 32, 3],
          images,
          labels: Int32Array.from({ length: micro }, (_, i) => i % 10),
          indices: Int32Array.from({ length: micro }, (_, i) => i)
        },
        microBatch: micro,
        timesteps: 2,
        dropoutKey: () => ({ seed: 0, index: 0 })
      })
      tf.dispose([...grads.values()])
      return []
    })
  )
  return { plan, peak, micro }
}).pipe(Effect.scoped)

describe.skipIf(!available)("memory planning with the oneDNN kernels", () => {
  it.live(
    "per-sample and fixed heap bytes are no larger than with the wasm kernels; a native step fits its plan",
    () =>
      Effect.gen(function* () {
        const wasm = yield* planAndStep.pipe(
          Effect.provide(Backend.layer({ backend: "wasm", kernels: "wasm" }))
        )
        const native = yield* planAndStep.pipe(
          Effect.provide(Backend.layer({ backend: "wasm", kernels: "native" }))
        )
        expect(native.plan.measured).toBe(true)
        expect(native.plan.bytesPerSample).toBeLessThanOrEqual(wasm.plan.bytesPerSample)
        expect(native.plan.fixedBytes).toBeLessThanOrEqual(wasm.plan.fixedBytes)
        // The planner's model (fixed + micro × per-sample) covers a real native step's peak.
        const predicted = native.plan.fixedBytes + native.micro * native.plan.bytesPerSample
        expect(native.peak).toBeLessThanOrEqual(predicted)
      }),
    300_000
  )
})
