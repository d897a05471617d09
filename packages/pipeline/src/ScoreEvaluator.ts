/**
 * The scoring Evaluator of a search step: a candidate's record is made of one score per scorer of
 * its canonical architecture, and every score is a job with its own cache key.
 *
 * Two layers, so that where a score is computed is one replaceable service:
 *
 * - {@link ScoreJobs} computes a job — here, in this process (`localJobs`); a distributed engine
 *   plugs in here — and returns its entry;
 * - {@link storeCached} wraps it with the store: a job whose key has an entry is served from the
 *   journal; otherwise it is computed and its entry journaled before the record is returned (the
 *   unit of durability is one score). Only the process that runs the step writes the store.
 *
 * The job's key covers the scorer's identity, the identities of what it is built with (space,
 * encoder, neuron), the canonical architecture, the data set fingerprint, the seed and the stream,
 * and nothing about the search that met it; the stream is derived from the canonical architecture
 * (`CacheKey.architectureStream`), so one cell gets one score whatever order, strategy or worker met
 * it. Each entry remembers which step and candidate asked for it first, so a record's `cached` flag
 * and `seconds` are the same whether the search ran straight through or was interrupted and resumed.
 *
 * @since 0.1.0
 */
import {
  Architecture,
  CandidateRecord,
  DeploymentMemory,
  Evaluator,
  type Plugin,
  type Scorer,
  type SearchSpace
} from "@spikernel/core"
import { Clock, Context, Effect, Option, Schema, type Scope } from "effect"
import { architectureStream, keyVersion, type PluginPart, scoreKey } from "./CacheKey.ts"
import type { StepError } from "./StepError.ts"
import * as Store from "./Store.ts"
import * as StoreLayout from "./StoreLayout.ts"

/**
 * A stored score and its provenance.
 *
 * @since 0.1.0
 */
export const ScoreEntry = Schema.Struct({
  score: CandidateRecord.ScoreResult,
  /** Wall seconds the computation took. */
  seconds: Schema.Finite,
  /** The step and candidate that first asked for this score. */
  computedBy: Schema.Struct({ step: Schema.String, index: Schema.Int })
})

/**
 * @since 0.1.0
 */
export type ScoreEntry = typeof ScoreEntry.Type

/**
 * One score to compute.
 *
 * @since 0.1.0
 */
export interface ScoreJob {
  /** The score's cache key (also the idempotency key of a distributed job). */
  readonly key: string
  /** Which of the step's scorers (0 is the primary). */
  readonly scorer: number
  /** The canonical architecture. */
  readonly architecture: Architecture.Architecture
  readonly seed: number
  /** The scorer's stream index. */
  readonly stream: number
  /** The step and candidate asking. */
  readonly requestedBy: { readonly step: string; readonly index: number }
}

/**
 * Computes score jobs. Failures are the candidate's EvaluationError, with a scorer's memory refusal
 * kept as figures.
 *
 * @since 0.1.0
 */
export class ScoreJobs extends Context.Service<
  ScoreJobs,
  { readonly run: (job: ScoreJob) => Effect.Effect<ScoreEntry, Evaluator.EvaluationError> }
>()("@spikernel/pipeline/ScoreJobs") {}

/**
 * A plugin as a remote worker is told it: its kind, role in the step, id, version and encoded
 * config. The worker resolves it in its own registry and refuses a different version.
 *
 * @since 0.1.0
 */
export const PluginSpec = Schema.Struct({
  role: Schema.String,
  kind: Schema.String,
  id: Schema.String,
  version: Schema.Int,
  config: Schema.Json
})

/**
 * @since 0.1.0
 */
export type PluginSpec = typeof PluginSpec.Type

/**
 * What a search step's score jobs are computed with, for a remote worker to build the same scorers:
 * the data set's loader and fingerprint, and the step's plugins (all but its strategy).
 *
 * @since 0.1.0
 */
export interface RemoteSetup {
  readonly step: string
  readonly stepKey: string
  readonly fingerprint: string | null
  readonly loader: Omit<PluginSpec, "role">
  readonly plugins: ReadonlyArray<PluginSpec>
  /** Identities of what the scorers are built with (the score key's `context`). */
  readonly context: ReadonlyArray<PluginPart>
  /** The scorers' identities, the primary first. */
  readonly scorers: ReadonlyArray<Plugin.Identity>
}

/**
 * Where a run's score jobs are computed when not in this process (a cluster, `--cluster`): given a
 * search step's setup, the jobs of that step, for the life of the step's scope. The store stays this
 * process's: `storeCached` wraps what this returns.
 *
 * @since 0.1.0
 */
export class RemoteJobs extends Context.Service<
  RemoteJobs,
  {
    readonly forStep: (setup: RemoteSetup) => Effect.Effect<ScoreJobs["Service"], StepError, Scope.Scope>
  }
>()("@spikernel/pipeline/RemoteJobs") {}

/**
 * The EvaluationError of a scorer's failure for a candidate.
 *
 * @since 0.1.0
 */
