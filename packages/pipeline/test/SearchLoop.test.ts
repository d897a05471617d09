/**
 * The search loop and the Evaluator middleware (dedup, budget, retry) on the toy space.
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture, type CandidateRecord, Evaluator, Rng, SearchSpace } from "@spikernel/core"
import { makeRandomSearch, makeRegularizedEvolution } from "@spikernel/search"
import { makeToySearchSpace, toyEvaluator } from "@spikernel/testing"
import { Deferred, Effect, Fiber, Layer, Option, Schema } from "effect"
import { dedupLayer, retryLayer, withBudget, withDedup, withRetry } from "../src/EvaluatorMiddleware.ts"
import * as SearchLoop from "../src/SearchLoop.ts"

const space = makeToySearchSpace()
const cell = (i: number) => space.sample(Rng.draws({ seed: 3, stream: "cells", index: i }))

/** An evaluator that counts its calls. */
const counting = (inner: Evaluator.Evaluator["Service"] = toyEvaluator()) => {
  const calls: Array<number> = []
  const service: Evaluator.Evaluator["Service"] = {
    evaluate: (candidate) =>
      Effect.suspend(() => {
        calls.push(candidate.index)
        return inner.evaluate(candidate)
      })
  }
  return { calls, service }
}

const labels = (records: ReadonlyArray<CandidateRecord.CandidateRecord>) =>
  records.map((r) => Architecture.architectureLabel(r.architecture))

/** Runs the loop to its end, collecting the records in observation order. */
const searchAll = <S>(options: Omit<SearchLoop.SearchLoopOptions<S, never, never>, "onObserved">) =>
  Effect.gen(function* () {
    const records: Array<CandidateRecord.CandidateRecord> = []
    const outcome = yield* SearchLoop.run({
      ...options,
      onObserved: (record) => Effect.sync(() => void records.push(record))
    })
    return { ...outcome, records }
  })

