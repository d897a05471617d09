/**
 * A toy SearchSpace with a known optimum, for strategy tests that must not depend on the real
 * SNASNet space: forward cells of a kernel set, every forward edge free, valid when the direct
 * edge 0→3 is not zero (4·5⁵ = 12,500 cells for {1,3}). Canonical form is the identity.
 *
 * The objective `toyObjective(target)` is minus the L1 distance between op indices, edge by edge:
 * smooth under one-pair mutation and maximal (0) exactly at `target`.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  ArchitectureError,
  type CandidateRecord,
  Evaluator,
  SearchSpace
} from "@spikernel/core"
import { Effect, Layer } from "effect"

const kernelsDefault = [1, 3] as const

/**
 * The toy space's target, far from the first cells of the enumeration.
 *
 * @since 0.1.0
 */
export const toyTarget: Architecture.Architecture = {
  cellType: "forward",
  kernels: [...kernelsDefault],
  matrix: [
    [0, 3, 1, 2],
    [0, 0, 4, 1],
    [0, 0, 0, 3],
    [0, 0, 0, 0]
  ]
}

const direct = 3 // index of edge (0,3) in Architecture.forwardEdges

const fromOps = (ops: ReadonlyArray<number>, kernels: ReadonlyArray<number>): Architecture.Architecture => {
  const matrix = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0]
  ]
  Architecture.forwardEdges.forEach(([i, j], e) => {
    matrix[i][j] = ops[e]
  })
  return { cellType: "forward", kernels: [...kernels], matrix }
}

const opsOf = (arch: Architecture.Architecture): Array<number> =>
  Architecture.forwardEdges.map(([i, j]) => arch.matrix[i][j])

/**
 * The toy space as a SearchSpace service.
 *
 * @since 0.1.0
 */
export const makeToySearchSpace = (
  kernels: ReadonlyArray<number> = kernelsDefault
): SearchSpace.SearchSpace["Service"] => {
  const ops = kernels.length + 3
  return {
    id: "toy",
    cellType: "forward",
    kernels: [...kernels],
    sample: (draws) => {
      for (;;) {
        const drawn = Architecture.forwardEdges.map(() => draws.int(ops))
        if (drawn[direct] !== 0) return fromOps(drawn, kernels)
      }
    },
    canonical: (arch) => arch,
    mutate: (arch, draws) => {
      const current = opsOf(arch)
      const e = draws.int(current.length)
      // A different op for one edge; the direct edge stays non-zero, so the child stays valid.
      const choices = Array.from({ length: ops }, (_, op) => op).filter(
        (op) => op !== current[e] && (e !== direct || op !== 0)
      )
      current[e] = choices[draws.int(choices.length)]
      return fromOps(current, kernels)
    },
    validate: (arch) =>
      (arch.cellType !== "forward" || arch.kernels.join(",") !== kernels.join(",")
        ? Effect.fail(
            new ArchitectureError({
              input: Architecture.formatMatrix(arch.matrix),
              reason: `a ${arch.cellType} cell over [${arch.kernels.join(",")}], but the toy space is forward over [${kernels.join(",")}]`
            })
          )
        : Architecture.makeArchitecture(arch.matrix, { cellType: "forward", kernels: [...kernels] })
      ).pipe(
        Effect.flatMap((valid) =>
          valid.matrix[0][3] === 0
            ? Effect.fail(
                new ArchitectureError({
                  input: Architecture.formatArchitecture(valid),
                  reason: "the toy space needs a direct edge 0→3"
                })
              )
            : Effect.succeed(valid)
        )
      ),
    enumerate: function* () {
      const total = ops ** 6
      for (let code = 0; code < total; code++) {
        const digits: Array<number> = []
        let rest = code
        for (let e = 5; e >= 0; e--) {
          digits[e] = rest % ops
          rest = Math.floor(rest / ops)
        }
        if (digits[direct] !== 0) yield fromOps(digits, kernels)
      }
    }
  }
}

/**
 * @since 0.1.0
 */
export const toySearchSpaceLayer = (
  kernels: ReadonlyArray<number> = kernelsDefault
): Layer.Layer<SearchSpace.SearchSpace> => Layer.succeed(SearchSpace.SearchSpace, makeToySearchSpace(kernels))

/**
 * Minus the edge-wise L1 distance of op indices to `target`: 0 at the target, negative elsewhere.
 *
 * @since 0.1.0
 */
export const toyObjective =
  (target: Architecture.Architecture = toyTarget) =>
  (arch: Architecture.Architecture): number => {
    const a = opsOf(arch)
    const b = opsOf(target)
    return -a.reduce((sum, op, e) => sum + Math.abs(op - b[e]), 0)
  }

/**
 * An Evaluator that scores with `objective` under the scorer id `toy`.
 *
 * @since 0.1.0
 */
export const toyEvaluator = (
  objective: (arch: Architecture.Architecture) => number = toyObjective()
): Evaluator.Evaluator["Service"] => ({
  evaluate: (candidate) =>
    Effect.sync(
      (): CandidateRecord.CandidateRecord => ({
        index: candidate.index,
        architecture: candidate.architecture,
        canonical: Architecture.formatArchitecture(candidate.architecture),
        scores: [{ scorer: "toy", value: objective(candidate.architecture), details: {} }],
        params: 0,
        bytes: 0,
        seconds: 0,
        cached: false
      })
    )
})

/**
 * @since 0.1.0
 */
export const toyEvaluatorLayer = (
  objective?: (arch: Architecture.Architecture) => number
): Layer.Layer<Evaluator.Evaluator> => Layer.succeed(Evaluator.Evaluator, toyEvaluator(objective))
