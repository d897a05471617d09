/**
 * The search loop and the Evaluator middleware (dedup, budget, retry) on the toy space.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture, type CandidateRecord, Evaluator, Rng, SearchSpace } from "@spikernel/core"
import {
  budgetLayer,
  dedupLayer,
  makeRandomSearch,
  makeRegularizedEvolution,
  primaryScore,
  retryLayer,
  runSearch,
  withBudget,
  withDedup
} from "@spikernel/search"
import { makeToySearchSpace, toyEvaluator, toyEvaluatorLayer } from "@spikernel/testing"
import { Effect, Layer, Schema } from "effect"

const space = makeToySearchSpace()
const cell = (i: number) => space.sample(Rng.draws({ seed: 3, stream: "cells", index: i }))

/** An evaluator that counts its calls. */
const counting = () => {
  const calls: Array<number> = []
  const inner = toyEvaluator()
  const service: Evaluator.Evaluator["Service"] = {
    evaluate: (candidate) =>
      Effect.suspend(() => {
        calls.push(candidate.index)
        return inner.evaluate(candidate)
      })
  }
  return { calls, service }
}

describe("runSearch", () => {
  it.effect("stops at the limit and reports each record with the state after it", () =>
    Effect.gen(function* () {
      const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const seen: Array<number> = []
      const outcome = yield* runSearch({
        strategy,
        state: strategy.init(1),
        maxCandidates: 12,
        concurrency: 5,
        onRecord: (record, state) => Effect.sync(() => seen.push(record.index * 1000 + state.next))
      })
      expect(outcome.stopped).toBe("limit")
      expect(outcome.records.map((r) => r.index)).toEqual([...Array(12).keys()])
      // Rounds of 5, 5, 2: the state after a record has `next` at the end of its round.
      expect(seen.map((v) => v % 1000)).toEqual([5, 5, 5, 5, 5, 10, 10, 10, 10, 10, 12, 12])
    }).pipe(Effect.provide(toyEvaluatorLayer()))
  )

  it.effect("gives the same records in one run as in two runs with a checkpoint between", () =>
    Effect.gen(function* () {
      const strategy = makeRegularizedEvolution(space, { population: 6, sampleSize: 3 })
      const straight = yield* runSearch({
        strategy,
        state: strategy.init(4),
        maxCandidates: 30,
        concurrency: 3
      })
      const first = yield* runSearch({ strategy, state: strategy.init(4), maxCandidates: 13, concurrency: 3 })
      const json = JSON.stringify(Schema.encodeSync(strategy.state)(first.state))
      const resumed = yield* runSearch({
        strategy,
        state: Schema.decodeUnknownSync(strategy.state)(JSON.parse(json)),
        maxCandidates: 17,
        concurrency: 3
      })
      const labels = (rs: ReadonlyArray<CandidateRecord.CandidateRecord>) =>
        rs.map((r) => Architecture.architectureLabel(r.architecture))
      expect([...labels(first.records), ...labels(resumed.records)]).toEqual(labels(straight.records))
    }).pipe(Effect.provide(toyEvaluatorLayer()))
  )

  it.effect("stops on a spent budget and returns the state from before the cut round", () =>
    Effect.gen(function* () {
      const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const outcome = yield* runSearch({
        strategy,
        state: strategy.init(2),
        maxCandidates: 100,
        concurrency: 4
      })
      expect(outcome.stopped).toBe("budget")
      // Budget 10 with rounds of 4: two full rounds, the third is cut and dropped.
      expect(outcome.records).toHaveLength(8)
      expect(outcome.state.next).toBe(8)
    }).pipe(Effect.provide(budgetLayer({ budget: 10 }).pipe(Layer.provide(toyEvaluatorLayer()))))
  )

  it.effect("reports done when the strategy has nothing left", () =>
    Effect.gen(function* () {
      const cells = [cell(0), cell(1)]
      const tiny = { ...space, sample: (draws: Rng.Draws) => cells[draws.int(2)] }
      const strategy = makeRandomSearch(tiny, { dedup: true, maxAttempts: 100 })
      const outcome = yield* runSearch({ strategy, state: strategy.init(1), maxCandidates: 10 })
      expect(outcome.records).toHaveLength(2)
      expect(outcome.stopped).toBe("done")
    }).pipe(Effect.provide(toyEvaluatorLayer()))
  )

  it("picks the primary score by scorer id, NaN when it is missing", () => {
    const record = {
      index: 0,
      architecture: cell(0),
      canonical: "",
      scores: [
        { scorer: "params", value: -5, details: {} },
        { scorer: "sahd", value: -160, details: {} }
      ],
      params: 0,
      bytes: 0,
      seconds: 0,
      cached: false
    }
    expect(primaryScore(record)).toBe(-5)
    expect(primaryScore(record, "sahd")).toBe(-160)
    expect(primaryScore(record, "trained-accuracy")).toBeNaN()
  })
})

