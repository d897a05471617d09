/**
 * A realistic, deterministic `ReportInput`: kernel sets × strategies × seeds of a few hundred
 * candidates each, an optional SNASNet baseline search of 5000, and trained models with accuracy,
 * memory and firing rates. Every number is drawn from Philox streams keyed by the options, so the same
 * options give the same input, byte for byte.
 *
 * The figures follow the shapes of the real thing (bigger kernels cost more memory and time and score a
 * little higher; evolution improves over its proposals; scores predict accuracy loosely) without
 * pretending to be measurements.
 */
import { type Architecture, type CandidateRecord, KernelSet, Rng } from "@spikernel/core"
import type { ReportInput, SearchRun, TrainedModel } from "../src/ReportInput.ts"

export interface FixtureOptions {
  readonly name: string
  readonly seed: number
  readonly kernelSets: ReadonlyArray<ReadonlyArray<number>>
  readonly strategies: ReadonlyArray<string>
  readonly seeds: ReadonlyArray<number>
  readonly budget: number
  /** Adds a {1,3} random search with this budget (seed = first seed), the speed-up reference. */
  readonly baselineBudget?: number | undefined
  /** Share of candidates reused from the store. */
  readonly cachedShare: number
  readonly trainedPerKernelSet: number
  readonly memoryBudgetBytes: number
  readonly dataset: string
}

export const defaultFixture: FixtureOptions = {
  name: "spikernel-pairs",
  seed: 2024,
  kernelSets: KernelSet.spikernelPairs,
  strategies: ["random", "regularized-evolution"],
  seeds: [1, 2, 3],
  budget: 300,
  baselineBudget: 5000,
  cachedShare: 0,
  trainedPerKernelSet: 5,
  memoryBudgetBytes: 10_000_000,
  dataset: "cifar10:/data/cifar10"
}

const forwardPairs: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3]
]

// SNASNet's backward-cell sampling (a coin per pair picks the direction), with a conv on 0→3 so the
// input always reaches the output.
const sampleMatrix = (draws: Rng.Draws, ops: number): Array<Array<number>> => {
  const m = [0, 1, 2, 3].map(() => [0, 0, 0, 0])
  for (const [i, j] of forwardPairs) {
    if (i === 0 && j === 3) {
      m[0][3] = 2 + draws.int(ops - 3)
      continue
    }
    const op = draws.int(ops)
    if (draws.bool()) m[i][j] = op
    else m[j][i] = op
  }
  return m
}

const convKernels = (arch: Architecture.Architecture): Array<number> => {
  const ks: Array<number> = []
  for (const row of arch.matrix)
    for (const op of row) if (op >= 2 && op < 2 + arch.kernels.length) ks.push(arch.kernels[op - 2])
  return ks
}

// A small SNASNet-like network: stem, cell(64), down-conv 64→128, cell(128), classifier 128·4·4→256→10.
const paramsOf = (arch: Architecture.Architecture): number => {
  const cell = (c: number) => convKernels(arch).reduce((sum, k) => sum + k * k * c * c + 2 * c, 0)
  return 3 * 9 * 64 + 128 + cell(64) + 9 * 64 * 128 + 256 + cell(128) + 128 * 16 * 256 + 256 * 10 + 10
}

const quality = (arch: Architecture.Architecture): number =>
  convKernels(arch).reduce((sum, k) => sum + Math.log(k + 1), 0)

const kernelBonus = (kernels: ReadonlyArray<number>): number => kernels.reduce((a, k) => a + k, 0)

