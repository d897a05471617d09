/**
 * The contract every SearchStrategy must pass (STYLE.md: NNI-style — a toy space with a known
 * optimum and a resume round trip):
 *
 * - proposals belong to the space and are numbered 0, 1, 2, … in proposal order;
 * - the same seed gives the same proposals; the batch size of `propose` does not change them;
 * - encode → JSON → decode → continue gives the same proposals (and final state) as never stopping;
 * - with `findsOptimum`, the optimum is evaluated within the stated budget for the stated share of seeds;
 * - with `complete`, the strategy proposes every cell of the space exactly once and then is done.
 *
 * The driver here is deliberately minimal (propose, evaluate through the Evaluator, observe) so the
 * suite tests the strategy, not a particular search loop.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  type CandidateRecord,
  type Evaluator,
  SearchSpace,
  SearchStrategy
} from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { makeToySearchSpace, toyEvaluator, toyObjective, toyTarget } from "./ToySearchSpace.ts"

/**
 * @since 0.1.0
 */
export interface StrategyContractOptions {
  /** The strategy's Layer; it is given the space below. */
  readonly layer: Layer.Layer<SearchStrategy.SearchStrategy, unknown, SearchSpace.SearchSpace>
  /** The space (default: the toy space of `ToySearchSpace.ts`). */
  readonly space?: SearchSpace.SearchSpace["Service"]
  /** What the evaluator scores (default: minus the L1 distance to `optimum`). */
  readonly objective?: (arch: Architecture.Architecture) => number
  /** The known optimum of `objective` (default: the toy target). */
  readonly optimum?: Architecture.Architecture
  /** Candidates compared by the determinism and resume checks (default 60). */
  readonly horizon?: number
  /** Where the resume check stops and restarts (default 1, 7, 23). */
  readonly resumeCuts?: ReadonlyArray<number>
  /** The optimum is found within `budget` candidates for at least `minRate` of `seeds`. */
  readonly findsOptimum?: {
    readonly budget: number
    readonly seeds: ReadonlyArray<number>
    readonly minRate: number
  }
  /** The strategy covers the whole space once and then reports done. */
  readonly complete?: boolean
}

/**
 * What a drive produced: the labels proposed, in order, the records and the final state.
 *
 * @since 0.1.0
 */
export interface Drive {
  readonly labels: ReadonlyArray<string>
  readonly indices: ReadonlyArray<number>
  readonly records: ReadonlyArray<CandidateRecord.CandidateRecord>
  readonly state: unknown
}

/**
 * Proposes up to `batch` at a time, evaluates each proposal, observes it, until `limit`
 * candidates, `stop` or the strategy is done (or proposes nothing).
 *
 * @since 0.1.0
 */
export const driveStrategy = (
  strategy: SearchStrategy.Strategy<unknown, unknown>,
  evaluator: Evaluator.Evaluator["Service"],
  start: unknown,
  limit: number,
  batch = 1,
  stop: (record: CandidateRecord.CandidateRecord) => boolean = () => false
): Effect.Effect<Drive, Evaluator.EvaluationError | Evaluator.BudgetExhausted> =>
  Effect.gen(function* () {
    let state = start
    const records: Array<CandidateRecord.CandidateRecord> = []
    while (records.length < limit && !strategy.done(state)) {
      const round = strategy.propose(state, Math.min(batch, limit - records.length))
      state = round.state
      if (round.candidates.length === 0) break
      let stopped = false
      for (const candidate of round.candidates) {
        const record = yield* evaluator.evaluate(candidate)
        state = strategy.observe(state, record, record.scores[0]?.value ?? Number.NaN)
        records.push(record)
        if (stop(record)) stopped = true
      }
      if (stopped) break
    }
    return {
      labels: records.map((r) => Architecture.architectureLabel(r.architecture)),
      indices: records.map((r) => r.index),
      records,
      state
    }
  })

const roundTrip = (strategy: SearchStrategy.Strategy<unknown, unknown>, state: unknown): unknown =>
  Schema.decodeUnknownSync(strategy.state)(
    JSON.parse(JSON.stringify(Schema.encodeSync(strategy.state)(state)))
  )

