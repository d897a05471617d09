/**
 * The parameter and memory model, computed from the weight list without building tensors.
 *
 * Parameters are counted as the official code's `sum(p.numel())`: conv and linear weights, the
 * classifier's bias, and BatchNorm γ and β; BN running statistics and the zero op's constant are not
 * parameters (METHOD.md §6.5, §7.1). Memory = parameters × bits / 8 (FP32 by default).
 *
 * The second figure is the state one inference keeps per sample while it runs: every LIF's
 * membrane and its spikes, and the feedback buffers F0..F2 of backward cells (one per node that a
 * non-zero backward edge writes into). Membranes and buffers take `bits` each; spikes take 1 bit.
 *
 * @since 0.1.0
 */
import { Architecture } from "@spikernel/core"
import { geometry, type NetworkConfig } from "./NetworkConfig.ts"
import { convSlots, type ModuleName, moduleNames, specSize, weightSpecs } from "./WeightSpecs.ts"

/**
 * A parameter count with the per-module split.
 *
 * @since 0.1.0
 */
export interface ParamCount {
  readonly total: number
  readonly modules: Readonly<Record<ModuleName, number>>
}

/**
 * The trainable parameters of the network an architecture and configuration build.
 *
 * @since 0.1.0
 */
export const paramCount = (arch: Architecture.Architecture, config: NetworkConfig): ParamCount => {
  const modules = Object.fromEntries(moduleNames.map((m) => [m, 0])) as Record<ModuleName, number>
  let total = 0
  for (const spec of weightSpecs(arch, config)) {
    if (!spec.trainable) continue
    modules[spec.module] += specSize(spec)
    total += specSize(spec)
  }
  return { total, modules }
}

/**
 * The per-sample inference state.
 *
 * @since 0.1.0
 */
export interface InferenceState {
  /** LIF membrane values (one per neuron of every LIF layer). */
  readonly membranes: number
  /** Spikes (as many as membranes; one bit each). */
  readonly spikes: number
  /** Feedback buffer values of backward cells. */
  readonly feedback: number
  /** (membranes + feedback)·bits/8 + spikes/8. */
  readonly bytes: number
}

/**
 * The memory figures of an architecture.
 *
 * @since 0.1.0
 */
export interface MemoryEstimate {
  readonly params: number
  readonly bits: number
  /** params × bits / 8. */
  readonly bytes: number
  /** bytes / 2²⁰. */
  readonly mebibytes: number
  readonly modules: Readonly<Record<ModuleName, number>>
  readonly state: InferenceState
}

/**
 * The per-sample inference state of an architecture.
 *
 * @since 0.1.0
 */
export const inferenceState = (
  arch: Architecture.Architecture,
  config: NetworkConfig,
  bits: number
): InferenceState => {
  const [c1, c2] = config.widths
  const g = geometry(config)
  const map1 = c1 * g.h0 * g.h0
  const map2 = c2 * g.h1 * g.h1
  const membranes =
    convSlots(arch, "cell1").length * map1 +
    map1 /* downconv1.1 */ +
    convSlots(arch, "cell2").length * map2 +
    map2 /* last_act.1 */ +
    config.hidden /* classifier.2 */
  let buffers = 0
  if (arch.cellType === "backward") {
    for (let node = 0; node < Architecture.nodeCount - 1; node++) {
      const fed = Architecture.backwardEdges.some(([j, i]) => i === node && arch.matrix[j][i] !== 0)
      if (fed) buffers++
    }
  }
  const feedback = buffers * (map1 + map2)
  return {
    membranes,
    spikes: membranes,
    feedback,
    bytes: ((membranes + feedback) * bits) / 8 + membranes / 8
  }
}

/**
 * Parameters, their bytes at `bits` per weight (32, 16 or 8), and the per-sample inference state.
 *
 * @since 0.1.0
 */
export const memoryEstimate = (
  arch: Architecture.Architecture,
  config: NetworkConfig,
  bits = 32
): MemoryEstimate => {
  const count = paramCount(arch, config)
  const bytes = (count.total * bits) / 8
  return {
    params: count.total,
    bits,
    bytes,
    mebibytes: bytes / 2 ** 20,
    modules: count.modules,
    state: inferenceState(arch, config, bits)
  }
}

/**
 * The multiply-accumulates of one timestep of one sample if every activation were dense (the
 * "FLOPs" proxy of the zero-cost-proxy literature, counted as MACs): the stem, every cell conv, the
 * downconv (run before its pool, METHOD.md §1) and the two linears. Skip, pool and BN are not MACs.
 * Spikes make the real synaptic operations fewer; this is the upper bound a dense accelerator pays.
 *
 * @since 0.1.0
 */
export const macsPerTimestep = (arch: Architecture.Architecture, config: NetworkConfig): number => {
  const [c1, c2] = config.widths
  const g = geometry(config)
  const cell = (name: "cell1" | "cell2", c: number, h: number): number =>
    convSlots(arch, name).reduce((sum, slot) => sum + slot.kernel * slot.kernel * c * c * h * h, 0)
  return (
    9 * config.inputChannels * c1 * g.h0 * g.h0 +
    cell("cell1", c1, g.h0) +
    9 * c1 * c2 * g.h0 * g.h0 +
    cell("cell2", c2, g.h1) +
    g.features * config.hidden +
    config.hidden * g.outputs
  )
}
