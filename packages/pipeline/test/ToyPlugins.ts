/**
 * Small plugins for testing the engine without tensors: a data set that is only a fingerprint, a
 * forward-cell space with a pruning rule that makes duplicates, a random and an adaptive strategy,
 * a scorer that is a pure function of (architecture, seed, stream index), a top-k selector, and a
 * trainer/evaluator pair whose "accuracy" is a pure function of the architecture.
 *
 * Shared by the package's tests and the end-to-end tests in the repository's `test/`.
 */
import {
  Architecture,
  DatasetLoader,
  type Evaluator,
  type Plugin,
  Rng,
  Scorer,
  SearchSpace,
  SearchStrategy,
  Selector
} from "@spikernel/core"
import { Effect, Layer, Schema, Stream } from "effect"
import { ExecutorError, inputOf, StepCheckpoint, type StepExecutor } from "../src/Executor.ts"
import { EvaluationResult } from "../src/StepOutput.ts"

const kernels = [1, 3]

// ---------------------------------------------------------------------------------------------- data

const ToyDataConfig = Schema.Struct({ size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) })

export const ToyData: Plugin.Plugin<
  "DatasetLoader",
  typeof ToyDataConfig.Type,
  typeof ToyDataConfig.Encoded,
  DatasetLoader.DatasetLoader
> = {
  kind: "DatasetLoader",
  id: "toy-data",
  version: 1,
  description: "A data set that is only a description (no images)",
  config: ToyDataConfig,
  layer: (config) =>
    Layer.succeed(DatasetLoader.DatasetLoader, {
      info: Effect.succeed({
        name: "toy",
        imageShape: [4, 4, 1] as const,
        classes: 2,
        trainSize: config.size,
        testSize: config.size,
        mean: [0],
        std: [1],
        fingerprint: `toy-data-${config.size}`
      }),
      batches: () => Stream.empty
    })
}

// --------------------------------------------------------------------------------------------- space

const pairs = Architecture.forwardEdges

/** Forward cells over ops 0..4 with M[0][3] ≠ 0; node 1 without input is pruned (its edges zeroed). */
const canonical = (arch: Architecture.Architecture): Architecture.Architecture => {
  if (arch.matrix[0][1] !== 0) return arch
  const matrix = arch.matrix.map((row) => [...row])
  for (let j = 0; j < 4; j++) {
    matrix[1][j] = 0
    matrix[j][1] = 0
  }
  return { ...arch, matrix }
}

const fromOps = (ops: ReadonlyArray<number>): Architecture.Architecture => {
  const matrix = [0, 1, 2, 3].map(() => [0, 0, 0, 0])
  pairs.forEach(([i, j], e) => {
    matrix[i][j] = ops[e]
  })
  return { cellType: "forward", kernels, matrix }
}

/** The toy space with ops 0..ops−1 on each forward pair (a small `ops` makes overlaps common). */
const makeSpace = (ops: number): SearchSpace.SearchSpace["Service"] => {
  const sample = (draws: Rng.Draws): Architecture.Architecture => {
    for (;;) {
      const drawn = pairs.map(() => draws.int(ops))
      if (drawn[3] !== 0) return fromOps(drawn)
    }
  }
  return {
    id: "toy-space",
    cellType: "forward",
    kernels,
    sample,
    canonical,
    mutate: (arch, draws) => {
      for (;;) {
        const current = pairs.map(([i, j]) => arch.matrix[i][j])
        const e = draws.int(pairs.length)
        current[e] = (current[e] + 1 + draws.int(ops - 1)) % ops
        if (current[3] !== 0) return fromOps(current)
      }
    },
    validate: (arch) => Architecture.makeArchitecture(arch.matrix, { cellType: "forward", kernels }),
    enumerate: function* () {
      for (let code = 0; code < ops ** 6; code++) {
        const drawn = pairs.map((_, e) => Math.floor(code / ops ** e) % ops)
        if (drawn[3] !== 0) yield fromOps(drawn)
      }
    }
  }
}

const ToySpaceConfig = Schema.Struct({ ops: Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: 5 })) })

export const ToySpace: Plugin.Plugin<
  "SearchSpace",
  typeof ToySpaceConfig.Type,
  typeof ToySpaceConfig.Encoded,
  SearchSpace.SearchSpace
> = {
  kind: "SearchSpace",
  id: "toy-space",
  version: 1,
  description: "Forward cells over {1,3} with ops 0..ops−1 and a toy pruning rule",
  config: ToySpaceConfig,
  layer: (config) => Layer.succeed(SearchSpace.SearchSpace, makeSpace(config.ops))
}