const searchRun = (
  options: FixtureOptions,
  strategy: string,
  kernels: ReadonlyArray<number>,
  seed: number,
  budget: number,
  baseline: boolean
): SearchRun => {
  const stream = `fixture/${options.name}/${strategy}/${kernels.join(",")}/${budget}`
  const ops = kernels.length + 3
  const candidates: Array<CandidateRecord.CandidateRecord> = []
  for (let index = 0; index < budget; index++) {
    const draws = Rng.draws({ seed: options.seed * 1000 + seed, stream, index })
    const matrix = sampleMatrix(draws, ops)
    const architecture: Architecture.Architecture = { cellType: "backward", kernels: [...kernels], matrix }
    // Evolution's proposals improve with experience; random search's do not.
    const drift = strategy === "random" ? 0 : 18 * (1 - Math.exp(-index / 90))
    const singular = strategy === "random" && draws.float() < 0.004
    const score = singular
      ? Number.NEGATIVE_INFINITY
      : 1180 + 1.5 * kernelBonus(kernels) + 6 * quality(architecture) + drift + 7 * draws.normal()
    const params = paramsOf(architecture)
    const cached = draws.float() < options.cachedShare
    const work = 0.35 + 0.018 * convKernels(architecture).reduce((sum, k) => sum + k * k, 0)
    candidates.push({
      index,
      architecture,
      canonical: matrix.map((row) => row.join("")).join(" "),
      scores: [{ scorer: "sahd", value: score, details: { hookCalls: 13 } }],
      params,
      bytes: params * 4,
      seconds: cached ? 0 : Number((work * (1 + 0.15 * draws.normal() ** 2)).toFixed(4)),
      cached
    })
  }
  return {
    strategy,
    cellType: "backward",
    kernels: [...kernels],
    seed,
    scorer: "sahd",
    budget,
    ...(baseline ? { baseline: true } : {}),
    candidates
  }
}

const layers = [
  "cell1 node1",
  "cell1 node2",
  "cell1 out",
  "down-conv",
  "cell2 node1",
  "cell2 node2",
  "cell2 out",
  "last LIF",
  "fc LIF"
]

export const fixtureInput = (options: FixtureOptions = defaultFixture): ReportInput => {
  const searches: Array<SearchRun> = []
  if (options.baselineBudget !== undefined) {
    searches.push(searchRun(options, "random", [1, 3], options.seeds[0], options.baselineBudget, true))
  }
  for (const kernels of options.kernelSets)
    for (const strategy of options.strategies)
      for (const seed of options.seeds)
        searches.push(searchRun(options, strategy, kernels, seed, options.budget, false))

  // Train the top candidates of each kernel set (by score, distinct architectures).
  const trained: Array<TrainedModel> = []
  for (const kernels of options.kernelSets) {
    const pool = searches
      .filter((run) => !run.baseline && run.kernels.join(",") === kernels.join(","))
      .flatMap((run) => run.candidates)
      .filter((c) => Number.isFinite(c.scores[0].value))
      .sort((a, b) => b.scores[0].value - a.scores[0].value)
    const seen = new Set<string>()
    for (const candidate of pool) {
      if (seen.has(candidate.canonical)) continue
      seen.add(candidate.canonical)
      const draws = Rng.draws({
        seed: options.seed,
        stream: `fixture/${options.name}/train/${kernels.join(",")}`,
        index: seen.size
      })
      const score = candidate.scores[0].value
      const accuracy = Math.min(
        0.99,
        0.88 + 0.0009 * (score - 1240) + 0.0008 * kernelBonus(kernels) + 0.005 * draws.normal()
      )
      trained.push({
        architecture: candidate.architecture,
        accuracy: Number(accuracy.toFixed(4)),
        score,
        params: candidate.params,
        bytes: candidate.bytes,
        selected: false,
        firingRates: layers.map((layer, i) => ({
          layer,
          rate: Number(
            (0.04 + 0.14 * Math.abs(Math.sin(i + kernelBonus(kernels))) + 0.02 * draws.float()).toFixed(4)
          )
        }))
      })
      if (seen.size >= options.trainedPerKernelSet) break
    }
  }
  // The selector: the most accurate model within the memory budget, and the most accurate overall.
  const byAccuracy = [...trained.keys()].sort((a, b) => trained[b].accuracy - trained[a].accuracy)
  const underBudget = byAccuracy.find((i) => trained[i].bytes <= options.memoryBudgetBytes)
  for (const i of [underBudget, byAccuracy[0]])
    if (i !== undefined) trained[i] = { ...trained[i], selected: true }

  return {
    name: options.name,
    dataset: options.dataset,
    datasetFingerprint: "sha256:5f1c0d2e",
    memoryBudgetBytes: options.memoryBudgetBytes,
    searches,
    trained
  }
}
