import { assert, describe, it } from "@effect/vitest"
import { Architecture, DeploymentMemory } from "@spikernel/core"
import { Effect, Option } from "effect"
import { cellPeakMaps, deployedMemory, memoryAtBits, peakActivationValues } from "../src/DeployedMemory.ts"
import { type NetworkConfig, presets } from "../src/NetworkConfig.ts"
import { paramCount } from "../src/ParamCount.ts"

const parse = (text: string, cellType: "forward" | "backward" = "backward", kernels = [1, 3]) =>
  Effect.runSync(Architecture.parseArchitecture(text, { cellType, kernels }))

/** The hand count of one architecture: element counts from the layer shapes. */
interface HandCount {
  /** Conv and linear weight elements. */
  readonly weights: number
  /** Output channels of every conv and linear weight (one fp32 scale each at 8 and 4 bits). */
  readonly outputChannels: number
  /** BN values as shipped: folded biases + 2 per channel of the BNs in front of a LIF. */
  readonly batchNormValues: number
  readonly classifierBias: number
  readonly membranes: number
  readonly spikeBytes: number
  readonly feedback: number
  readonly peakValues: number
}

const expected = (hand: HandCount, bits: 32 | 16 | 8 | 4) => {
  const stateBits = bits === 32 ? 4 : 2 // bytes per state value: fp32, else 16-bit
  const weights = (hand.weights * bits) / 8
  const scales = bits <= 8 ? 4 * hand.outputChannels : 0
  const batchNorm = 4 * hand.batchNormValues
  const biases = 4 * hand.classifierBias
  const membranes = stateBits * hand.membranes
  const feedback = stateBits * hand.feedback
  const peakActivation = stateBits * hand.peakValues
  const parameters = weights + scales + batchNorm + biases
  const runtime = membranes + hand.spikeBytes + feedback + peakActivation
  return {
    weights,
    scales,
    batchNorm,
    biases,
    membranes,
    spikes: hand.spikeBytes,
    feedback,
    peakActivation,
    parameters,
    runtime,
    total: parameters + runtime
  }
}

const check = (arch: Architecture.Architecture, config: NetworkConfig, hand: HandCount) => {
  for (const bits of DeploymentMemory.weightBitsList) {
    const { weightBits, stateBits, ...figures } = memoryAtBits(arch, config, bits)
    assert.strictEqual(weightBits, bits)
    assert.strictEqual(stateBits, bits === 32 ? 32 : 16)
    assert.deepStrictEqual(figures, expected(hand, bits), `at ${bits} bits`)
  }
}

describe("memory at a bit-width", () => {
  it.effect("CIFAR-100, the README's 0302 0030 3003 0000 (backward, {1,3}): every figure by hand", () =>
    Effect.sync(() => {
      const arch = parse("0302 0030 3003 0000")
      // C1 = 128, C2 = 256, H0 = 32, H1 = 16, S = 8, Hfc = 1024, n_out = 100 × 5.
      // Per cell: forward 0→1 3×3, 1→2 3×3, 2→3 3×3, 0→3 1×1; backward 2→0 3×3: 4·9 + 1 = 37 k².
      const map1 = 128 * 32 * 32
      const map2 = 256 * 16 * 16
      const hand: HandCount = {
        weights:
          9 * 3 * 128 + // stem
          37 * 128 * 128 + // cell1
          9 * 128 * 256 + // downconv1.2
          37 * 256 * 256 + // cell2
          256 * 8 * 8 * 1024 + // classifier.1
          1024 * 500, // classifier.3
        outputChannels: 128 + 5 * 128 + 256 + 5 * 256 + 1024 + 500,
        // folded after stem, 5 cell-1 convs, downconv1.2, 5 cell-2 convs; scale+shift at downconv1.0, last_act.0
        batchNormValues: 128 + 5 * 128 + 256 + 5 * 256 + 2 * 128 + 2 * 256,
        classifierBias: 500,
        // 5 conv LIFs + downconv1.1 at map1, 5 conv LIFs + last_act.1 at map2, classifier.2
        membranes: 6 * map1 + 6 * map2 + 1024,
        spikeBytes: (6 * map1) / 8 + (6 * map2) / 8 + 1024 / 8,
        // one feedback buffer (node 0, fed by 2→0) per cell
        feedback: map1 + map2,
        // cell 1: static + three live node maps (nodes 0, 1, 2 while 1→2 runs)
        peakValues: map1 + 3 * map1
      }
      check(arch, presets.cifar100, hand)
      // The weights plus BN γ/β plus the bias are the official parameter count (METHOD.md §7.1).
      const bn = 2 * (128 + 5 * 128 + 128 + 256 + 5 * 256 + 256)
      assert.strictEqual(hand.weights + bn + 500, 20_624_500)
      assert.strictEqual(paramCount(arch, presets.cifar100).total, 20_624_500)
    })
  )

  it.effect("Fashion-MNIST, the CIFAR-10 README cell 0303 0030 2002 0200 (backward, {1,3}): by hand", () =>
    Effect.sync(() => {
      const arch = parse("0303 0030 2002 0200")
      // C1 = 32, C2 = 64, H0 = 28, H1 = 14, S = 7, Hfc = 256, n_out = 10 × 10.
      // Per cell: 0→1, 1→2, 0→3 3×3; 2→3, 2→0, 3→1 1×1: 3·9 + 3·1 = 30 k².
      const map1 = 32 * 28 * 28
      const map2 = 64 * 14 * 14
      const hand: HandCount = {
        weights: 9 * 1 * 32 + 30 * 32 * 32 + 9 * 32 * 64 + 30 * 64 * 64 + 64 * 7 * 7 * 256 + 256 * 100,
        outputChannels: 32 + 6 * 32 + 64 + 6 * 64 + 256 + 100,
        batchNormValues: 32 + 6 * 32 + 64 + 6 * 64 + 2 * 32 + 2 * 64,
        classifierBias: 100,
        membranes: 7 * map1 + 7 * map2 + 256,
        spikeBytes: (7 * map1) / 8 + (7 * map2) / 8 + 256 / 8,
        // nodes 0 (2→0) and 1 (3→1) are fed back: two buffers per cell
        feedback: 2 * (map1 + map2),
        peakValues: map1 + 3 * map1
      }
      check(arch, presets["fashion-mnist"], hand)
    })
  )

  it.effect("4-bit weights are packed per tensor, rounding each odd-sized tensor up to a byte", () =>
    Effect.sync(() => {
      const arch = parse("0302 0030 3003 0000")
      // C1 = 3, C2 = 5: the stem has 9·1·3 = 27 weights (14 bytes at 4 bits, not 13.5).
      const config = { ...presets["fashion-mnist"], widths: [3, 5] as const }
      const at4 = memoryAtBits(arch, config, 4)
      const tensors = [9 * 1 * 3, 9 * 3 * 3, 1 * 3 * 3, 9 * 3 * 3, 9 * 3 * 3, 9 * 3 * 3, 9 * 3 * 5]
      const cell2 = [9 * 25, 1 * 25, 9 * 25, 9 * 25, 9 * 25]
      const linears = [5 * 7 * 7 * 256, 256 * 100]
      const bytes = [...tensors, ...cell2, ...linears].reduce((sum, n) => sum + Math.ceil(n / 2), 0)
      assert.strictEqual(at4.weights, bytes)
    })
  )
})

