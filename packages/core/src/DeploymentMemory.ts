/**
 * The memory a network needs on a device at a weight bit-width (issue 19): the record the search
 * and evaluation records carry and the budgets read. `@spikernel/spaces` computes it from the
 * layer shapes (`DeployedMemory.deployedMemory`); this module only holds its Schema and the
 * conversions to and from a score's `details`.
 *
 * Conventions, in bytes:
 *
 * - `weights`: conv and linear weights at `weightBits` each, every tensor packed on its own
 *   (⌈elements · bits / 8⌉).
 * - `scales`: at 8 and 4 bits, one fp32 scale per output channel of every conv and linear weight
 *   (per-output-channel symmetric quantisation); 0 at 32 and 16 bits.
 * - `batchNorm`: BatchNorm as it ships. A BN right after a convolution is folded into it
 *   (w' = w·γ/√(σ²+ε), b' = β − γμ/√(σ²+ε)): one fp32 bias per output channel. A BN in front of a
 *   LIF (`downconv1.0`, `last_act.0`) has no convolution to fold into, so it ships as a per-channel
 *   fp32 scale and shift (2 per channel). Running statistics are gone after folding.
 * - `biases`: the classifier's output bias, fp32.
 * - `membranes`, `feedback`: the neuron state at inference — one membrane per LIF neuron and the
 *   backward cells' feedback buffers — at `stateBits` each (32 at 32-bit weights, 16 otherwise: a
 *   membrane or a sum of branches needs more range than 8 bits).
 * - `spikes`: one spike buffer per LIF layer, 1 bit per neuron (⌈neurons / 8⌉ per layer).
 * - `peakActivation`: the largest set of analog feature maps live at once in one forward pass of one
 *   timestep, batch 1, at `stateBits` (spikes and membranes are counted above, not here).
 * - `parameters` = weights + scales + batchNorm + biases (what is stored: flash);
 *   `runtime` = membranes + spikes + feedback + peakActivation (what one inference keeps: RAM);
 *   `total` = parameters + runtime (what a budget at a bit-width compares).
 *
 * @since 0.1.0
 */
import { Option, Schema } from "effect"

const Bytes = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * The weight bit-widths a model can ship at.
 *
 * @since 0.1.0
 */
export const WeightBits = Schema.Literals([32, 16, 8, 4])

/**
 * @since 0.1.0
 */
export type WeightBits = typeof WeightBits.Type

/**
 * Every bit-width, widest first.
 *
 * @since 0.1.0
 */
export const weightBitsList: ReadonlyArray<WeightBits> = [32, 16, 8, 4]

/**
 * The memory of a network at one weight bit-width (see the module comment for each figure).
 *
 * @since 0.1.0
 */
export const MemoryAtBits = Schema.Struct({
  weightBits: WeightBits,
  /** Bits per membrane, feedback value and analog activation. */
  stateBits: Schema.Literals([32, 16]),
  weights: Bytes,
  scales: Bytes,
  batchNorm: Bytes,
  biases: Bytes,
  membranes: Bytes,
  spikes: Bytes,
  feedback: Bytes,
  peakActivation: Bytes,
  parameters: Bytes,
  runtime: Bytes,
  total: Bytes
})

/**
 * @since 0.1.0
 */
export type MemoryAtBits = typeof MemoryAtBits.Type

/**
 * A network's memory at every bit-width.
 *
 * @since 0.1.0
 */
export const DeploymentMemory = Schema.Struct({
  "32": MemoryAtBits,
  "16": MemoryAtBits,
  "8": MemoryAtBits,
  "4": MemoryAtBits
})

/**
 * @since 0.1.0
 */
export type DeploymentMemory = typeof DeploymentMemory.Type

/**
 * The memory at one bit-width.
 *
 * @since 0.1.0
 */
export const at = (memory: DeploymentMemory, bits: WeightBits): MemoryAtBits => memory[`${bits}`]

const fields = Object.keys(MemoryAtBits.fields) as ReadonlyArray<keyof MemoryAtBits>

/**
 * The memory as a score's `details` entries, `memory.<bits>.<field>` (a score's details are flat
 * numbers).
 *
 * @since 0.1.0
 */
export const toDetails = (memory: DeploymentMemory): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const bits of weightBitsList) {
    const figures = at(memory, bits)
    for (const field of fields) {
      if (field !== "weightBits") out[`memory.${bits}.${field}`] = figures[field]
    }
  }
  return out
}

/**
 * The memory a score's `details` carry, if they carry all of it (decoded, so a partial or
 * malformed set is none rather than a guess).
 *
 * @since 0.1.0
 */
export const fromDetails = (details: Readonly<Record<string, number>>): Option.Option<DeploymentMemory> => {
  const out: Record<string, Record<string, number>> = {}
  for (const bits of weightBitsList) {
    const figures: Record<string, number> = { weightBits: bits }
    for (const field of fields) {
      if (field === "weightBits") continue
      const value = details[`memory.${bits}.${field}`]
      if (value === undefined) return Option.none()
      figures[field] = value
    }
    out[`${bits}`] = figures
  }
  return Schema.decodeUnknownOption(DeploymentMemory)(out)
}
