/**
 * The memory model at the bit-width that ships (issue 19), from the layer shapes alone (no tensors):
 * weights at 32/16/8/4 bits with per-output-channel scales at 8 and 4 bits, BatchNorm folded as it
 * ships, the neuron state and spike buffers of one inference, and the peak activation memory of one
 * timestep. The record and its conventions are core's `DeploymentMemory` (read its module comment);
 * this computes it.
 *
 * Peak activation: one timestep's forward pass, batch 1, as a schedule of ops in network order
 * (METHOD.md §1.1, §1.2), with a feature map live from the op that first writes it until the last op
 * that reads it. Conv, pool and skip ops accumulate into their target node (no temporary per op);
 * a LIF turns its input into spikes (counted in `spikes`), after which the input is dead. Counted:
 * the stem's output (`static`, read by cell 1 at every step: live throughout), the input image while
 * the stem runs (the first step), each cell's node values, the downconv's pre-pool and pooled maps,
 * the pooled spikes that feed the classifier, the hidden layer and the output layer.
 *
 * @since 0.1.0
 */
import { Architecture, type DeploymentMemory } from "@spikernel/core"
import { geometry, type NetworkConfig } from "./NetworkConfig.ts"
import { inferenceState } from "./ParamCount.ts"
import { convSlots, specSize, weightSpecs } from "./WeightSpecs.ts"

/** BatchNorms in front of a LIF: nothing to fold them into, so they ship as a scale and a shift. */
const unfoldedBatchNorms: ReadonlyArray<string> = ["downconv1.0", "last_act.0"]

/**
 * The bits of a membrane, a feedback value and an analog activation at a weight bit-width: 32 at
 * 32-bit weights, 16 otherwise.
 *
 * @since 0.1.0
 */
export const stateBitsOf = (weightBits: DeploymentMemory.WeightBits): 32 | 16 => (weightBits === 32 ? 32 : 16)

/**
 * How many feature maps of one cell are live at once at most, in units of the cell's map (C·H·W),
 * besides what lives outside the cell. `inputKept`: the cell's input must outlive it (cell 1 reads
 * the stem's output at every timestep), so node 0 needs a map of its own when a feedback buffer is
 * added to it; otherwise node 0 is the input's map, updated in place.
 *
 * @since 0.1.0
 */
export const cellPeakMaps = (arch: Architecture.Architecture, inputKept: boolean): number => {
  const m = arch.matrix
  const backward = arch.cellType === "backward"
  const ops: Array<{ readonly from: number; readonly to: number; readonly forward: boolean }> = []
  for (const [i, j] of Architecture.forwardEdges)
    if (m[i][j] !== 0) ops.push({ from: i, to: j, forward: true })
  if (backward) {
    for (const [j, i] of Architecture.backwardEdges)
      if (m[j][i] !== 0) ops.push({ from: j, to: i, forward: false })
  }
  const fed = (k: number) => backward && Architecture.backwardEdges.some(([j, i]) => i === k && m[j][i] !== 0)
  const lastIndex = (test: (op: (typeof ops)[number]) => boolean) =>
    ops.reduce((last, op, t) => (test(op) ? t : last), -1)
  const firstIndex = (test: (op: (typeof ops)[number]) => boolean) => ops.findIndex(test)
  // Live interval [from, to] of each node's map, in op indices; node 3 is the output (to the end).
  const live: Array<{ readonly from: number; readonly to: number; readonly maps: number } | undefined> = []
  live.push({
    from: 0,
    to: lastIndex((op) => op.from === 0),
    maps: inputKept ? (fed(0) ? 1 : 0) : 1
  })
  for (const k of [1, 2, 3]) {
    const written = firstIndex((op) => op.forward && op.to === k)
    const read = firstIndex((op) => op.from === k)
    // A node no forward op writes is its feedback buffer alone, materialised before its first reader.
    const from = written >= 0 ? written : k < 3 && fed(k) ? read : -1
    if (from < 0) {
      live.push(undefined)
      continue
    }
    const to =
      k === 3
        ? ops.length - 1
        : Math.max(
            lastIndex((op) => op.from === k),
            lastIndex((op) => op.forward && op.to === k)
          )
    live.push({ from, to, maps: 1 })
  }
  let peak = 0
  for (let t = 0; t < Math.max(ops.length, 1); t++) {
    const maps = live.reduce(
      (sum, node) => sum + (node !== undefined && node.from <= t && t <= node.to ? node.maps : 0),
      0
    )
    peak = Math.max(peak, maps)
  }
  return peak
}