export const evaluationError = (
  candidate: { readonly index: number; readonly architecture: Architecture.Architecture },
  error: Scorer.ScoreError
): Evaluator.EvaluationError =>
  new Evaluator.EvaluationError({
    index: candidate.index,
    architecture: Architecture.architectureLabel(candidate.architecture),
    reason: error.message,
    ...(error.memory === undefined ? {} : { memory: error.memory })
  })

/**
 * Jobs computed in this process by the step's scorers.
 *
 * @since 0.1.0
 */
export const localJobs = (scorers: ReadonlyArray<Scorer.Scorer["Service"]>): ScoreJobs["Service"] => ({
  run: (job) =>
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const score = yield* scorers[job.scorer]
        .score(job.architecture, { seed: job.seed, index: job.stream })
        .pipe(
          Effect.mapError((error) =>
            evaluationError({ index: job.requestedBy.index, architecture: job.architecture }, error)
          )
        )
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      return { score, seconds, computedBy: job.requestedBy }
    })
})

/**
 * Jobs served from the store when their entry is there; otherwise computed by `inner` and journaled.
 *
 * @since 0.1.0
 */
export const storeCached = (
  inner: ScoreJobs["Service"]
): Effect.Effect<ScoreJobs["Service"], never, Store.Store> =>
  Effect.map(Effect.service(Store.Store), (store) => {
    const failure = (job: ScoreJob, reason: string) =>
      new Evaluator.EvaluationError({
        index: job.requestedBy.index,
        architecture: Architecture.architectureLabel(job.architecture),
        reason
      })
    return {
      run: (job) =>
        Effect.gen(function* () {
          const stored = yield* Store.getValue(ScoreEntry, StoreLayout.scoreEntry(job.key))
          if (Option.isSome(stored)) return stored.value
          const entry = yield* inner.run(job)
          yield* Store.putValue(ScoreEntry, StoreLayout.scoreEntry(job.key), "score", entry)
          return entry
        }).pipe(
          Effect.catchTag("StoreError", (error) => Effect.fail(failure(job, error.message))),
          Effect.provideService(Store.Store, store)
        )
    }
  })

/**
 * What the scoring evaluator of one search step is made of.
 *
 * @since 0.1.0
 */
export interface EvaluatorInput {
  /** The search step's key, recorded as the provenance of the scores it asks for. */
  readonly stepKey: string
  readonly seed: number
  readonly fingerprint: string | null
  readonly space: SearchSpace.SearchSpace["Service"]
  /** The scorers' identities, the primary first (the order of the jobs' `scorer` index). */
  readonly scorers: ReadonlyArray<Plugin.Identity>
  /** Identities of what the scorers are built with (space, encoder, neuron). */
  readonly context: ReadonlyArray<PluginPart>
  readonly jobs: ScoreJobs["Service"]
}

const integerDetail = (scores: ReadonlyArray<CandidateRecord.ScoreResult>, name: string): number => {
  for (const score of scores) {
    const value = score.details[name]
    if (value !== undefined && Number.isSafeInteger(value)) return value
  }
  return 0
}

const memoryDetail = (
  scores: ReadonlyArray<CandidateRecord.ScoreResult>
): DeploymentMemory.DeploymentMemory | undefined => {
  for (const score of scores) {
    const memory = DeploymentMemory.fromDetails(score.details)
    if (memory._tag === "Some") return memory.value
  }
  return undefined
}

/**
 * The Evaluator of a search step. `params` and `bytes` of a record come from the first score whose
 * details carry `params` / `bytes` (the `params` and `memory` scorers, SAHD), 0 otherwise; `memory`
 * from the first whose details carry the whole deployed-memory record (the `memory` scorer from
 * version 2), absent otherwise.
 *
 * @since 0.1.0
 */
export const make = (input: EvaluatorInput): Evaluator.Evaluator["Service"] =>
  Evaluator.Evaluator.of({
    evaluate: (candidate) =>
      Effect.suspend(() => {
        const canonical = input.space.canonical(candidate.architecture)
        const label = Architecture.architectureLabel(canonical)
        const stream = architectureStream(label)
        const jobs = input.scorers.map((scorer, i) =>
          input.jobs.run({
            key: scoreKey({
              v: keyVersion,
              kind: "score",
              scorer,
              context: input.context,
              architecture: label,
              fingerprint: input.fingerprint,
              seed: input.seed,
              stream
            }),
            scorer: i,
            architecture: canonical,
            seed: input.seed,
            stream,
            requestedBy: { step: input.stepKey, index: candidate.index }
          })
        )
        return Effect.map(Effect.all(jobs), (entries): CandidateRecord.CandidateRecord => {
          const mine = entries.map(
            (entry) => entry.computedBy.step === input.stepKey && entry.computedBy.index === candidate.index
          )
          const scores = entries.map((entry) => entry.score)
          const memory = memoryDetail(scores)
          return {
            index: candidate.index,
            architecture: candidate.architecture,
            canonical: Architecture.formatArchitecture(canonical),
            scores,
            params: integerDetail(scores, "params"),
            bytes: integerDetail(scores, "bytes"),
            ...(memory === undefined ? {} : { memory }),
            seconds: entries.reduce((sum, entry, i) => sum + (mine[i] ? entry.seconds : 0), 0),
            cached: !mine.some((m) => m)
          }
        })
      })
  })
