/**
 * The contract every Evaluator must pass (core's `Evaluator.ts`), written against the core service
 * only, so middleware stacks and store-backed evaluators run the same suite:
 *
 * - one record per candidate, carrying the candidate's own index and architecture, with at least
 *   one score, valid as a CandidateRecord (it survives the JSON round trip of the journal);
 * - the same candidate twice gives the same record; so does the same candidate evaluated after
 *   others, in another order, or concurrently with them;
 * - the same architecture under another index keeps that index;
 * - failures are EvaluationError or BudgetExhausted — typed failures, never defects.
 *
 * "The same record" leaves out the bookkeeping a wrapper may legitimately change: `cached` (a dedup
 * hit is marked cached) and `seconds` (wall time).
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Architecture, CandidateRecord, Evaluator, Rng } from "@spikernel/core"
import { Effect, type Layer, Schema } from "effect"
import { makeToySearchSpace } from "./ToySearchSpace.ts"

/**
 * A failure the evaluator must produce, and of which kind.
 *
 * @since 0.1.0
 */
export interface EvaluatorFailure {
  readonly name: string
  /** The evaluator that must fail (default: the suite's). */
  readonly layer?: Layer.Layer<Evaluator.Evaluator, unknown>
  readonly candidate: Evaluator.Candidate
  readonly error: "EvaluationError" | "BudgetExhausted"
}

/**
 * @since 0.1.0
 */
export interface EvaluatorContractOptions {
  /** The evaluator; each test builds it afresh. */
  readonly layer: Layer.Layer<Evaluator.Evaluator, unknown>
  /** Candidates with distinct canonical architectures (default: eight cells of the toy space). */
  readonly candidates?: ReadonlyArray<Evaluator.Candidate>
  /** Failures the evaluator must report as typed errors. */
  readonly failures?: ReadonlyArray<EvaluatorFailure>
}

/**
 * Eight distinct cells of the toy space, numbered 0 … 7.
 *
 * @since 0.1.0
 */
export const toyCandidates: ReadonlyArray<Evaluator.Candidate> = (() => {
  const space = makeToySearchSpace()
  const out: Array<Evaluator.Candidate> = []
  const seen = new Set<string>()
  for (let i = 0; out.length < 8; i++) {
    const architecture = space.sample(
      Rng.draws({ seed: 3, stream: "testing/evaluator-candidates", index: i })
    )
    const label = Architecture.architectureLabel(architecture)
    if (seen.has(label)) continue
    seen.add(label)
    out.push({ index: out.length, architecture })
  }
  return out
})()

/** A record without the fields a wrapper may change (see the module comment). */
const essence = (record: CandidateRecord.CandidateRecord) => {
  const { cached: _cached, seconds: _seconds, ...rest } = record
  return rest
}

const roundTrip = (record: CandidateRecord.CandidateRecord): CandidateRecord.CandidateRecord =>
  Schema.decodeUnknownSync(CandidateRecord.CandidateRecord)(
    JSON.parse(JSON.stringify(Schema.encodeSync(CandidateRecord.CandidateRecord)(record)))
  )

/**
 * Registers the contract tests of an Evaluator under `describe(name)`.
 *
 * @since 0.1.0
 */
export const evaluatorContract = (name: string, options: EvaluatorContractOptions): void => {
  const candidates = options.candidates ?? toyCandidates
  const evaluator = Effect.service(Evaluator.Evaluator)
  const evaluateAll = (list: ReadonlyArray<Evaluator.Candidate>, concurrency: number | "unbounded" = 1) =>
    Effect.flatMap(evaluator, (e) => Effect.forEach(list, (c) => e.evaluate(c), { concurrency }))
  const fresh = <A, E>(effect: Effect.Effect<A, E, Evaluator.Evaluator>) =>
    Effect.provide(effect, options.layer)

  describe(`${name} (Evaluator contract)`, () => {
    it.effect("gives one valid record per candidate, with the candidate's own index and architecture", () =>
      fresh(
        Effect.map(evaluateAll(candidates), (records) => {
          expect(records).toHaveLength(candidates.length)
          records.forEach((record, i) => {
            expect(record.index).toBe(candidates[i].index)
            expect(record.architecture).toEqual(candidates[i].architecture)
            expect(record.scores.length).toBeGreaterThan(0)
            expect(record.seconds).toBeGreaterThanOrEqual(0)
            expect(roundTrip(record)).toEqual(record)
          })
        })
      )
    )

    it.effect("gives the same record for the same candidate twice", () =>
      fresh(
        Effect.gen(function* () {
          const first = yield* evaluateAll(candidates)
          const second = yield* evaluateAll(candidates)
          expect(second.map(essence)).toEqual(first.map(essence))
        })
      )
    )

    it.effect("gives the same records whatever was evaluated before, and concurrently", () =>
      Effect.gen(function* () {
        const straight = yield* fresh(evaluateAll(candidates))
        const reversed = yield* fresh(evaluateAll([...candidates].reverse()))
        expect(reversed.reverse().map(essence)).toEqual(straight.map(essence))
        const concurrent = yield* fresh(evaluateAll(candidates, "unbounded"))
        expect(concurrent.map(essence)).toEqual(straight.map(essence))
      })
    )

    it.effect("keeps the index of an architecture proposed again under another number", () =>
      fresh(
        Effect.gen(function* () {
          const [first] = yield* evaluateAll(candidates.slice(0, 1))
          const again = yield* Effect.flatMap(evaluator, (e) =>
            e.evaluate({ index: 1000, architecture: candidates[0].architecture })
          )
          expect(again.index).toBe(1000)
          expect(again.architecture).toEqual(candidates[0].architecture)
          expect(again.canonical).toBe(first.canonical)
        })
      )
    )

    for (const failure of options.failures ?? []) {
      it.effect(`fails with ${failure.error}, not a defect: ${failure.name}`, () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(
            Effect.flatMap(evaluator, (e) => e.evaluate(failure.candidate))
          ).pipe(Effect.provide(failure.layer ?? options.layer))
          expect(error).toBeInstanceOf(
            failure.error === "EvaluationError" ? Evaluator.EvaluationError : Evaluator.BudgetExhausted
          )
          if (error instanceof Evaluator.EvaluationError) {
            expect(error.index).toBe(failure.candidate.index)
            expect(error.reason.length).toBeGreaterThan(0)
          }
        })
      )
    }
  })
}
