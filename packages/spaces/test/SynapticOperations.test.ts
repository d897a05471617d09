/**
 * Synaptic operations of one inference against a hand count from the layer shapes, and the energy
 * figures.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture } from "@spikernel/core"
import { Effect } from "effect"
import { NetworkConfig, SynapticOperations } from "../src/index.ts"

const arch = Effect.runSync(
  Architecture.parseArchitecture("0302 0030 3003 0000", { cellType: "backward", kernels: [1, 3] })
)
// Fashion-MNIST's preset at widths 4/8: 28×28 → 14×14, hidden 256, 10 classes × 10 neurons.
const config = { ...NetworkConfig.presets["fashion-mnist"], widths: [4, 8] as [number, number] }

// The cell's convolutions: forward 0→1 (slot 0) 3×3, 1→2 (slot 2) 3×3, 0→3 (slot 3) 1×1,
// 2→3 (slot 5) 3×3, and backward 2→0 (back slot 1) 3×3.
const cellLayers = (cell: string, neurons: number) =>
  [
    "cell_architecture.0",
    "cell_architecture.2",
    "cell_architecture.3",
    "cell_architecture.5",
    "cell_architecture_back.1"
  ].map((slot) => ({ layer: `${cell}.${slot}.0`, neurons, rate: 0.25 }))
const firingRates = [
  ...cellLayers("cell1", 4 * 28 * 28),
  { layer: "downconv1.1", neurons: 4 * 28 * 28, rate: 0.25 },
  ...cellLayers("cell2", 8 * 14 * 14),
  { layer: "last_act.1", neurons: 8 * 14 * 14, rate: 0.25 },
  { layer: "classifier.2", neurons: 256, rate: 0.25 }
]

describe("synaptic operations", () => {
  it("are spikes × fan-out per layer, and the stem's MACs once for a static input", () => {
    const ops = SynapticOperations.synapticOperations({
      arch,
      config,
      timesteps: 2,
      firingRates,
      staticInput: true
    })
    if ("unknown" in ops) throw new Error(ops.unknown)
    // Spikes per layer = 0.25 × neurons × 2 timesteps. Fan-out: a k×k conv to C channels is k²·C
    // (cell 1: four 3×3 and one 1×1 at C = 4: 4·36 + 4 = 148 in all; cell 2 at C = 8: 296); the
    // downconv's 3×3 to 8 channels 72; the last LIF to 256 hidden; the hidden LIF to 100 outputs.
    const hand = 0.5 * (3136 * 148 + 3136 * 72 + 1568 * 296 + 1568 * 256 + 256 * 100)
    expect(ops.synOps).toBe(hand)
    expect(ops.synOps).toBe(790_528)
    // The stem: 3×3 from 1 channel to 4 over 28×28.
    expect(ops.macs).toBe(9 * 1 * 4 * 784)
    expect(ops.layers.find((l) => l.layer === "cell1.cell_architecture.3.0")?.fanOut).toBe(4)
    const dynamic = SynapticOperations.synapticOperations({
      arch,
      config,
      timesteps: 2,
      firingRates,
      staticInput: false
    })
    expect("unknown" in dynamic ? 0 : dynamic.macs).toBe(2 * 9 * 4 * 784)
  })

  it("name a layer the network does not have", () => {
    const ops = SynapticOperations.synapticOperations({
      arch,
      config,
      timesteps: 1,
      firingRates: [{ layer: "cell1.cell_architecture.1.0", neurons: 1, rate: 1 }],
      staticInput: true
    })
    expect(ops).toEqual({ unknown: "cell1.cell_architecture.1.0" })
  })

  it("cost 0.9 pJ per accumulate and 4.6 pJ per multiply-accumulate at FP32 (45 nm)", () => {
    expect(SynapticOperations.energyMicrojoules({ synOps: 1e6, macs: 1e6 })).toBeCloseTo(5.5, 12)
    expect(
      SynapticOperations.energyMicrojoules({ synOps: 1e6, macs: 0 }, SynapticOperations.horowitz45nmInt8)
    ).toBeCloseTo(0.03, 12)
  })
})
