/**
 * The SNASNet cell space as the official sampler defines it (METHOD.md §1.4): raw draws, pruning,
 * acceptance, the canonical (pruned) form, one-pair mutation, and the exact enumeration of every
 * distinct cell the sampler can return.
 *
 * A raw draw sets each of the six node pairs (i < j) independently:
 * - forward cell: M[i][j] ~ U{0..n−1} (n = number of ops of the kernel set);
 * - backward cell: a fair coin picks the direction, then an op ~ U{0..n−1} goes to M[i][j]
 *   (forward) or M[j][i] (backward), so each pair has exactly one direction.
 *
 * Pruning uses G = M + M² + M³ + M⁴ of the raw matrix: nodes k ∈ {0,1,2} with G[k][3] = 0 and
 * nodes k ∈ {1,2,3} with G[0][k] = 0 lose their row and column (both tests use G before any
 * zeroing). The draw is accepted when the pruned M[0][3] ≠ 0; otherwise the sampler draws again.
 * Op codes are positive, so G[a][b] ≠ 0 exactly when a path a → b of 1 to 4 edges exists: the
 * code below computes that reachability instead of integer matrix powers (a test checks both agree).
 *
 * @since 0.1.0
 */
import { Architecture, KernelSet, type Rng } from "@spikernel/core"

type Matrix = Architecture.Matrix
type CellType = Architecture.CellType

const N = Architecture.nodeCount
const pairs = Architecture.forwardEdges

/**
 * The raw outcomes of one pair in a draw: n ops (forward) or 2·n (direction × op, backward).
 *
 * @since 0.1.0
 */
export const rawPairOutcomes = (cellType: CellType, ops: number): number =>
  cellType === "forward" ? ops : 2 * ops

const emptyMatrix = (): Array<Array<number>> => Array.from({ length: N }, () => new Array<number>(N).fill(0))

/**
 * One raw draw of the official sampler, before pruning.
 *
 * Per pair, in the order of `forwardEdges`: a backward cell draws the direction coin, then the op.
 *
 * @since 0.1.0
 */
export const drawRaw = (cellType: CellType, kernels: KernelSet.KernelSet, draws: Rng.Draws): Matrix => {
  const ops = KernelSet.opCount(kernels)
  const m = emptyMatrix()
  for (const [i, j] of pairs) {
    const forward = cellType === "forward" ? true : draws.bool()
    const op = draws.int(ops)
    if (forward) m[i][j] = op
    else m[j][i] = op
  }
  return m
}

/**
 * The nodes that survive pruning, as a 4-bit mask (bit k = node k), from the non-zero pattern of M.
 *
 * @since 0.1.0
 */
export const survivingNodes = (matrix: Matrix): number => {
  // reach[a] = bitmask of b with a path a → b of length 1..4 (G[a][b] ≠ 0)
  const adjacency = new Array<number>(N).fill(0)
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) if (matrix[a][b] !== 0) adjacency[a] |= 1 << b
  let frontier = adjacency.slice()
  const reach = adjacency.slice()
  for (let length = 2; length <= N; length++) {
    const next = new Array<number>(N).fill(0)
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) if (frontier[a] & (1 << b)) next[a] |= adjacency[b]
      reach[a] |= next[a]
    }
    frontier = next
  }
  let alive = (1 << N) - 1
  for (let k = 0; k < N - 1; k++) if ((reach[k] & (1 << (N - 1))) === 0) alive &= ~(1 << k)
  for (let k = 1; k < N; k++) if ((reach[0] & (1 << k)) === 0) alive &= ~(1 << k)
  return alive
}

/**
 * The pruned matrix: rows and columns of the nodes that fail the sanity check are zeroed.
 *
 * @since 0.1.0
 */
export const prune = (matrix: Matrix): Matrix => {
  const alive = survivingNodes(matrix)
  return matrix.map((row, i) => row.map((op, j) => ((alive >> i) & 1 && (alive >> j) & 1 ? op : 0)))
}

/**
 * Whether the sampler accepts a pruned matrix: a direct forward edge input → output exists.
 *
 * @since 0.1.0
 */
export const isAccepted = (pruned: Matrix): boolean => pruned[0][N - 1] !== 0

/**
 * Whether a matrix is a cell the sampler can return: accepted and a fixed point of pruning.
 *
 * @since 0.1.0
 */
export const isCanonical = (matrix: Matrix): boolean => {
  if (!isAccepted(matrix)) return false
  const pruned = prune(matrix)
  return pruned.every((row, i) => row.every((op, j) => op === matrix[i][j]))
}

