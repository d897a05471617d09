/**
 * The contract every SearchSpace must pass (core's `SearchSpace.ts`):
 *
 * - samples are cells of the space (they validate, with its cell type and kernel set);
 * - `canonical` is idempotent and its result validates;
 * - `mutate` of a canonical cell is a valid neighbour that differs from it in exactly one pair;
 * - sampling and mutation are pure functions of the draws: the same key gives the same cell;
 * - `enumerate` yields distinct canonical architectures, each valid, and every sample's canonical
 *   form is among them;
 * - `validate` rejects a cell of another kernel set or cell type, and a malformed matrix, with an
 *   ArchitectureError.
 *
 * @since 0.1.0
 */
import { describe, expect, layer } from "@effect/vitest"
import { Architecture, ArchitectureError, type KernelSet, Rng, SearchSpace } from "@spikernel/core"
import { Effect, type Layer } from "effect"

/**
 * @since 0.1.0
 */
export interface SearchSpaceContractOptions {
  readonly layer: Layer.Layer<SearchSpace.SearchSpace, unknown>
  /** The id the service must report. */
  readonly id?: string
  /** Samples (and mutations) checked (default 300). */
  readonly samples?: number
  /** Check at most this many enumerated cells (default: all of them). */
  readonly enumerateLimit?: number
  /** The number of distinct cells, when known (checked when the whole enumeration is read). */
  readonly size?: number
  /** Another kernel set whose cells the space must reject (default: {1,5}, or {1,3} for a {1,5} space). */
  readonly otherKernels?: KernelSet.KernelSet
}

type Space = SearchSpace.SearchSpace["Service"]

const drawsFor = (stream: string, index: number) => Rng.draws({ seed: 17, stream, index })

/** The pairs (i < j) whose entries (M[i][j], M[j][i]) differ between two matrices. */
const differingPairs = (a: Architecture.Matrix, b: Architecture.Matrix): number => {
  let count = 0
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      if (a[i][j] !== b[i][j] || a[j][i] !== b[j][i]) count++
    }
  }
  return count
}

const label = Architecture.architectureLabel

/**
 * Registers the contract tests of a SearchSpace under `describe(name)`.
 *
 * @since 0.1.0
 */