/**
 * The analog values live at once at most in one timestep's forward pass, batch 1 (see the module
 * comment for the schedule).
 *
 * @since 0.1.0
 */
export const peakActivationValues = (arch: Architecture.Architecture, config: NetworkConfig): number => {
  const [c1, c2] = config.widths
  const g = geometry(config)
  const map1 = c1 * g.h0 * g.h0
  const map2 = c2 * g.h1 * g.h1
  const image = config.inputChannels * config.inputSize * config.inputSize
  const moments = [
    image + map1, // the stem: image → static
    map1 + cellPeakMaps(arch, true) * map1, // cell 1 on static
    map1 + c2 * g.h0 * g.h0 + map2, // downconv's conv output, pooled into cell 2's input
    map1 + cellPeakMaps(arch, false) * map2, // cell 2, node 0 in place in its input
    map1 + g.features + config.hidden, // classifier.1: pooled spikes → hidden
    map1 + g.outputs // classifier.3: hidden spikes → outputs
  ]
  return Math.max(...moments)
}

const packed = (elements: number, bits: number): number => Math.ceil((elements * bits) / 8)

/**
 * The memory of an architecture's network at one weight bit-width.
 *
 * @since 0.1.0
 */
export const memoryAtBits = (
  arch: Architecture.Architecture,
  config: NetworkConfig,
  weightBits: DeploymentMemory.WeightBits
): DeploymentMemory.MemoryAtBits => {
  const stateBits = stateBitsOf(weightBits)
  const quantised = weightBits <= 8
  let weights = 0
  let scales = 0
  let batchNorm = 0
  let biases = 0
  for (const spec of weightSpecs(arch, config)) {
    switch (spec.role) {
      case "conv":
      case "linear-weight": {
        weights += packed(specSize(spec), weightBits)
        // Output channels: the last axis in tfjs layout (HWIO, [in, out]).
        if (quantised) scales += 4 * spec.shape[spec.shape.length - 1]
        break
      }
      case "bn-bias": {
        const prefix = spec.name.slice(0, spec.name.lastIndexOf("."))
        // Folded: one bias per channel; in front of a LIF: a scale and a shift per channel.
        batchNorm += (unfoldedBatchNorms.includes(prefix) ? 2 : 1) * 4 * specSize(spec)
        break
      }
      case "linear-bias":
        biases += 4 * specSize(spec)
        break
      default:
        // γ is folded with β above; running statistics are folded away.
        break
    }
  }
  const [c1, c2] = config.widths
  const g = geometry(config)
  const state = inferenceState(arch, config, stateBits)
  const layers = [
    ...convSlots(arch, "cell1").map(() => c1 * g.h0 * g.h0),
    c1 * g.h0 * g.h0,
    ...convSlots(arch, "cell2").map(() => c2 * g.h1 * g.h1),
    c2 * g.h1 * g.h1,
    config.hidden
  ]
  const membranes = (state.membranes * stateBits) / 8
  const spikes = layers.reduce((sum, neurons) => sum + Math.ceil(neurons / 8), 0)
  const feedback = (state.feedback * stateBits) / 8
  const peakActivation = (peakActivationValues(arch, config) * stateBits) / 8
  const parameters = weights + scales + batchNorm + biases
  const runtime = membranes + spikes + feedback + peakActivation
  return {
    weightBits,
    stateBits,
    weights,
    scales,
    batchNorm,
    biases,
    membranes,
    spikes,
    feedback,
    peakActivation,
    parameters,
    runtime,
    total: parameters + runtime
  }
}

/**
 * The memory of an architecture's network at every weight bit-width.
 *
 * @since 0.1.0
 */
export const deployedMemory = (
  arch: Architecture.Architecture,
  config: NetworkConfig
): DeploymentMemory.DeploymentMemory => ({
  "32": memoryAtBits(arch, config, 32),
  "16": memoryAtBits(arch, config, 16),
  "8": memoryAtBits(arch, config, 8),
  "4": memoryAtBits(arch, config, 4)
})