/**
 * A sampled cell and the number of raw draws it took (rejections included).
 *
 * @since 0.1.0
 */
export interface Sampled {
  readonly matrix: Matrix
  readonly rawDraws: number
}

/**
 * The official sampler: draw, prune, accept or draw again. Returns the pruned matrix.
 *
 * @since 0.1.0
 */
export const sample = (cellType: CellType, kernels: KernelSet.KernelSet, draws: Rng.Draws): Sampled => {
  for (let rawDraws = 1; ; rawDraws++) {
    const pruned = prune(drawRaw(cellType, kernels, draws))
    if (isAccepted(pruned)) return { matrix: pruned, rawDraws }
  }
}

/**
 * The states a pair can hold in a cell: 0 (no edge), 1..n−1 (forward op), and for backward cells
 * n..2n−2 (backward op 1..n−1). A raw draw of op 0 in either direction is state 0.
 *
 * @since 0.1.0
 */
export const pairStates = (cellType: CellType, ops: number): number =>
  cellType === "forward" ? ops : 2 * ops - 1

const pairState = (matrix: Matrix, p: number, ops: number): number => {
  const [i, j] = pairs[p]
  if (matrix[i][j] !== 0) return matrix[i][j]
  if (matrix[j][i] !== 0) return ops - 1 + matrix[j][i]
  return 0
}

const withPairState = (matrix: Matrix, p: number, state: number, ops: number): Matrix => {
  const [i, j] = pairs[p]
  const m = matrix.map((row) => row.slice())
  m[i][j] = state > 0 && state < ops ? state : 0
  m[j][i] = state >= ops ? state - ops + 1 : 0
  return m
}

/**
 * Every cell of the space that differs from `matrix` in exactly one pair and that the sampler can
 * return (accepted and already pruned), in a fixed order (pair, then state).
 *
 * Changing the op of the input → output edge to another non-zero op always qualifies, so a
 * canonical cell has at least n − 2 neighbours.
 *
 * @since 0.1.0
 */
export const neighbours = (
  matrix: Matrix,
  cellType: CellType,
  kernels: KernelSet.KernelSet
): ReadonlyArray<Matrix> => {
  const ops = KernelSet.opCount(kernels)
  const states = pairStates(cellType, ops)
  const out: Array<Matrix> = []
  for (let p = 0; p < pairs.length; p++) {
    const current = pairState(matrix, p, ops)
    for (let s = 0; s < states; s++) {
      if (s === current) continue
      const candidate = withPairState(matrix, p, s, ops)
      if (isCanonical(candidate)) out.push(candidate)
    }
  }
  return out
}

/**
 * A uniformly chosen one-pair neighbour (see {@link neighbours}).
 *
 * @since 0.1.0
 */
export const mutate = (
  matrix: Matrix,
  cellType: CellType,
  kernels: KernelSet.KernelSet,
  draws: Rng.Draws
): Matrix => {
  const options = neighbours(prune(matrix), cellType, kernels)
  return options[draws.int(options.length)]
}

/**
 * What the exact enumeration of the sampler finds.
 *
 * @since 0.1.0
 */
export interface SpaceCount {
  readonly cellType: CellType
  readonly kernels: KernelSet.KernelSet
  /** Op indices per entry: 3 + |kernels|. */
  readonly ops: number
  /** Every raw draw: (n or 2n)⁶. */
  readonly rawDraws: number
  /** Raw draws the sanity check accepts. */
  readonly acceptedDraws: number
  /** acceptedDraws / rawDraws: the sampler's acceptance probability. */
  readonly acceptanceRate: number
  /** Distinct pruned matrices among the accepted draws: the cells the sampler can return. */
  readonly distinct: number
}

/**
 * Encodes a pruned cell as Σ state(p)·S^p over the six pairs (S = pair states).
 *
 * @since 0.1.0
 */
export const cellCode = (matrix: Matrix, cellType: CellType, kernels: KernelSet.KernelSet): number => {
  const ops = KernelSet.opCount(kernels)
  const states = pairStates(cellType, ops)
  let code = 0
  for (let p = pairs.length - 1; p >= 0; p--) code = code * states + pairState(matrix, p, ops)
  return code
}

/**
 * Decodes {@link cellCode}.
 *
 * @since 0.1.0
 */
export const cellFromCode = (code: number, cellType: CellType, kernels: KernelSet.KernelSet): Matrix => {
  const ops = KernelSet.opCount(kernels)
  const states = pairStates(cellType, ops)
  let m: Matrix = emptyMatrix()
  let rest = code
  for (let p = 0; p < pairs.length; p++) {
    m = withPairState(m, p, rest % states, ops)
    rest = Math.floor(rest / states)
  }
  return m
}