describe("SearchLoop.run", () => {
  it.effect("stops at the budget, observes in index order, and hands each position on", () =>
    Effect.gen(function* () {
      const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const positions: Array<number> = []
      const records: Array<number> = []
      const outcome = yield* SearchLoop.run({
        strategy,
        from: SearchLoop.start(strategy, 1),
        evaluator: withBudget(toyEvaluator(), { budget: 12 }),
        concurrency: 5,
        onObserved: (record, position) =>
          Effect.sync(() => {
            records.push(record.index)
            positions.push(position.observed)
          })
      })
      expect(outcome.stopped).toBe("budget")
      expect(records).toEqual([...Array(12).keys()])
      expect(positions).toEqual([...Array(12).keys()].map((i) => i + 1))
      expect(outcome.position.observed).toBe(12)
    })
  )

  it.effect("proposes the same candidates at every concurrency (a non-adaptive strategy)", () =>
    Effect.gen(function* () {
      const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const at = (concurrency: number) =>
        searchAll({
          strategy,
          from: SearchLoop.start(strategy, 7),
          evaluator: withBudget(toyEvaluator(), { budget: 25 }),
          concurrency
        })
      const one = yield* at(1)
      for (const concurrency of [2, 5, 32])
        expect(labels((yield* at(concurrency)).records)).toEqual(labels(one.records))
    })
  )

  it.effect("gives the same records straight through as stopped at a position and resumed", () =>
    Effect.gen(function* () {
      const strategy = makeRegularizedEvolution(space, { population: 6, sampleSize: 3 })
      const evaluator = withBudget(toyEvaluator(), { budget: 30 })
      const straight = yield* searchAll({
        strategy,
        from: SearchLoop.start(strategy, 4),
        evaluator,
        concurrency: 3
      })
      // Stop after 13 observations by a budget of 13, keep that position (JSON round trip of the
      // state, the candidates in flight), and resume under the full budget.
      const first = yield* searchAll({
        strategy,
        from: SearchLoop.start(strategy, 4),
        evaluator: withBudget(toyEvaluator(), { budget: 13 }),
        concurrency: 3
      })
      expect(first.records).toHaveLength(13)
      const saved = JSON.parse(JSON.stringify(Schema.encodeSync(strategy.state)(first.position.state)))
      const resumed = yield* searchAll({
        strategy,
        from: {
          ...first.position,
          state: Schema.decodeUnknownSync(strategy.state)(saved),
          // The budget refused them; they are still to be evaluated.
          pending: first.position.pending
        },
        evaluator,
        concurrency: 3
      })
      expect([...labels(first.records), ...labels(resumed.records)]).toEqual(labels(straight.records))
    })
  )

  it.effect("reports done when the strategy has nothing left", () =>
    Effect.gen(function* () {
      const cells = [cell(0), cell(1)]
      const tiny = { ...space, sample: (draws: Rng.Draws) => cells[draws.int(2)] }
      const strategy = makeRandomSearch(tiny, { dedup: true, maxAttempts: 100 })
      const outcome = yield* searchAll({
        strategy,
        from: SearchLoop.start(strategy, 1),
        evaluator: withBudget(toyEvaluator(), { budget: 10 }),
        concurrency: 1
      })
      expect(outcome.records).toHaveLength(2)
      expect(outcome.stopped).toBe("done")
    })
  )

  it.effect("fails with the strategy's id when it proposes out of order", () =>
    Effect.gen(function* () {
      const honest = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const skipping = {
        ...honest,
        propose: (
          state: typeof honest extends { init: (s: number) => infer S } ? S : never,
          count: number
        ) => {
          const proposal = honest.propose(state, count)
          return { ...proposal, candidates: proposal.candidates.map((c) => ({ ...c, index: c.index + 1 })) }
        }
      }
      const error = yield* Effect.flip(
        SearchLoop.run({
          strategy: skipping,
          from: SearchLoop.start(skipping, 1),
          evaluator: toyEvaluator(),
          concurrency: 1
        })
      )
      expect(error.message).toBe(`strategy ${honest.id}: proposed candidate index 1, expected 0`)
    })
  )

  it.live("interrupted: waits for the candidates in flight, then hands the position to onInterrupt", () =>
    Effect.gen(function* () {
      const strategy = makeRandomSearch(space, { dedup: false, maxAttempts: 1 })
      const twoObserved = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const finished: Array<number> = []
      const evaluator: Evaluator.Evaluator["Service"] = {
        evaluate: (candidate) =>
          (candidate.index < 2 ? Effect.void : Deferred.await(release)).pipe(
            Effect.andThen(toyEvaluator().evaluate(candidate)),
            Effect.tap(() => Effect.sync(() => finished.push(candidate.index)))
          )
      }
      const saved = yield* Deferred.make<SearchLoop.Position<unknown>>()
      const fiber = yield* Effect.forkChild(
        SearchLoop.run({
          strategy,
          from: SearchLoop.start(strategy, 1),
          evaluator,
          concurrency: 3,
          onObserved: (_, position) =>
            position.observed === 2 ? Effect.asVoid(Deferred.succeed(twoObserved, undefined)) : Effect.void,
          onInterrupt: (position) =>
            Effect.asVoid(Deferred.succeed(saved, position as SearchLoop.Position<unknown>))
        })
      )
      yield* Deferred.await(twoObserved)
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(fiber), { startImmediately: true })
      yield* Effect.yieldNow
      // Candidates 2 and 3 are in flight (uninterruptible); the interruption waits for them.
      expect(Option.isNone(yield* Deferred.poll(saved))).toBe(true)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(interrupting)
      const position = yield* Deferred.await(saved)
      // The position of the last observation: the strategy re-proposes anything launched after it.
      expect(position.observed).toBe(2)
      expect(position.pending.map((c) => c.index)).toEqual([2, 3])
      expect(finished.filter((i) => i < 4).sort()).toEqual([0, 1, 2, 3])
    })
  )
})

