/**
 * Kernel sets: the convolution sizes a SpiKernel search space offers.
 *
 * SNASNet's space is the set {1, 3}; SpiKernel's are pairs of {1, 3, 5, 7} such as {1, 5} or {3, 7}
 * (METHOD.md §6.3). The order is meaningful: kernel `kernels[i]` is op index `2 + i`, so the op list
 * is `[zero, skip, conv k₀, conv k₁, …, avgpool3]`.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "./Errors.ts"

/**
 * The first problem with a kernel set, or `undefined` when it is valid.
 *
 * @since 0.1.0
 */
export const kernelSetProblem = (kernels: ReadonlyArray<number>): string | undefined => {
  if (kernels.length === 0) return "a kernel set needs at least one kernel size"
  for (const k of kernels) {
    if (!Number.isInteger(k) || k <= 0) return `kernel size ${k} is not a positive integer`
    if (k % 2 === 0)
      return `kernel size ${k} is even; only odd sizes keep the feature map size with padding ⌊k/2⌋`
  }
  const seen = new Set<number>()
  for (const k of kernels) {
    if (seen.has(k)) return `kernel size ${k} appears twice in [${kernels.join(",")}]`
    seen.add(k)
  }
  return undefined
}

/**
 * A kernel set: distinct odd positive sizes, in op order.
 *
 * @since 0.1.0
 */
export const KernelSet = Schema.Array(Schema.Int).check(
  Schema.makeFilter((kernels: ReadonlyArray<number>) => kernelSetProblem(kernels))
)

/**
 * @since 0.1.0
 */
export type KernelSet = typeof KernelSet.Type

/**
 * SNASNet's own set: op 2 is a 1×1 conv and op 3 a 3×3 conv.
 *
 * @since 0.1.0
 */
export const snasnetKernels: KernelSet = [1, 3]

/**
 * The six pair sets of SpiKernel (METHOD.md §6.3), {1,3} first as the baseline.
 *
 * @since 0.1.0
 */
export const spikernelPairs: ReadonlyArray<KernelSet> = [
  [1, 3],
  [1, 5],
  [1, 7],
  [3, 5],
  [3, 7],
  [5, 7]
]

/**
 * Parses `"1,3"` (as written on the command line) into a kernel set.
 *
 * @since 0.1.0
 */
export const parseKernelSet = (text: string, source = "--kernels"): Effect.Effect<KernelSet, ConfigError> => {
  const parts = text.split(",").map((part) => part.trim())
  const kernels: Array<number> = []
  for (const part of parts) {
    if (!/^-?\d+$/.test(part)) {
      return Effect.fail(
        new ConfigError({ source, reason: `"${part}" in "${text}" is not an integer kernel size` })
      )
    }
    kernels.push(Number(part))
  }
  const problem = kernelSetProblem(kernels)
  return problem === undefined
    ? Effect.succeed(kernels)
    : Effect.fail(new ConfigError({ source, reason: problem }))
}

/**
 * The op names of a kernel set's space, by op index.
 *
 * @since 0.1.0
 */
export const opNames = (kernels: KernelSet): ReadonlyArray<string> => [
  "zero",
  "skip",
  ...kernels.map((k) => `conv${k}x${k}`),
  "avgpool3x3"
]

/**
 * The number of op indices of a kernel set's space (`3 + |set|`).
 *
 * @since 0.1.0
 */
export const opCount = (kernels: KernelSet): number => kernels.length + 3

/**
 * The kernel size of op index `op`, or `undefined` when `op` is not a convolution.
 *
 * @since 0.1.0
 */
export const kernelOfOp = (kernels: KernelSet, op: number): number | undefined =>
  op >= 2 && op < 2 + kernels.length ? kernels[op - 2] : undefined

/**
 * The op index of the 3×3 average pool in a kernel set's space.
 *
 * @since 0.1.0
 */
export const avgPoolOp = (kernels: KernelSet): number => 2 + kernels.length