describe("dedup middleware", () => {
  it.effect("evaluates each canonical cell once and marks repeats as cached", () =>
    Effect.gen(function* () {
      const { calls, service } = counting()
      const dedup = yield* withDedup(service, { key: Architecture.architectureLabel })
      const a = yield* dedup.evaluate({ index: 0, architecture: cell(0) })
      const b = yield* dedup.evaluate({ index: 1, architecture: cell(1) })
      const again = yield* dedup.evaluate({ index: 2, architecture: cell(0) })
      expect(calls).toEqual([0, 1])
      expect(again).toEqual({ ...a, index: 2, seconds: 0, cached: true })
      expect(b.cached).toBe(false)
    })
  )

  it.effect("starts from known records (resume) and keys by the space's canonical form", () =>
    Effect.gen(function* () {
      const { calls, service } = counting()
      const known = yield* toyEvaluator().evaluate({ index: 0, architecture: cell(0) })
      // A space whose canonical form forgets edge 0→1: cells differing only there are the same.
      const forgetful: SearchSpace.SearchSpace["Service"] = {
        ...space,
        canonical: (arch) => ({
          ...arch,
          matrix: arch.matrix.map((row, i) => row.map((op, j) => (i === 0 && j === 1 ? 0 : op)))
        })
      }
      const twin = {
        ...cell(0),
        matrix: cell(0).matrix.map((row, i) => row.map((op, j) => (i === 0 && j === 1 ? (op + 1) % 5 : op)))
      }
      const layer = dedupLayer([known]).pipe(
        Layer.provide(Layer.succeed(Evaluator.Evaluator, service)),
        Layer.provide(Layer.succeed(SearchSpace.SearchSpace, forgetful))
      )
      const result = yield* Evaluator.Evaluator.use((e) => e.evaluate({ index: 5, architecture: twin })).pipe(
        Effect.provide(layer)
      )
      expect(calls).toEqual([])
      expect(result.cached).toBe(true)
      expect(result.index).toBe(5)
      expect(result.architecture).toEqual(twin)
    })
  )
})

describe("budget middleware", () => {
  it.effect("passes on exactly `budget` evaluations, counting those already spent", () =>
    Effect.gen(function* () {
      const { calls, service } = counting()
      const limited = yield* withBudget(service, { budget: 5, spent: 2 })
      for (let i = 0; i < 3; i++) yield* limited.evaluate({ index: i, architecture: cell(i) })
      const error = yield* Effect.flip(limited.evaluate({ index: 3, architecture: cell(3) }))
      expect(error._tag).toBe("BudgetExhausted")
      expect(calls).toEqual([0, 1, 2])
    })
  )
})

describe("retry middleware", () => {
  it.effect("retries a failed evaluation and gives up after `times`", () =>
    Effect.gen(function* () {
      let failures = 0
      const flaky: Evaluator.Evaluator["Service"] = {
        evaluate: (candidate) =>
          Effect.suspend(() =>
            failures++ < 2
              ? Effect.fail(
                  new Evaluator.EvaluationError({
                    index: candidate.index,
                    architecture: "x",
                    reason: "flaky"
                  })
                )
              : toyEvaluator().evaluate(candidate)
          )
      }
      const ok = yield* Evaluator.Evaluator.use((e) => e.evaluate({ index: 0, architecture: cell(0) })).pipe(
        Effect.provide(
          retryLayer({ times: 2 }).pipe(Layer.provide(Layer.succeed(Evaluator.Evaluator, flaky)))
        )
      )
      expect(ok.index).toBe(0)
      failures = 0
      const error = yield* Evaluator.Evaluator.use((e) =>
        e.evaluate({ index: 0, architecture: cell(0) })
      ).pipe(
        Effect.provide(
          retryLayer({ times: 1 }).pipe(Layer.provide(Layer.succeed(Evaluator.Evaluator, flaky)))
        ),
        Effect.flip
      )
      expect(error._tag).toBe("EvaluationError")
    })
  )
})
