/**
 * One timestep of a SNASNet cell (METHOD.md §1.2), forward or backward type:
 *
 * ```
 * e0 = x_in + F0
 * x1 = f01(e0);                 e1 = x1 + F1
 * x2 = f02(e0) + f12(e1);       e2 = x2 + F2
 * x3 = f03(e0) + f13(e1) + f23(e2)
 * F0 <- b10(e1) + b20(e2) + b30(x3)      (with the old F1, F2 inside e1, e2)
 * F1 <- b21(e2) + b31(x3)
 * F2 <- b32(x3)
 * return x3
 * ```
 *
 * The feedback buffers are `undefined` for zero (at t = 1, and for nodes no backward edge feeds), so
 * a forward cell is the same code with no buffers. A zero op contributes nothing and is skipped (its
 * output is exactly 0); skip and pool ops of a zero node are zero too, but a conv op of a zero node
 * still runs: its LIF fires its hook and its BatchNorm outputs β.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { Architecture, KernelSet } from "@spikernel/core"

/**
 * The feedback buffers F0, F1, F2 (undefined = 0).
 *
 * @since 0.1.0
 */
export type Feedback = readonly [tf.Tensor4D | undefined, tf.Tensor4D | undefined, tf.Tensor4D | undefined]

/**
 * Buffers at the start of a batch.
 *
 * @since 0.1.0
 */
export const noFeedback: Feedback = [undefined, undefined, undefined]

/**
 * What a cell step needs from the network: its architecture, the conv op (LIF → conv → BN, with
 * the LIF's state and hook handled by the caller) and the 3×3 average pool.
 *
 * @since 0.1.0
 */
export interface CellOps {
  readonly arch: Architecture.Architecture
  /** The module prefix of the cell: `cell1` or `cell2`. */
  readonly cell: "cell1" | "cell2"
  readonly conv: (slotPrefix: string, kernel: number, input: tf.Tensor4D) => tf.Tensor4D
  readonly pool: (input: tf.Tensor4D) => tf.Tensor4D
}

const sum = (values: ReadonlyArray<tf.Tensor4D>): tf.Tensor4D | undefined =>
  values.length === 0
    ? undefined
    : values.length === 1
      ? values[0]
      : (tf.addN(values as Array<tf.Tensor4D>) as tf.Tensor4D)

const plus = (a: tf.Tensor4D | undefined, b: tf.Tensor4D | undefined): tf.Tensor4D | undefined =>
  a === undefined ? b : b === undefined ? a : tf.add(a, b)

/**
 * Runs one timestep of a cell; returns its output and the buffers for the next step.
 *
 * @since 0.1.0
 */
export const cellStep = (
  ops: CellOps,
  input: tf.Tensor4D,
  feedback: Feedback
): { readonly output: tf.Tensor4D; readonly feedback: Feedback } => {
  const { arch, cell } = ops
  const pool = KernelSet.avgPoolOp(arch.kernels)
  let zeros: tf.Tensor4D | undefined
  const zero = (): tf.Tensor4D => {
    zeros ??= tf.zerosLike(input)
    return zeros
  }
  const apply = (op: number, slotPrefix: string, value: tf.Tensor4D | undefined): tf.Tensor4D | undefined => {
    if (op === 0) return undefined
    if (op === 1) return value
    if (op === pool) return value === undefined ? undefined : ops.pool(value)
    return ops.conv(slotPrefix, KernelSet.kernelOfOp(arch.kernels, op) as number, value ?? zero())
  }
  // node values: x[j] (sum of incoming forward ops), e[j] = x[j] + F_j
  const x: Array<tf.Tensor4D | undefined> = [input, undefined, undefined, undefined]
  const e: Array<tf.Tensor4D | undefined> = [plus(input, feedback[0]), undefined, undefined, undefined]
  let incoming: Array<tf.Tensor4D> = []
  let node = 1
  const close = () => {
    x[node] = sum(incoming)
    if (node < 3) e[node] = plus(x[node], feedback[node])
    incoming = []
  }
  Architecture.forwardEdges.forEach(([i, j], f) => {
    if (j !== node) {
      close()
      node = j
    }
    const out = apply(arch.matrix[i][j], `${cell}.cell_architecture.${f}`, e[i])
    if (out !== undefined) incoming.push(out)
  })
  close()
  if (arch.cellType === "forward") return { output: x[3] ?? zero(), feedback: noFeedback }
  const next: [Array<tf.Tensor4D>, Array<tf.Tensor4D>, Array<tf.Tensor4D>] = [[], [], []]
  Architecture.backwardEdges.forEach(([j, i], b) => {
    const source = j === 3 ? x[3] : e[j]
    const out = apply(arch.matrix[j][i], `${cell}.cell_architecture_back.${b}`, source)
    if (out !== undefined) next[i].push(out)
  })
  return { output: x[3] ?? zero(), feedback: [sum(next[0]), sum(next[1]), sum(next[2])] }
}
