/**
 * SNASNet cell architectures: a 4×4 matrix of op indices, a cell type and a kernel set.
 *
 * `M[i][j]` with `i < j` is the forward op i→j; `M[j][i]` with `j > i` is the backward op j→i,
 * which carries node j's value at step t−1 into node i at step t (METHOD.md §1.2–§1.3). The string
 * form is SNASNet's `--cnt_mat`: the four rows concatenated with spaces, e.g. `"0302 0030 3003 0000"`.
 *
 * @since 0.1.0
 */
import { Effect, Schema, SchemaGetter, SchemaIssue } from "effect"
import { ArchitectureError } from "./Errors.ts"
import { KernelSet, kernelSetProblem, opCount, opNames } from "./KernelSet.ts"

/**
 * Forward cells use only the upper triangle; backward cells add feedback edges (SNASNet-Bw).
 *
 * @since 0.1.0
 */
export const CellType = Schema.Literals(["forward", "backward"])

/**
 * @since 0.1.0
 */
export type CellType = typeof CellType.Type

/**
 * A 4×4 op-index matrix, row-major.
 *
 * @since 0.1.0
 */
export type Matrix = ReadonlyArray<ReadonlyArray<number>>

/**
 * The number of nodes of a cell: input, two inner nodes, output.
 *
 * @since 0.1.0
 */
export const nodeCount = 4

/**
 * The forward edges (i, j), i < j, in the order of SNASNet's `cell_architecture` module list.
 *
 * @since 0.1.0
 */
export const forwardEdges: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3]
]

/**
 * The backward edges (j, i), j > i, in the order of SNASNet's `cell_architecture_back` list.
 *
 * @since 0.1.0
 */
export const backwardEdges: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [2, 0],
  [3, 0],
  [2, 1],
  [3, 1],
  [3, 2]
]

/**
 * The first structural problem of a matrix in a space, or `undefined` when there is none.
 *
 * Structural only: a matrix that pruning would change is still a valid value (SNASNet trains
 * whatever `--cnt_mat` it is given); canonical forms live with the search space.
 *
 * @since 0.1.0
 */
export const matrixProblem = (
  matrix: Matrix,
  cellType: CellType,
  kernels: ReadonlyArray<number>
): string | undefined => {
  const kernelProblem = kernelSetProblem(kernels)
  if (kernelProblem !== undefined) return kernelProblem
  if (matrix.length !== nodeCount) return `expected ${nodeCount} rows, got ${matrix.length}`
  const ops = opCount(kernels)
  for (let i = 0; i < nodeCount; i++) {
    const row = matrix[i]
    if (row.length !== nodeCount) return `row ${i} has ${row.length} columns, expected ${nodeCount}`
    for (let j = 0; j < nodeCount; j++) {
      const op = row[j]
      if (!Number.isInteger(op) || op < 0 || op >= ops) {
        return (
          `op index ${op} at M[${i}][${j}] is outside the op list of kernel set [${kernels.join(",")}] ` +
          `(0..${ops - 1}: ${opNames(kernels).join(", ")})`
        )
      }
    }
  }
  for (let i = 0; i < nodeCount; i++) {
    if (matrix[i][i] !== 0) return `diagonal entry M[${i}][${i}] is ${matrix[i][i]}, it must be 0`
  }
  for (const [i, j] of forwardEdges) {
    const back = matrix[j][i]
    if (back === 0) continue
    if (cellType === "forward") {
      return `M[${j}][${i}] = ${back} is a backward edge ${j}→${i}, but the cell type is forward`
    }
    if (matrix[i][j] !== 0) {
      return (
        `pair (${i},${j}) has both directions set (M[${i}][${j}] = ${matrix[i][j]}, M[${j}][${i}] = ${back}); ` +
        `a backward cell has one direction per pair`
      )
    }
  }
  return undefined
}

/**
 * Parses the rows of `"0302 0030 3003 0000"` into a matrix, checking only its shape and digits.
 *
 * @since 0.1.0
 */
export const parseMatrix = (text: string): Either<Matrix> => {
  const rows = text
    .trim()
    .split(/\s+/)
    .filter((row) => row.length > 0)
  if (rows.length !== nodeCount) {
    return { problem: `expected ${nodeCount} rows separated by spaces, got ${rows.length}` }
  }
  const matrix: Array<Array<number>> = []
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    if (row.length !== nodeCount) {
      return { problem: `row ${i} "${row}" has ${row.length} columns, expected ${nodeCount}` }
    }
    const bad = [...row].find((c) => c < "0" || c > "9")
    if (bad !== undefined) return { problem: `row ${i} "${row}" contains "${bad}", which is not a digit` }
    matrix.push([...row].map(Number))
  }
  return { value: matrix }
}

