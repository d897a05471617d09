/**
 * The messages of a cluster step job — a whole `train` or `evaluate` step computed by a worker: what
 * the run sends (a {@link StepJob}: the step's key, executor, seed, upstream values as stored, and
 * data set), what a worker replies (the executor's output, encoded, or a `JobFailure`), and the
 * Effect Cluster entity that carries them.
 *
 * As with score jobs (`ScoreMessage.ts`), both travel as canonical JSON strings decoded with these
 * Schemas (unknown keys refused), and the RPC's primary key is the step's cache key: a resumed run
 * gets the stored reply, and a job delivered twice computes the same bytes, because an executor's
 * randomness comes from the step's seed, never from the worker that ran it. The run stays the only
 * writer of its store: it decodes the output with the executor's own Schema and stores it.
 *
 * @since 0.1.0
 */
import { ExecutorStep } from "@spikernel/pipeline"
import { Schema } from "effect"
import { ClusterSchema, Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { JobFailure } from "./ScoreMessage.ts"

const PluginSpec = Schema.Struct({
  kind: Schema.String,
  id: Schema.String,
  version: Schema.Int,
  config: Schema.Json
})

/**
 * One executor step to compute.
 *
 * @since 0.1.0
 */
export const StepJob = Schema.Struct({
  /** The step's cache key. */
  key: Schema.String,
  /** The run's cache-key version: a worker of another one refuses the job. */
  keyVersion: Schema.Int,
  step: Schema.String,
  kind: Schema.Literals(["train", "evaluate"]),
  seed: Schema.Int,
  executor: Schema.Struct({ id: Schema.String, version: Schema.Int, config: Schema.Json }),
  inputs: Schema.Record(Schema.String, ExecutorStep.RemoteInput),
  /** The data set of the step's `dataset` input, with the fingerprint the run computed. */
  dataset: Schema.NullOr(Schema.Struct({ loader: PluginSpec, fingerprint: Schema.String }))
})

/**
 * @since 0.1.0
 */
export type StepJob = typeof StepJob.Type

/**
 * A step's output as a worker returns it (the executor's output Schema's encoded form), who computed
 * it, and in how many seconds.
 *
 * @since 0.1.0
 */
export const StepReply = Schema.Struct({
  output: Schema.Json,
  worker: Schema.String,
  seconds: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type StepReply = typeof StepReply.Type

/**
 * The step entity's one RPC: a job as canonical JSON, keyed by the step's key.
 *
 * @since 0.1.0
 */
export const Step = Rpc.make("Step", {
  payload: { key: Schema.String, job: Schema.String },
  success: Schema.String,
  error: JobFailure,
  primaryKey: ({ key }) => key
}).annotate(ClusterSchema.Persisted, true)

/**
 * The entity type step jobs are sent to; as for score jobs, the run chooses its ids (the worker).
 *
 * @since 0.1.0
 */
export const StepEntity = Entity.make("SpikernelStep", [Step])
