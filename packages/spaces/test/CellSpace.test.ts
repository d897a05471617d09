import { assert, describe, it } from "@effect/vitest"
import { Architecture, Rng, SearchSpace } from "@spikernel/core"
import { Effect, Exit } from "effect"
import {
  cellCode,
  countSpace,
  drawRaw,
  enumerateCells,
  isCanonical,
  mutate,
  neighbours,
  pairStates,
  prune,
  sample
} from "../src/CellSpace.ts"
import { snasnetBackwardPlugin, snasnetSpace } from "../src/SnasnetSpace.ts"

type Matrix = Architecture.Matrix

/** The official sanity check, literally: integer G = M + M² + M³ + M⁴, then zero rows/columns. */
const officialPrune = (m: Matrix): Matrix => {
  const mul = (a: Matrix, b: Matrix) =>
    a.map((row, i) => row.map((_, j) => row.reduce((s, _v, k) => s + a[i][k] * b[k][j], 0)))
  const m2 = mul(m, m)
  const m3 = mul(m2, m)
  const m4 = mul(m3, m)
  const g = m.map((row, i) => row.map((v, j) => v + m2[i][j] + m3[i][j] + m4[i][j]))
  const out = m.map((row) => row.slice())
  const zero = (k: number) => {
    for (let x = 0; x < 4; x++) {
      out[k][x] = 0
      out[x][k] = 0
    }
  }
  for (const k of [0, 1, 2]) if (g[k][3] === 0) zero(k)
  for (const k of [1, 2, 3]) if (g[0][k] === 0) zero(k)
  return out
}

const format = Architecture.formatMatrix
const spaces = [
  ["forward", [1, 3]],
  ["backward", [1, 3]],
  ["backward", [3, 7]],
  ["forward", [1, 3, 5, 7]]
] as const

describe("pruning", () => {
  it.effect("agrees with the official integer-matrix sanity check on 40,000 raw draws", () =>
    Effect.sync(() => {
      for (const [cellType, kernels] of spaces) {
        const draws = Rng.draws({ seed: 3, stream: "test/prune", index: kernels.length })
        for (let n = 0; n < 10_000; n++) {
          const raw = drawRaw(cellType, kernels, draws)
          assert.strictEqual(format(prune(raw)), format(officialPrune(raw)))
        }
      }
    })
  )
})

describe("sampler (METHOD.md §1.4, §7.2)", () => {
  for (const [cellType, expected] of [
    ["forward", 0.8],
    ["backward", 0.4]
  ] as const) {
    it.effect(`${cellType}: acceptance rate over 100,000 raw draws ≈ ${expected}`, () =>
      Effect.sync(() => {
        const draws = Rng.draws({ seed: 11, stream: "test/acceptance", index: 0 })
        let accepted = 0
        const total = 100_000
        for (let n = 0; n < total; n++) {
          if (prune(drawRaw(cellType, [1, 3], draws))[0][3] !== 0) accepted++
        }
        const rate = accepted / total
        console.log(`${cellType} {1,3}: acceptance rate ${rate.toFixed(4)} over ${total} raw draws`)
        assert.isBelow(Math.abs(rate - expected), 4.5 * Math.sqrt((expected * (1 - expected)) / total))
      })
    )
  }

  it.effect("every sample is valid, pruned, one direction per pair, and reproducible from the seed", () =>
    Effect.sync(() => {
      for (const [cellType, kernels] of spaces) {
        const run = (seed: number) =>
          Array.from({ length: 300 }, (_, index) =>
            sample(cellType, kernels, Rng.draws({ seed, stream: "test/sample", index }))
          )
        const first = run(5)
        assert.deepStrictEqual(first, run(5))
        assert.notDeepEqual(
          first.map((s) => format(s.matrix)),
          run(6).map((s) => format(s.matrix))
        )
        for (const { matrix, rawDraws } of first) {
          assert.isAtLeast(rawDraws, 1)
          assert.isUndefined(Architecture.matrixProblem(matrix, cellType, kernels))
          assert.notStrictEqual(matrix[0][3], 0)
          assert.isTrue(isCanonical(matrix))
          for (const [i, j] of Architecture.forwardEdges)
            assert.isFalse(matrix[i][j] !== 0 && matrix[j][i] !== 0)
        }
      }
    })
  )
})

