/**
 * Picking a model for a device with the real memory model: the same budget in bytes picks a
 * different model at 32-bit and at 8-bit weights.
 */
import { assert, describe, it } from "@effect/vitest"
import { Architecture, DeploymentMemory, type Selector } from "@spikernel/core"
import { paretoFront, selectBestUnderBudget } from "@spikernel/selectors"
import { DeployedMemory, NetworkConfig, ParamCount } from "@spikernel/spaces"
import { Effect } from "effect"

const parse = (kernels: ReadonlyArray<number>) =>
  Effect.runSync(Architecture.parseArchitecture("0302 0030 3003 0000", { cellType: "backward", kernels }))

// Fashion-MNIST's skeleton at widths 8/16 with a 64-wide classifier.
const config: NetworkConfig.NetworkConfig = {
  ...NetworkConfig.presets["fashion-mnist"],
  widths: [8, 16],
  hidden: 64
}

const item = (id: string, kernels: ReadonlyArray<number>, metric: number): Selector.SelectionItem => {
  const architecture = parse(kernels)
  const memory = ParamCount.memoryEstimate(architecture, config)
  return {
    id,
    architecture,
    metric,
    params: memory.params,
    bytes: memory.bytes,
    memory: DeployedMemory.deployedMemory(architecture, config)
  }
}

describe("a budget at a weight bit-width, on real networks", () => {
  // The {1,7} cell is the more accurate (say) and the larger: its 3×3 convolutions are 7×7.
  const small = item("k13", [1, 3], 0.8)
  const large = item("k17", [1, 7], 0.85)

  it("picks the small model at 32 bits and the large one at 8, under the same 700,000 bytes", () => {
    const total = (x: Selector.SelectionItem, bits: DeploymentMemory.WeightBits) =>
      DeploymentMemory.at(x.memory!, bits).total
    // The figures the choice rests on (from the layer shapes; DeployedMemory.test.ts checks the model).
    assert.strictEqual(total(small, 32), 650_824)
    assert.strictEqual(total(large, 32), 855_624)
    assert.strictEqual(total(small, 8), 261_120)
    assert.strictEqual(total(large, 8), 312_320)
    const at32 = selectBestUnderBudget({ maxBytes: 700_000, weightBits: 32 }, [small, large])
    const at8 = selectBestUnderBudget({ maxBytes: 700_000, weightBits: 8 }, [small, large])
    assert.deepStrictEqual(
      at32.selected.map((x) => x.id),
      ["k13"]
    )
    assert.deepStrictEqual(
      at8.selected.map((x) => x.id),
      ["k17"]
    )
    // The FP32 weights alone (the budget without weightBits) are params × 4: both under 700,000.
    assert.isBelow(large.bytes, 700_000)
    assert.deepStrictEqual(
      selectBestUnderBudget({ maxBytes: 700_000 }, [small, large]).selected.map((x) => x.id),
      ["k17"]
    )
    // Both are on the front either way: the larger one is the more accurate.
    assert.strictEqual(paretoFront({ memory: "bytes", weightBits: 8 }, [small, large]).selected.length, 2)
  })
})