describe("dedup middleware", () => {
  it.effect("evaluates each canonical cell once and marks repeats as cached", () =>
    Effect.gen(function* () {
      const { calls, service } = counting()
      const dedup = withDedup(service, { key: Architecture.architectureLabel })
      const a = yield* dedup.evaluate({ index: 0, architecture: cell(0) })
      const b = yield* dedup.evaluate({ index: 1, architecture: cell(1) })
      const again = yield* dedup.evaluate({ index: 2, architecture: cell(0) })
      expect(calls).toEqual([0, 1])
      expect(again).toEqual({ ...a, index: 2, seconds: 0, cached: true })
      expect(b.cached).toBe(false)
    })
  )

  it.live("a repeat proposed while the first is in flight waits for it instead of computing again", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const { calls, service } = counting({
        evaluate: (candidate) => Effect.andThen(Deferred.await(gate), toyEvaluator().evaluate(candidate))
      })
      const dedup = withDedup(service, { key: Architecture.architectureLabel })
      const first = yield* Effect.forkChild(dedup.evaluate({ index: 0, architecture: cell(0) }))
      const repeat = yield* Effect.forkChild(dedup.evaluate({ index: 3, architecture: cell(0) }))
      yield* Deferred.succeed(gate, undefined)
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(repeat)]
      expect(calls).toEqual([0])
      expect(b).toEqual({ ...a, index: 3, seconds: 0, cached: true })
    })
  )

  it.effect("keys by the space's canonical form; a failure is not remembered", () =>
    Effect.gen(function* () {
      let fail = true
      const { calls, service } = counting({
        evaluate: (candidate) =>
          fail
            ? Effect.fail(
                new Evaluator.EvaluationError({ index: candidate.index, architecture: "x", reason: "no" })
              )
            : toyEvaluator().evaluate(candidate)
      })
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
      const layer = dedupLayer.pipe(
        Layer.provide(Layer.succeed(Evaluator.Evaluator, service)),
        Layer.provide(Layer.succeed(SearchSpace.SearchSpace, forgetful))
      )
      yield* Effect.gen(function* () {
        const evaluator = yield* Evaluator.Evaluator
        expect((yield* Effect.flip(evaluator.evaluate({ index: 0, architecture: cell(0) })))._tag).toBe(
          "EvaluationError"
        )
        fail = false
        const first = yield* evaluator.evaluate({ index: 1, architecture: cell(0) })
        const result = yield* evaluator.evaluate({ index: 5, architecture: twin })
        expect(first.cached).toBe(false)
        expect(result.cached).toBe(true)
        expect(result.index).toBe(5)
        expect(result.architecture).toEqual(twin)
      }).pipe(Effect.provide(layer))
      expect(calls).toEqual([0, 1])
    })
  )
})

describe("budget middleware", () => {
  it.effect("passes candidates 0 … budget − 1 and refuses later indices before computing them", () =>
    Effect.gen(function* () {
      const { calls, service } = counting()
      const limited = withBudget(service, { budget: 3 })
      // A retried or resumed candidate (same index) spends nothing more.
      for (const i of [0, 1, 1, 2]) yield* limited.evaluate({ index: i, architecture: cell(i) })
      const error = yield* Effect.flip(limited.evaluate({ index: 3, architecture: cell(3) }))
      expect(error._tag).toBe("BudgetExhausted")
      expect(calls).toEqual([0, 1, 1, 2])
    })
  )
})

describe("retry middleware", () => {
  const flaky = (failures: number, memory = false) => {
    let left = failures
    return {
      evaluate: (candidate: Evaluator.Candidate) =>
        Effect.suspend(() =>
          left-- > 0
            ? Effect.fail(
                new Evaluator.EvaluationError({
                  index: candidate.index,
                  architecture: "x",
                  reason: "flaky",
                  ...(memory ? { memory: { neededBytes: 2, freeBytes: 1, limitBytes: 4 } } : {})
                })
              )
            : toyEvaluator().evaluate(candidate)
        )
    } satisfies Evaluator.Evaluator["Service"]
  }

  it.effect("retries a failed evaluation and gives up after `times`", () =>
    Effect.gen(function* () {
      const use = (inner: Evaluator.Evaluator["Service"], times: number) =>
        Effect.provide(
          Effect.flatMap(Effect.service(Evaluator.Evaluator), (e) =>
            e.evaluate({ index: 0, architecture: cell(0) })
          ),
          retryLayer({ times }).pipe(Layer.provide(Layer.succeed(Evaluator.Evaluator, inner)))
        )
      expect((yield* use(flaky(2), 2)).index).toBe(0)
      expect((yield* Effect.flip(use(flaky(2), 1)))._tag).toBe("EvaluationError")
    })
  )

  it.effect("never retries a memory refusal: it would refuse again", () =>
    Effect.gen(function* () {
      const { calls, service } = counting(flaky(1, true))
      const error = yield* Effect.flip(
        withRetry(service, { times: 3 }).evaluate({ index: 0, architecture: cell(0) })
      )
      expect(error._tag === "EvaluationError" && error.memory).toEqual({
        neededBytes: 2,
        freeBytes: 1,
        limitBytes: 4
      })
      expect(calls).toEqual([0])
    })
  )
})