// ------------------------------------------------------------------------------------------ strategy

const RandomState = Schema.Struct({ seed: Schema.Int, next: Schema.Int })

export const ToyRandom: Plugin.Plugin<
  "SearchStrategy",
  object,
  object,
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "toy-random",
  version: 1,
  description: "Candidate i is the space's sample from (seed, toy-random, i)",
  config: Schema.Struct({}),
  layer: () =>
    Layer.effect(
      SearchStrategy.SearchStrategy,
      Effect.map(SearchSpace.SearchSpace, (space) => {
        const strategy: SearchStrategy.Strategy<typeof RandomState.Type, typeof RandomState.Encoded> = {
          id: "toy-random",
          state: RandomState,
          // The seed lives in the state: a resumed strategy is decoded, never re-initialised.
          init: (seed) => ({ seed, next: 0 }),
          propose: (state, count) => {
            const candidates: Array<Evaluator.Candidate> = []
            for (let i = 0; i < count; i++) {
              const index = state.next + i
              candidates.push({
                index,
                architecture: space.sample(Rng.draws({ seed: state.seed, stream: "toy-random", index }))
              })
            }
            return { state: { ...state, next: state.next + count }, candidates }
          },
          observe: (state) => state,
          done: () => false
        }
        return strategy as SearchStrategy.Strategy<unknown, unknown>
      })
    )
}

const EvolutionState = Schema.Struct({
  seed: Schema.Int,
  next: Schema.Int,
  population: Schema.Array(Schema.Struct({ matrix: Schema.String, score: Schema.Finite }))
})
type EvolutionState = typeof EvolutionState.Type

/** A small regularized evolution: proposals depend on what was observed, so observation order matters. */
export const ToyEvolution: Plugin.Plugin<
  "SearchStrategy",
  { readonly population: number },
  { readonly population: number },
  SearchStrategy.SearchStrategy,
  never,
  SearchSpace.SearchSpace
> = {
  kind: "SearchStrategy",
  id: "toy-evolution",
  version: 1,
  description: "Regularized evolution over the toy space",
  config: Schema.Struct({ population: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)) }),
  layer: (config) =>
    Layer.effect(
      SearchStrategy.SearchStrategy,
      Effect.map(SearchSpace.SearchSpace, (space) => {
        const strategy: SearchStrategy.Strategy<EvolutionState, typeof EvolutionState.Encoded> = {
          id: "toy-evolution",
          state: EvolutionState,
          init: (seed) => ({ seed, next: 0, population: [] }),
          propose: (state, count) => {
            const candidates: Array<Evaluator.Candidate> = []
            for (let i = 0; i < count; i++) {
              const index = state.next + i
              const draws = Rng.draws({ seed: state.seed, stream: "toy-evolution", index })
              if (state.population.length < config.population) {
                candidates.push({ index, architecture: space.sample(draws) })
                continue
              }
              const a = state.population[draws.int(state.population.length)]
              const b = state.population[draws.int(state.population.length)]
              const parent = Architecture.parseMatrix(a.score >= b.score ? a.matrix : b.matrix)
              if (parent.problem !== undefined) throw new Error(parent.problem)
              candidates.push({
                index,
                architecture: space.mutate({ cellType: "forward", kernels, matrix: parent.value }, draws)
              })
            }
            return { state: { ...state, next: state.next + count }, candidates }
          },
          observe: (state, record, score) => ({
            ...state,
            population: [
              ...state.population,
              {
                matrix: Architecture.formatArchitecture(record.architecture),
                score: Number.isFinite(score) ? score : -1e9
              }
            ].slice(-config.population)
          }),
          done: () => false
        }
        return strategy as SearchStrategy.Strategy<unknown, unknown>
      })
    )
}

// ----------------------------------------------------------------------------------------------- scorer

const ToyScoreConfig = Schema.Struct({
  sleepMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  offset: Schema.Finite
})

/** A pure function of (architecture, seed, stream index), plus `offset`; sleeps to stand in for work. */
export const toyScore = (
  arch: Architecture.Architecture,
  context: Scorer.ScoreContext,
  offset: number
): number => {
  const draws = Rng.draws({ seed: context.seed, stream: "toy-score", index: context.index })
  const ops = pairs.map(([i, j]) => arch.matrix[i][j])
  return ops.reduce((sum, op, e) => sum + op * (e + 1), 0) + draws.float() + offset
}