/**
 * A parse result: a value or the first problem found.
 *
 * @since 0.1.0
 */
export type Either<A> = { readonly value: A; readonly problem?: undefined } | { readonly problem: string }

/**
 * Writes a matrix in SNASNet's string form.
 *
 * @since 0.1.0
 */
export const formatMatrix = (matrix: Matrix): string => matrix.map((row) => row.join("")).join(" ")

/**
 * A matrix written as its four rows, decoded from and encoded to the string form.
 *
 * @since 0.1.0
 */
export const MatrixFromString = Schema.String.pipe(
  Schema.decodeTo(Schema.Array(Schema.Array(Schema.Int)), {
    decode: SchemaGetter.transformEffect((text: string) => {
      const parsed = parseMatrix(text)
      return parsed.problem === undefined
        ? Effect.succeed(parsed.value as Array<Array<number>>)
        : Effect.fail(new SchemaIssue.InvalidValue({ message: parsed.problem }, text))
    }),
    encode: SchemaGetter.transform((matrix: ReadonlyArray<ReadonlyArray<number>>) => formatMatrix(matrix))
  })
)

/**
 * An architecture of a SNASNet-style space. Encoded as `{ cellType, kernels, matrix: "0302 0030 3003 0000" }`.
 *
 * @since 0.1.0
 */
export const Architecture = Schema.Struct({
  cellType: CellType,
  kernels: KernelSet,
  matrix: MatrixFromString
}).check(Schema.makeFilter((arch) => matrixProblem(arch.matrix, arch.cellType, arch.kernels)))

/**
 * @since 0.1.0
 */
export type Architecture = typeof Architecture.Type

/**
 * Builds an architecture from its string form, with a typed error naming the problem.
 *
 * @since 0.1.0
 */
export const parseArchitecture = (
  text: string,
  options: { readonly cellType: CellType; readonly kernels: KernelSet }
): Effect.Effect<Architecture, ArchitectureError> => {
  const parsed = parseMatrix(text)
  if (parsed.problem !== undefined)
    return Effect.fail(new ArchitectureError({ input: text, reason: parsed.problem }))
  return makeArchitecture(parsed.value, options).pipe(
    Effect.mapError((error) => new ArchitectureError({ input: text, reason: error.reason }))
  )
}

/**
 * Checks a matrix against a space and returns it as an architecture.
 *
 * @since 0.1.0
 */
export const makeArchitecture = (
  matrix: Matrix,
  options: { readonly cellType: CellType; readonly kernels: KernelSet }
): Effect.Effect<Architecture, ArchitectureError> => {
  const problem = matrixProblem(matrix, options.cellType, options.kernels)
  return problem === undefined
    ? Effect.succeed({ cellType: options.cellType, kernels: options.kernels, matrix })
    : Effect.fail(new ArchitectureError({ input: formatMatrixLoose(matrix), reason: problem }))
}

const formatMatrixLoose = (matrix: Matrix): string => matrix.map((row) => row.join(",")).join(" ")

/**
 * The string form of an architecture's matrix.
 *
 * @since 0.1.0
 */
export const formatArchitecture = (arch: Architecture): string => formatMatrix(arch.matrix)

/**
 * A short, unique label: `backward[1,3]:0302 0030 3003 0000`.
 *
 * @since 0.1.0
 */
export const architectureLabel = (arch: Architecture): string =>
  `${arch.cellType}[${arch.kernels.join(",")}]:${formatMatrix(arch.matrix)}`

/**
 * The number of convolution ops in a cell (each owns a LIF, a conv and a BatchNorm).
 *
 * @since 0.1.0
 */
export const convOpCount = (arch: Architecture): number => {
  let count = 0
  const last = 2 + arch.kernels.length
  for (const [i, j] of forwardEdges) {
    if (arch.matrix[i][j] >= 2 && arch.matrix[i][j] < last) count++
    if (arch.cellType === "backward" && arch.matrix[j][i] >= 2 && arch.matrix[j][i] < last) count++
  }
  return count
}
