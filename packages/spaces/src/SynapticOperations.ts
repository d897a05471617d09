/**
 * Synaptic operations (SynOps) of one inference, from the measured spikes of each LIF layer: the
 * accumulates a spiking accelerator performs. A spike of a layer drives every synapse it fans out
 * to, once:
 *
 * - a cell convolution's LIF (`cell1.cell_architecture.3.0`) feeds that convolution: k·k·C synapses
 *   per spike (C channels out, the k×k kernel; a spike on the border reaches fewer outputs, which
 *   this counts as the interior does — the usual rate-based figure, an upper bound by the border);
 * - the downconv's LIF (`downconv1.1`) feeds the 3×3 convolution to C2 channels: 9·C2;
 * - the last LIF (`last_act.1`) feeds the classifier's first linear through the average pool (a
 *   pool folds into the linear's weights): `hidden` synapses per spike;
 * - the hidden LIF (`classifier.2`) feeds the output linear: `classes · groupSize` per spike.
 *
 * The stem convolution reads the analog image: its multiply-accumulates are counted as MACs, once
 * per inference when the input is static (direct encoding: the stem's output is the same every
 * timestep) and T times otherwise.
 *
 * Energy multiplies each count by an energy per operation; the defaults are Horowitz's 45 nm
 * figures (ISSCC 2014, "Computing's energy problem"): a 32-bit float add 0.9 pJ, a 32-bit float
 * multiply 3.7 pJ, so an accumulate 0.9 pJ and a multiply-accumulate 4.6 pJ; at 8-bit integers an add
 * is 0.03 pJ and a multiply 0.2 pJ. Memory access, which often dominates on real chips, is not in it.
 *
 * @since 0.1.0
 */
import type { Architecture } from "@spikernel/core"
import { geometry, type NetworkConfig } from "./NetworkConfig.ts"
import { convSlots } from "./WeightSpecs.ts"

/**
 * Synapses each spike of every LIF layer drives, by layer name.
 *
 * @since 0.1.0
 */
export const spikeFanOut = (
  arch: Architecture.Architecture,
  config: NetworkConfig
): ReadonlyMap<string, number> => {
  const [c1, c2] = config.widths
  const g = geometry(config)
  const fanOut = new Map<string, number>()
  for (const [cell, c] of [
    ["cell1", c1],
    ["cell2", c2]
  ] as const) {
    for (const slot of convSlots(arch, cell)) fanOut.set(`${slot.prefix}.0`, slot.kernel * slot.kernel * c)
  }
  fanOut.set("downconv1.1", 9 * c2)
  fanOut.set("last_act.1", config.hidden)
  fanOut.set("classifier.2", g.outputs)
  return fanOut
}

/**
 * The stem's multiply-accumulates for one timestep of one sample.
 *
 * @since 0.1.0
 */
export const stemMacs = (config: NetworkConfig): number => {
  const g = geometry(config)
  return 9 * config.inputChannels * config.widths[0] * g.h0 * g.h0
}

/**
 * One layer's part of the count.
 *
 * @since 0.1.0
 */
export interface LayerOperations {
  readonly layer: string
  /** Spikes of the layer per inference (all timesteps). */
  readonly spikes: number
  readonly fanOut: number
  readonly synOps: number
}

/**
 * Operations of one inference.
 *
 * @since 0.1.0
 */
export interface SynapticOperations {
  /** Accumulates driven by spikes, per inference. */
  readonly synOps: number
  /** The stem's multiply-accumulates per inference. */
  readonly macs: number
  readonly layers: ReadonlyArray<LayerOperations>
}

/**
 * SynOps from per-layer firing rates (spikes per neuron and timestep, as training and evaluation
 * measure them). A rate of a layer the network does not have is an error: `unknown` names it.
 *
 * @since 0.1.0
 */
export const synapticOperations = (options: {
  readonly arch: Architecture.Architecture
  readonly config: NetworkConfig
  readonly timesteps: number
  readonly firingRates: ReadonlyArray<{
    readonly layer: string
    readonly neurons: number
    readonly rate: number
  }>
  /** The input is the same every timestep (direct encoding): the stem runs once. */
  readonly staticInput: boolean
}): SynapticOperations | { readonly unknown: string } => {
  const fanOut = spikeFanOut(options.arch, options.config)
  const layers: Array<LayerOperations> = []
  for (const { layer, neurons, rate } of options.firingRates) {
    const out = fanOut.get(layer)
    if (out === undefined) return { unknown: layer }
    const spikes = rate * neurons * options.timesteps
    layers.push({ layer, spikes, fanOut: out, synOps: spikes * out })
  }
  return {
    synOps: layers.reduce((sum, layer) => sum + layer.synOps, 0),
    macs: stemMacs(options.config) * (options.staticInput ? 1 : options.timesteps),
    layers
  }
}

/**
 * Energies per operation, in picojoules, and where they come from.
 *
 * @since 0.1.0
 */
export interface OperationEnergies {
  readonly accumulate: number
  readonly multiplyAccumulate: number
  readonly source: string
}

/**
 * Horowitz, ISSCC 2014, 45 nm, 32-bit floating point: add 0.9 pJ, multiply 3.7 pJ.
 *
 * @since 0.1.0
 */
export const horowitz45nmFp32: OperationEnergies = {
  accumulate: 0.9,
  multiplyAccumulate: 4.6,
  source: "Horowitz, ISSCC 2014: 45 nm, 32-bit float add 0.9 pJ, multiply 3.7 pJ"
}

/**
 * The same source at 8-bit integers: add 0.03 pJ, multiply 0.2 pJ.
 *
 * @since 0.1.0
 */
export const horowitz45nmInt8: OperationEnergies = {
  accumulate: 0.03,
  multiplyAccumulate: 0.23,
  source: "Horowitz, ISSCC 2014: 45 nm, 8-bit integer add 0.03 pJ, multiply 0.2 pJ"
}

/**
 * Energy of one inference's operations, in microjoules.
 *
 * @since 0.1.0
 */
export const energyMicrojoules = (
  operations: { readonly synOps: number; readonly macs: number },
  energies: OperationEnergies = horowitz45nmFp32
): number => (operations.synOps * energies.accumulate + operations.macs * energies.multiplyAccumulate) / 1e6
