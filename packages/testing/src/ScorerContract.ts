/**
 * The contract every Scorer must pass (core's `Scorer.ts`):
 *
 * - the result names the scorer by the service's id;
 * - a score is a pure function of (architecture, seed, index): the same twice, and the same from a
 *   freshly built Layer;
 * - the value is finite, or −Infinity with a note saying why (a singular SAHD kernel);
 * - details are finite numbers (a −Infinity score may carry the −Infinity that caused it);
 * - the result survives the JSON round trip of a cached record;
 * - an impossible request fails with a ScoreError naming the scorer — a typed failure, not a defect;
 * - no tensor is left behind.
 *
 * @since 0.1.0
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { type Architecture, CandidateRecord, Scorer } from "@spikernel/core"
import * as tf from "@tensorflow/tfjs-core"
import { Context, Effect, Layer, Schema } from "effect"

/**
 * @since 0.1.0
 */
export interface ScorerContractOptions {
  /** The scorer with everything it needs (networks, data, neuron, backend). */
  readonly layer: Layer.Layer<Scorer.Scorer, unknown>
  /** The id the service must report. */
  readonly id: string
  /** Architectures to score: at least two that the scorer tells apart. */
  readonly architectures: ReadonlyArray<Architecture.Architecture>
  /** Keys to score them under (default (0, 0) and (1, 3)). */
  readonly keys?: ReadonlyArray<Scorer.ScoreContext>
  /** A request the scorer must refuse with a ScoreError: another Layer, or an architecture, or both. */
  readonly impossible?: {
    readonly layer?: Layer.Layer<Scorer.Scorer, unknown>
    readonly architecture?: Architecture.Architecture
    /** What the error's reason must say. */
    readonly reason?: RegExp
  }
}

/** Every architecture scored under every key once per suite, with the live tensors around it. */
class Scored extends Context.Service<
  Scored,
  {
    readonly rows: ReadonlyArray<ReadonlyArray<CandidateRecord.ScoreResult>>
    readonly tensorsBefore: number
    readonly tensorsAfter: number
  }
>()("@spikernel/testing/ScorerContract/Scored") {}

const roundTrip = (result: CandidateRecord.ScoreResult): CandidateRecord.ScoreResult =>
  Schema.decodeUnknownSync(CandidateRecord.ScoreResult)(
    JSON.parse(JSON.stringify(Schema.encodeSync(CandidateRecord.ScoreResult)(result)))
  )

/**
 * Registers the contract tests of a Scorer under `describe(name)`.
 *
 * @since 0.1.0
 */
export const scorerContract = (name: string, options: ScorerContractOptions): void => {
  const keys = options.keys ?? [
    { seed: 0, index: 0 },
    { seed: 1, index: 3 }
  ]
  const [first] = options.architectures
  const scorer = Effect.service(Scorer.Scorer)
  const scored = Layer.effect(
    Scored,
    Effect.gen(function* () {
      const s = yield* scorer
      const tensorsBefore = tf.memory().numTensors
      const rows = yield* Effect.forEach(options.architectures, (arch) =>
        Effect.forEach(keys, (key) => s.score(arch, key))
      )
      return { rows, tensorsBefore, tensorsAfter: tf.memory().numTensors }
    })
  )
  const rows = Effect.map(Effect.service(Scored), (s) => s.rows)

  describe(`${name} (Scorer contract)`, () => {
    layer(scored.pipe(Layer.provideMerge(options.layer)))((it) => {
      it.effect("names itself by its id, in the service and in every result", () =>
        Effect.gen(function* () {
          const s = yield* scorer
          expect(s.id).toBe(options.id)
          for (const row of yield* rows) for (const result of row) expect(result.scorer).toBe(s.id)
        })
      )

      it.effect("is a pure function of (architecture, seed, index), across Layer builds too", () =>
        Effect.gen(function* () {
          const s = yield* scorer
          const once = (yield* rows)[0][0]
          expect(yield* s.score(first, keys[0])).toEqual(once)
          const fresh = yield* Effect.flatMap(scorer, (t) => t.score(first, keys[0])).pipe(
            Effect.provide(options.layer)
          )
          expect(fresh).toEqual(once)
        })
      )

      it.effect("gives a finite value (or −Infinity with a note) and finite details", () =>
        Effect.map(rows, (all) => {
          for (const result of all.flat()) {
            const singular = result.value === Number.NEGATIVE_INFINITY
            if (!Number.isFinite(result.value) && !singular) expect.fail(`value ${result.value}`)
            if (singular) expect(result.note ?? "", "a −Infinity score says why").not.toBe("")
            for (const [key, value] of Object.entries(result.details)) {
              if (!Number.isFinite(value) && !(singular && value === Number.NEGATIVE_INFINITY)) {
                expect.fail(`detail ${key} = ${value}`)
              }
            }
          }
        })
      )

      it.effect("tells architectures apart, and its results survive a cached record's JSON round trip", () =>
        Effect.map(rows, (all) => {
          for (const result of all.flat()) expect(roundTrip(result)).toEqual(result)
          const byArchitecture = all.map((row) => JSON.stringify(row.map((r) => [r.value, r.details])))
          expect(new Set(byArchitecture).size).toBeGreaterThan(1)
        })
      )

      it.effect("leaves no tensor behind", () =>
        Effect.gen(function* () {
          const { tensorsBefore, tensorsAfter } = yield* Effect.service(Scored)
          expect(tensorsAfter).toBe(tensorsBefore)
        })
      )
    })

    const impossible = options.impossible
    if (impossible !== undefined) {
      it.effect("refuses an impossible request with a ScoreError, not a defect", () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(
            Effect.flatMap(scorer, (s) => s.score(impossible.architecture ?? first, keys[0]))
          ).pipe(Effect.provide(impossible.layer ?? options.layer))
          expect(error).toBeInstanceOf(Scorer.ScoreError)
          const scoreError = error as Scorer.ScoreError
          expect(scoreError.scorer).toBe(options.id)
          expect(scoreError.reason.length).toBeGreaterThan(0)
          if (impossible.reason !== undefined) expect(scoreError.reason).toMatch(impossible.reason)
        })
      )
    }
  })
}