/**
 * Runs the sampler over every raw draw: prunes each, keeps the accepted ones, and marks their
 * distinct pruned forms in a bitmap indexed by {@link cellCode}.
 *
 * Pruning depends only on the non-zero pattern (12 bits), so the surviving nodes are tabulated once
 * per pattern with {@link survivingNodes}; every raw draw is still visited.
 *
 * @since 0.1.0
 */
const enumerateDraws = (
  cellType: CellType,
  kernels: KernelSet.KernelSet
): { readonly count: SpaceCount; readonly seen: Uint8Array } => {
  const ops = KernelSet.opCount(kernels)
  const outcomes = rawPairOutcomes(cellType, ops)
  const states = pairStates(cellType, ops)
  // per raw outcome of a pair: its pair state, and the adjacency bits it sets
  const outcomeState = new Int32Array(outcomes)
  const outcomeForward = new Uint8Array(outcomes)
  const outcomeBackward = new Uint8Array(outcomes)
  for (let o = 0; o < outcomes; o++) {
    const backward = o >= ops
    const op = o % ops
    outcomeState[o] = op === 0 ? 0 : backward ? ops - 1 + op : op
    outcomeForward[o] = !backward && op !== 0 ? 1 : 0
    outcomeBackward[o] = backward && op !== 0 ? 1 : 0
  }
  // alive nodes for each 12-bit pattern: bit 2p = forward edge of pair p, bit 2p+1 = backward edge
  const aliveOfPattern = new Uint8Array(1 << (2 * pairs.length))
  for (let pattern = 0; pattern < aliveOfPattern.length; pattern++) {
    const m = emptyMatrix()
    pairs.forEach(([i, j], p) => {
      if (pattern & (1 << (2 * p))) m[i][j] = 1
      if (pattern & (1 << (2 * p + 1))) m[j][i] = 1
    })
    aliveOfPattern[pattern] = survivingNodes(m)
  }
  // a pair survives when both of its nodes do
  const pairAlive = (alive: number, p: number): boolean =>
    ((alive >> pairs[p][0]) & 1) === 1 && ((alive >> pairs[p][1]) & 1) === 1
  const outputPair = pairs.findIndex(([i, j]) => i === 0 && j === N - 1)
  const total = outcomes ** pairs.length
  const seen = new Uint8Array(Math.ceil(states ** pairs.length / 8))
  const digits = new Int32Array(pairs.length)
  let accepted = 0
  let distinct = 0
  for (let draw = 0; draw < total; draw++) {
    let pattern = 0
    for (let p = 0; p < pairs.length; p++) {
      pattern |= (outcomeForward[digits[p]] << (2 * p)) | (outcomeBackward[digits[p]] << (2 * p + 1))
    }
    const alive = aliveOfPattern[pattern]
    const o03 = digits[outputPair]
    if (outcomeForward[o03] === 1 && pairAlive(alive, outputPair)) {
      accepted++
      let code = 0
      for (let p = pairs.length - 1; p >= 0; p--) {
        code = code * states + (pairAlive(alive, p) ? outcomeState[digits[p]] : 0)
      }
      const byte = code >> 3
      const bit = 1 << (code & 7)
      if ((seen[byte] & bit) === 0) {
        seen[byte] |= bit
        distinct++
      }
    }
    for (let p = 0; p < pairs.length; p++) {
      digits[p]++
      if (digits[p] < outcomes) break
      digits[p] = 0
    }
  }
  return {
    count: {
      cellType,
      kernels,
      ops,
      rawDraws: total,
      acceptedDraws: accepted,
      acceptanceRate: accepted / total,
      distinct
    },
    seen
  }
}

/**
 * The exact size of the space: every raw draw, pruned and checked (see {@link SpaceCount}).
 *
 * @since 0.1.0
 */
export const countSpace = (cellType: CellType, kernels: KernelSet.KernelSet): SpaceCount =>
  enumerateDraws(cellType, kernels).count

/**
 * Every distinct cell the sampler can return, in ascending {@link cellCode} order.
 *
 * @since 0.1.0
 */
export function* enumerateCells(cellType: CellType, kernels: KernelSet.KernelSet): Generator<Matrix> {
  const { seen } = enumerateDraws(cellType, kernels)
  for (let byte = 0; byte < seen.length; byte++) {
    if (seen[byte] === 0) continue
    for (let bit = 0; bit < 8; bit++) {
      if (seen[byte] & (1 << bit)) yield cellFromCode(byte * 8 + bit, cellType, kernels)
    }
  }
}