export const searchSpaceContract = (name: string, options: SearchSpaceContractOptions): void => {
  const samples = options.samples ?? 300
  const space = Effect.service(SearchSpace.SearchSpace)
  const sampled = (s: Space) =>
    Array.from({ length: samples }, (_, i) => s.sample(drawsFor("testing/space-sample", i)))
  const expectValid = (s: Space, arch: Architecture.Architecture) =>
    Effect.map(s.validate(arch), (valid) => {
      expect(valid).toEqual(arch)
      expect(valid.cellType).toBe(s.cellType)
      expect(valid.kernels).toEqual(s.kernels)
    })
  const expectRejected = (s: Space, arch: Architecture.Architecture, what: string) =>
    Effect.map(Effect.flip(s.validate(arch)), (error) => {
      expect(error, what).toBeInstanceOf(ArchitectureError)
      expect(error.reason.length, what).toBeGreaterThan(0)
    })

  describe(`${name} (SearchSpace contract)`, () => {
    layer(options.layer)((it) => {
      it.effect("describes itself: id, cell type and a kernel set", () =>
        Effect.map(space, (s) => {
          if (options.id !== undefined) expect(s.id).toBe(options.id)
          expect(["forward", "backward"]).toContain(s.cellType)
          expect(s.kernels.length).toBeGreaterThan(0)
        })
      )

      it.effect("samples are valid cells of the space", () =>
        Effect.flatMap(space, (s) => Effect.forEach(sampled(s), (arch) => expectValid(s, arch)))
      )

      it.effect("canonical is idempotent and its result is valid", () =>
        Effect.flatMap(space, (s) =>
          Effect.forEach(sampled(s), (arch, i) => {
            const once = s.canonical(arch)
            expect(s.canonical(once)).toEqual(once)
            const child = s.mutate(once, drawsFor("testing/space-mutate", i))
            expect(s.canonical(s.canonical(child))).toEqual(s.canonical(child))
            return Effect.andThen(expectValid(s, once), expectValid(s, s.canonical(child)))
          })
        )
      )

      it.effect("mutate gives a valid neighbour that differs from a canonical cell in one pair", () =>
        Effect.flatMap(space, (s) =>
          Effect.forEach(sampled(s), (arch, i) => {
            const parent = s.canonical(arch)
            const child = s.mutate(parent, drawsFor("testing/space-mutate", i))
            expect(differingPairs(parent.matrix, child.matrix), `${label(parent)} → ${label(child)}`).toBe(1)
            return expectValid(s, child)
          })
        )
      )

      it.effect("sampling and mutation are pure functions of the draws", () =>
        Effect.map(space, (s) => {
          const first = sampled(s)
          expect(sampled(s)).toEqual(first)
          expect(new Set(first.map(label)).size).toBeGreaterThan(1)
          const children = (key: string) =>
            first.map((arch, i) => s.mutate(s.canonical(arch), drawsFor(key, i)))
          expect(children("testing/space-mutate")).toEqual(children("testing/space-mutate"))
          expect(children("testing/space-mutate").map(label)).not.toEqual(
            children("testing/space-other").map(label)
          )
        })
      )

      it.effect("enumerate yields distinct, valid, canonical architectures that cover the samples", () =>
        Effect.flatMap(space, (s) =>
          Effect.gen(function* () {
            const limit = options.enumerateLimit ?? Number.POSITIVE_INFINITY
            const seen = new Set<string>()
            for (const arch of s.enumerate()) {
              if (seen.size >= limit) break
              const key = label(arch)
              if (seen.has(key)) expect.fail(`${key} is enumerated twice`)
              seen.add(key)
              if (label(s.canonical(arch)) !== key) expect.fail(`${key} is not canonical`)
              const problem = yield* Effect.match(s.validate(arch), {
                onFailure: (error) => error.message,
                onSuccess: () => undefined
              })
              if (problem !== undefined) expect.fail(`${key} does not validate: ${problem}`)
            }
            expect(seen.size).toBeGreaterThan(1)
            if (seen.size < limit) {
              if (options.size !== undefined) expect(seen.size).toBe(options.size)
              for (const arch of sampled(s)) {
                if (!seen.has(label(s.canonical(arch)))) {
                  expect.fail(`the sample ${label(arch)} is not in the enumeration`)
                }
              }
            }
            // A second pass yields the same cells in the same order.
            const again: Array<string> = []
            for (const arch of s.enumerate()) {
              if (again.length >= Math.min(seen.size, 1000)) break
              again.push(label(arch))
            }
            expect(again).toEqual([...seen].slice(0, again.length))
          })
        )
      )

      it.effect("validate rejects another kernel set, another cell type and malformed matrices", () =>
        Effect.flatMap(space, (s) =>
          Effect.gen(function* () {
            const other = options.otherKernels ?? (s.kernels.join() === "1,5" ? [1, 3] : [1, 5])
            const otherType = s.cellType === "forward" ? "backward" : "forward"
            for (const arch of sampled(s).slice(0, 20)) {
              yield* expectRejected(s, { ...arch, kernels: [...other] }, `kernels [${other}]`)
              yield* expectRejected(s, { ...arch, cellType: otherType }, `cell type ${otherType}`)
            }
            const arch = s.sample(drawsFor("testing/space-sample", 0))
            const opCount = s.kernels.length + 3
            const malformed: ReadonlyArray<readonly [string, Architecture.Matrix]> = [
              ["a 3×3 matrix", arch.matrix.slice(0, 3).map((row) => row.slice(0, 3))],
              [
                "an op index out of range",
                arch.matrix.map((row, i) => row.map((op, j) => (i === 0 && j === 3 ? opCount : op)))
              ],
              ["a self-loop", arch.matrix.map((row, i) => row.map((op, j) => (i === 1 && j === 1 ? 1 : op)))],
              ["an empty cell", arch.matrix.map((row) => row.map(() => 0))]
            ]
            for (const [what, matrix] of malformed) yield* expectRejected(s, { ...arch, matrix }, what)
          })
        )
      )
    })
  })
}