const encoded = (strategy: SearchStrategy.Strategy<unknown, unknown>, state: unknown): string =>
  JSON.stringify(Schema.encodeSync(strategy.state)(state))

/**
 * Registers the contract tests of a strategy under `describe(name)`.
 *
 * @since 0.1.0
 */
export const strategyContract = (name: string, options: StrategyContractOptions): void => {
  const space = options.space ?? makeToySearchSpace()
  const optimum = options.optimum ?? toyTarget
  const evaluator = toyEvaluator(options.objective ?? toyObjective(optimum))
  const horizon = options.horizon ?? 60
  const strategy = Effect.runSync(
    Effect.provide(
      SearchStrategy.SearchStrategy,
      options.layer.pipe(Layer.provide(Layer.succeed(SearchSpace.SearchSpace, space)))
    )
  )
  const drive = (start: unknown, limit: number, batch = 1) =>
    Effect.runSync(driveStrategy(strategy, evaluator, start, limit, batch))

  describe(`${name} (strategy contract)`, () => {
    it("proposes valid cells of the space, numbered 0, 1, 2, … in order", () => {
      const run = drive(strategy.init(1), horizon)
      expect(run.records.length).toBe(horizon)
      expect(run.indices).toEqual(Array.from({ length: horizon }, (_, i) => i))
      for (const record of run.records) Effect.runSync(space.validate(record.architecture))
    })

    it("proposes the same cells for the same seed and different ones for another seed", () => {
      const a = drive(strategy.init(7), horizon)
      const b = drive(strategy.init(7), horizon)
      expect(b.labels).toEqual(a.labels)
      expect(encoded(strategy, b.state)).toBe(encoded(strategy, a.state))
      if (!options.complete) expect(drive(strategy.init(8), horizon).labels).not.toEqual(a.labels)
    })

    it("proposes the same cells whatever the batch size of propose", () => {
      const one = drive(strategy.init(3), horizon, 1)
      expect(drive(strategy.init(3), horizon, 4).labels).toEqual(one.labels)
      expect(drive(strategy.init(3), horizon, horizon).labels).toEqual(one.labels)
    })

    it("proposes nothing when asked for zero candidates", () => {
      const round = strategy.propose(strategy.init(1), 0)
      expect(round.candidates).toEqual([])
      expect(encoded(strategy, round.state)).toBe(encoded(strategy, strategy.init(1)))
    })

    it("continues after encode → JSON → decode exactly as if it had never stopped", () => {
      const straight = drive(strategy.init(11), horizon)
      for (const cut of options.resumeCuts ?? [1, 7, 23]) {
        const first = drive(strategy.init(11), cut)
        const resumed = drive(roundTrip(strategy, first.state), horizon - cut)
        expect([...first.labels, ...resumed.labels]).toEqual(straight.labels)
        expect([...first.indices, ...resumed.indices]).toEqual(straight.indices)
        expect(encoded(strategy, resumed.state)).toBe(encoded(strategy, straight.state))
      }
    })

    const finds = options.findsOptimum
    if (finds !== undefined) {
      it(`finds the optimum within ${finds.budget} candidates for ≥ ${finds.minRate * 100}% of ${finds.seeds.length} seeds`, () => {
        const target = Architecture.architectureLabel(optimum)
        const hits = finds.seeds.filter((seed) => {
          const run = Effect.runSync(
            driveStrategy(
              strategy,
              evaluator,
              strategy.init(seed),
              finds.budget,
              1,
              (record) => Architecture.architectureLabel(record.architecture) === target
            )
          )
          return run.labels.includes(target)
        })
        expect(hits.length / finds.seeds.length).toBeGreaterThanOrEqual(finds.minRate)
      })
    }

    if (options.complete) {
      it("proposes every cell of the space exactly once, then is done", () => {
        const cells = Array.from(space.enumerate(), Architecture.architectureLabel)
        const run = drive(strategy.init(5), cells.length + 10, 97)
        expect(run.labels).toEqual(cells)
        expect(new Set(run.labels).size).toBe(cells.length)
        expect(strategy.done(run.state)).toBe(true)
        expect(strategy.propose(run.state, 5).candidates).toEqual([])
      })
    }
  })
}