export const ToyScorer: Plugin.Plugin<
  "Scorer",
  typeof ToyScoreConfig.Type,
  typeof ToyScoreConfig.Encoded,
  Scorer.Scorer
> = {
  kind: "Scorer",
  id: "toy-score",
  version: 1,
  description: "A weighted op sum plus a seeded draw",
  config: ToyScoreConfig,
  layer: (config) =>
    Layer.succeed(Scorer.Scorer, {
      id: "toy-score",
      score: (arch, context) =>
        Effect.as(Effect.sleep(config.sleepMs), {
          scorer: "toy-score",
          value: toyScore(arch, context, config.offset),
          details: {
            params: Architecture.convOpCount(arch) * 100 + 10,
            bytes: (Architecture.convOpCount(arch) * 100 + 10) * 4
          }
        })
    })
}

// ---------------------------------------------------------------------------------------------- selector

const TopKConfig = Schema.Struct({ k: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) })

export const ToyTopK: Plugin.Plugin<
  "Selector",
  typeof TopKConfig.Type,
  typeof TopKConfig.Encoded,
  Selector.Selector
> = {
  kind: "Selector",
  id: "toy-top-k",
  version: 1,
  description: "The k best by metric, ties to the lower id",
  config: TopKConfig,
  layer: (config) =>
    Layer.succeed(Selector.Selector, {
      id: "toy-top-k",
      select: (items) => ({
        selected: [...items]
          .sort((a, b) => b.metric - a.metric || Number(a.id) - Number(b.id))
          .slice(0, config.k),
        reason: `top ${config.k} of ${items.length}`
      })
    })
}

// ---------------------------------------------------------------------------------------------- executors

const TrainedModels = Schema.Struct({
  models: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      architecture: Architecture.Architecture,
      accuracy: Schema.Finite,
      params: Schema.Int,
      bytes: Schema.Int
    })
  )
})

const EpochsConfig = Schema.Struct({ epochs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) })
const EpochCheckpoint = Schema.Struct({ epoch: Schema.Int })

/** "Trains" each selected architecture for `epochs` epochs, checkpointing each epoch. */
export const ToyTrainer: StepExecutor<
  typeof EpochsConfig.Type,
  typeof EpochsConfig.Encoded,
  typeof TrainedModels.Type,
  typeof TrainedModels.Encoded,
  StepCheckpoint
> = {
  step: "train",
  id: "toy-train",
  version: 1,
  description: "Accuracy is a pure function of the architecture and the epochs",
  config: EpochsConfig,
  output: TrainedModels,
  execute: (context) =>
    Effect.gen(function* () {
      const selection = (yield* inputOf("toy-train", context.inputs, "from", ["select", "tradeoff"])).value
      const checkpoints = yield* StepCheckpoint
      const saved = yield* checkpoints.load(EpochCheckpoint)
      const first = saved._tag === "Some" ? saved.value.epoch + 1 : 0
      for (let epoch = first; epoch < context.config.epochs; epoch++) {
        yield* checkpoints.save(EpochCheckpoint, { epoch })
        yield* context.progress({ done: epoch + 1, total: context.config.epochs, unit: "epochs" })
      }
      if (selection.selected.length === 0)
        return yield* new ExecutorError({ executor: "toy-train", reason: "nothing selected" })
      return {
        models: selection.selected.map((item) => ({
          id: item.id,
          architecture: item.architecture,
          accuracy: 0.5 + (Architecture.convOpCount(item.architecture) * context.config.epochs) / 100,
          params: item.params,
          bytes: item.bytes
        }))
      }
    })
}

export const ToyEvaluator: StepExecutor<object, object, EvaluationResult, typeof EvaluationResult.Encoded> = {
  step: "evaluate",
  id: "toy-eval",
  version: 1,
  description: "Reports each model's accuracy",
  config: Schema.Struct({}),
  output: EvaluationResult,
  execute: (context) =>
    Effect.gen(function* () {
      const input = yield* inputOf("toy-eval", context.inputs, "models", ["train"])
      const trained = Schema.decodeUnknownSync(TrainedModels)(input.encoded)
      return {
        metric: "toy accuracy",
        items: trained.models.map((m) => ({
          id: m.id,
          architecture: m.architecture,
          metric: m.accuracy,
          params: m.params,
          bytes: m.bytes
        }))
      }
    })
}

export const toyPlugins: ReadonlyArray<Plugin.AnyPlugin> = [
  ToyData,
  ToySpace,
  ToyRandom,
  ToyEvolution,
  ToyScorer,
  ToyTopK
]