describe("exact enumeration (arch count)", () => {
  // Pinned: these are the sizes of the spaces the official sampler can return.
  const pinned = [
    ["forward", [1, 3], 15_625, 12_500, 7_556],
    ["backward", [1, 3], 1_000_000, 400_000, 104_708],
    ["backward", [3, 7], 1_000_000, 400_000, 104_708],
    ["forward", [1], 4_096, 3_072, 1_596],
    ["backward", [1], 262_144, 98_304, 20_685],
    ["forward", [1, 3, 5], 46_656, 38_880, 25_880],
    ["backward", [1, 3, 5], 2_985_984, 1_244_160, 374_255],
    ["backward", [1, 3, 5, 7], 7_529_536, 3_226_944, 1_068_774]
  ] as const
  for (const [cellType, kernels, raw, accepted, distinct] of pinned) {
    it.effect(
      `${cellType} {${kernels.join(",")}}: ${raw} raw draws, ${accepted} accepted, ${distinct} distinct`,
      () =>
        Effect.sync(() => {
          const count = countSpace(cellType, kernels)
          assert.strictEqual(count.rawDraws, raw)
          assert.strictEqual(count.acceptedDraws, accepted)
          assert.strictEqual(count.distinct, distinct)
          // closed form of acceptance: the (0,3) pair drawn forward with a non-zero op
          const n = kernels.length + 3
          const perPair = cellType === "forward" ? n : 2 * n
          assert.strictEqual(count.acceptedDraws, perPair ** 5 * (n - 1))
        })
    )
  }

  it.effect("independent check: distinct = canonical matrices among all pair-state combinations", () =>
    Effect.sync(() => {
      for (const [cellType, kernels] of [
        ["forward", [1, 3]],
        ["backward", [1]],
        ["backward", [1, 3]]
      ] as const) {
        const states = pairStates(cellType, kernels.length + 3)
        const seen = new Set<string>()
        let canonical = 0
        // brute force over every matrix with one state per pair
        const n = kernels.length + 3
        const digits = new Array<number>(6).fill(0)
        for (let c = 0; c < states ** 6; c++) {
          const m = [0, 1, 2, 3].map(() => [0, 0, 0, 0])
          Architecture.forwardEdges.forEach(([i, j], p) => {
            const s = digits[p]
            if (s > 0 && s < n) m[i][j] = s
            if (s >= n) m[j][i] = s - n + 1
          })
          if (isCanonical(m)) {
            canonical++
            seen.add(format(m))
          }
          for (let p = 0; p < 6; p++) {
            digits[p]++
            if (digits[p] < states) break
            digits[p] = 0
          }
        }
        const enumerated = [...enumerateCells(cellType, kernels)].map(format)
        assert.strictEqual(canonical, countSpace(cellType, kernels).distinct)
        assert.strictEqual(enumerated.length, canonical)
        assert.strictEqual(new Set(enumerated).size, canonical)
        assert.isTrue(enumerated.every((m) => seen.has(m)))
      }
    })
  )

  it.effect("the sampler only returns enumerated cells", () =>
    Effect.sync(() => {
      const codes = new Set(
        [...enumerateCells("backward", [1, 3])].map((m) => cellCode(m, "backward", [1, 3]))
      )
      for (let index = 0; index < 2000; index++) {
        const { matrix } = sample("backward", [1, 3], Rng.draws({ seed: 1, stream: "test/member", index }))
        assert.isTrue(codes.has(cellCode(matrix, "backward", [1, 3])))
      }
    })
  )
})

describe("mutation", () => {
  it.effect("changes exactly one pair and stays a cell the sampler can return", () =>
    Effect.sync(() => {
      for (const [cellType, kernels] of spaces) {
        for (let index = 0; index < 300; index++) {
          const draws = Rng.draws({ seed: 2, stream: "test/mutate", index })
          const { matrix } = sample(cellType, kernels, draws)
          const child = mutate(matrix, cellType, kernels, draws)
          assert.isTrue(isCanonical(child))
          assert.isUndefined(Architecture.matrixProblem(child, cellType, kernels))
          const changed = Architecture.forwardEdges.filter(
            ([i, j]) => matrix[i][j] !== child[i][j] || matrix[j][i] !== child[j][i]
          )
          assert.strictEqual(changed.length, 1)
          assert.isAtLeast(neighbours(matrix, cellType, kernels).length, kernels.length + 1)
        }
      }
    })
  )
})

describe("SearchSpace service", () => {
  it.effect("samples, canonicalises, validates and enumerates through the plugin layer", () =>
    Effect.gen(function* () {
      const space = yield* SearchSpace.SearchSpace
      assert.strictEqual(space.id, "snasnet-backward")
      const arch = space.sample(Rng.draws({ seed: 9, stream: "test/service", index: 0 }))
      assert.deepStrictEqual(yield* space.validate(arch), arch)
      assert.deepStrictEqual(space.canonical(arch), arch)
      // node 1 reaches no output and node 2 is unreachable from the input: pruning keeps only 0→3
      const raw = {
        cellType: "backward" as const,
        kernels: [1, 3],
        matrix: [
          [0, 3, 0, 2],
          [0, 0, 0, 0],
          [0, 3, 0, 0],
          [0, 0, 0, 0]
        ]
      }
      assert.strictEqual(format(space.canonical(raw).matrix), "0002 0000 0000 0000")
      const rejected = yield* Effect.exit(
        space.validate({
          ...raw,
          matrix: [
            [0, 3, 0, 0],
            [0, 0, 0, 3],
            [0, 0, 0, 0],
            [0, 0, 0, 0]
          ]
        })
      )
      assert.isTrue(Exit.isFailure(rejected))
      const wrongKernels = yield* Effect.exit(space.validate({ ...arch, kernels: [1, 5] }))
      assert.isTrue(Exit.isFailure(wrongKernels))
      let count = 0
      for (const _ of space.enumerate()) count++
      assert.strictEqual(count, 104_708)
      assert.strictEqual(snasnetSpace("forward", [3, 5]).id, "snasnet-forward")
    }).pipe(Effect.provide(snasnetBackwardPlugin.layer({ kernels: [1, 3] })))
  )
})
