/**
 * The messages of a cluster score job: what the run sends (a {@link ScoreJob}), what a worker
 * replies (a score entry, or a {@link JobFailure}), and the Effect Cluster entity that carries them.
 *
 * On the wire a job and its entry travel as canonical JSON strings inside the RPC, and each side
 * decodes them with these Schemas, rejecting unknown keys: a worker of another code version fails
 * loudly instead of reading a field it does not know. The RPC's primary key is the score's cache key,
 * so the message storage deduplicates a re-sent job (a resumed run gets the stored reply), and a
 * job's randomness is a function of the key's inputs (seed, stream of the canonical architecture),
 * never of the worker that ran it: at-least-once delivery is safe.
 *
 * @since 0.1.0
 */
import { Architecture, CanonicalJson, MemoryRefusal } from "@spikernel/core"
import { ScoreEvaluator } from "@spikernel/pipeline"
import { Effect, Schema } from "effect"
import { ClusterSchema, Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { ClusterError } from "./ClusterError.ts"

/**
 * What a worker builds a search step's scorers from.
 *
 * @since 0.1.0
 */
export const ScoreSetup = Schema.Struct({
  /** The run's cache-key version: a worker of another one refuses the job. */
  keyVersion: Schema.Int,
  /** The digest of the run's code version (`CodeVersion.ts`). */
  codeVersion: Schema.String,
  /** The data set's fingerprint the run computed: the worker's copy must have the same. */
  fingerprint: Schema.NullOr(Schema.String),
  loader: Schema.Struct({
    kind: Schema.String,
    id: Schema.String,
    version: Schema.Int,
    config: Schema.Json
  }),
  /** The step's plugins but its strategy, by role. */
  plugins: Schema.Array(ScoreEvaluator.PluginSpec)
})

/**
 * @since 0.1.0
 */
export type ScoreSetup = typeof ScoreSetup.Type

/**
 * One score to compute (a `ScoreEvaluator.ScoreJob` with its setup).
 *
 * @since 0.1.0
 */
export const ScoreJob = Schema.Struct({
  key: Schema.String,
  setup: ScoreSetup,
  /** Which scorer of the step's `scorer` / `measure.*` roles, in order (0 is the primary). */
  scorer: Schema.Int,
  architecture: Architecture.Architecture,
  seed: Schema.Int,
  stream: Schema.Int,
  requestedBy: Schema.Struct({ step: Schema.String, index: Schema.Int })
})

/**
 * @since 0.1.0
 */
export type ScoreJob = typeof ScoreJob.Type

/**
 * A score entry as a worker returns it (`ScoreEvaluator.ScoreEntry`), and who computed it.
 *
 * @since 0.1.0
 */
export const ScoreReply = Schema.Struct({
  entry: ScoreEvaluator.ScoreEntry,
  worker: Schema.String
})

/**
 * @since 0.1.0
 */
export type ScoreReply = typeof ScoreReply.Type

/**
 * Why a worker did not return a score: the candidate's evaluation failed (as it would have in
 * process), or the worker refused the job (another code version, no such data set, a message it
 * cannot read).
 *
 * @since 0.1.0
 */
export class JobFailure extends Schema.TaggedError<JobFailure>()("JobFailure", {
  reason: Schema.Literals(["evaluation", "version", "dataset", "message", "worker"]),
  worker: Schema.String,
  detail: Schema.String,
  memory: Schema.optionalKey(MemoryRefusal)
}) {
  override get message(): string {
    return `worker ${this.worker}: ${this.detail}`
  }
}

/**
 * The entity's one RPC: a job as canonical JSON, keyed by its score key.
 *
 * @since 0.1.0
 */
export const Score = Rpc.make("Score", {
  payload: { key: Schema.String, job: Schema.String },
  success: Schema.String,
  error: JobFailure,
  primaryKey: ({ key }) => key
}).annotate(ClusterSchema.Persisted, true)

/**
 * The entity type score jobs are sent to. Its ids are chosen by the run for load balancing
 * (`ClusterJobs.ts`), not derived from the job.
 *
 * @since 0.1.0
 */
export const ScoreEntity = Entity.make("SpikernelScore", [Score])

const strict = { onExcessProperty: "error" } as const

/**
 * Decodes a JSON string with a Schema, unknown keys refused.
 *
 * @since 0.1.0
 */
export const decodeJson = <A, I>(schema: Schema.Codec<A, I>, text: string, what: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => new ClusterError({ reason: "message", detail: `${what} is not JSON` })
  }).pipe(
    Effect.flatMap((json) => Schema.decodeUnknownEffect(schema)(json, strict)),
    Effect.mapError((error) =>
      error._tag === "ClusterError"
        ? error
        : new ClusterError({
            reason: "message",
            detail: `${what} does not decode: ${String(error).split("\n").join("; ")}`
          })
    )
  )

/**
 * Encodes a value with a Schema as canonical JSON.
 *
 * @since 0.1.0
 */
export const encodeJson = <A, I>(schema: Schema.Codec<A, I>, value: A): string =>
  CanonicalJson.canonicalJson(Schema.encodeSync(schema)(value))