describe("peak activation memory", () => {
  it.effect("a small forward cell, counted op by op: the downconv's maps are the peak", () =>
    Effect.sync(() => {
      // 0→1 skip, 0→3 avg-pool, 1→3 skip.
      const arch = parse("0104 0001 0000 0000", "forward")
      const config: NetworkConfig = {
        inputSize: 8,
        inputChannels: 1,
        widths: [2, 8],
        stemStride: 1,
        secondPool: 2,
        hidden: 4,
        classes: 2,
        groupSize: 1,
        dropout: 0.5
      }
      // Cell schedule: t0 0→1, t1 0→3, t2 1→3. Node 0 lives [t0, t1], node 1 [t0, t2], node 3 [t1, t2].
      // Cell 1 keeps the stem's output as node 0 (no feedback): at most nodes 1 and 3, 2 maps.
      assert.strictEqual(cellPeakMaps(arch, true), 2)
      // Cell 2's node 0 is its own input map: nodes 0, 1 and 3 at t1, 3 maps.
      assert.strictEqual(cellPeakMaps(arch, false), 3)
      const map1 = 2 * 8 * 8 // C1·H0² = 128
      const map2 = 8 * 4 * 4 // C2·H1² = 128
      const moments = [
        1 * 8 * 8 + map1, // stem: image + static = 192
        map1 + 2 * map1, // cell 1 = 384
        map1 + 8 * 8 * 8 + map2, // downconv: static + conv output (C2·H0²) + pooled = 768
        map1 + 3 * map2, // cell 2 = 512
        map1 + 8 * 2 * 2 + 4, // classifier.1: static + pooled spikes (C2·S²) + hidden = 164
        map1 + 2 // classifier.3: static + outputs = 130
      ]
      assert.strictEqual(peakActivationValues(arch, config), 768)
      assert.strictEqual(Math.max(...moments), 768)
      assert.strictEqual(memoryAtBits(arch, config, 32).peakActivation, 768 * 4)
      assert.strictEqual(memoryAtBits(arch, config, 8).peakActivation, 768 * 2)
    })
  )

  it.effect("a feedback buffer on node 0 gives cell 1 a map of its own (static must survive)", () =>
    Effect.sync(() => {
      // The README cell: 2→0 feeds node 0, so e0 = static + F0 is a new map in cell 1.
      const arch = parse("0302 0030 3003 0000")
      assert.strictEqual(cellPeakMaps(arch, true), 3)
      const noFeedback = parse("0302 0030 0003 0000")
      // Without 2→0, e0 is static itself: nodes 1 and 2 (t1), or 2 and 3 (t2, t3), at most 2 maps.
      assert.strictEqual(cellPeakMaps(noFeedback, true), 2)
      assert.strictEqual(cellPeakMaps(noFeedback, false), 3)
    })
  )
})

describe("the record", () => {
  it.effect("survives a score's flat details and refuses a partial set", () =>
    Effect.sync(() => {
      const memory = deployedMemory(parse("0303 0030 2002 0200"), presets["fashion-mnist"])
      const details = DeploymentMemory.toDetails(memory)
      assert.deepStrictEqual(Option.getOrThrow(DeploymentMemory.fromDetails(details)), memory)
      const { "memory.8.total": _dropped, ...partial } = details
      assert.isTrue(Option.isNone(DeploymentMemory.fromDetails(partial)))
      assert.isTrue(Option.isNone(DeploymentMemory.fromDetails({ ...details, "memory.4.total": -1 })))
    })
  )
})
