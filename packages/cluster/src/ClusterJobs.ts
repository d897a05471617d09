/**
 * The run's side of the cluster (`spikernel run --cluster URL`): `ScoreEvaluator.RemoteJobs` (a
 * search step's score jobs) and `ExecutorStep.RemoteSteps` (whole `train` and `evaluate` steps)
 * backed by Effect Cluster. The store stays this process's — `storeCached` serves what it holds and
 * journals each entry a worker returns; a step's output is stored by the runner as if computed
 * here — so workers only compute.
 *
 * Load balancing: the run sends a job only to a worker with a free slot, the least loaded first (a
 * pull in effect: a job waits here until some worker can take it). It does so by choosing the
 * entity id: for every shard it knows an id that hashes to it, and the workers table says which
 * worker holds which shards. If the worker dies, its shards — and the unprocessed job — pass to a
 * survivor. A job's message is keyed by its score key (the RPC's primary key): a resumed run finds
 * the entity id each stored job was sent to and sends it there again, and the message storage
 * answers with the stored reply instead of computing it again.
 *
 * When a step's search finishes, its messages and replies are deleted, and so is a step job's once
 * its reply is here; a failed job's message is deleted at once, so a later run computes it again
 * rather than replaying the failure.
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { Architecture, Evaluator } from "@spikernel/core"
import { CacheKey, ExecutorStep, ScoreEvaluator, StepError } from "@spikernel/pipeline"
import { Clock, Context, Effect, Exit, Layer, Schedule, Scope } from "effect"
import { EntityId, Sharding } from "effect/cluster"
import { SqlClient } from "effect/sql"
import type { ClusterError } from "./ClusterError.ts"
import * as ClusterSettings from "./ClusterSettings.ts"
import { shardsPerGroup } from "./ClusterWorker.ts"
import * as CodeVersion from "./CodeVersion.ts"
import * as Database from "./Database.ts"
import { decodeJson, encodeJson, type JobFailure, ScoreEntity, ScoreJob, ScoreReply } from "./ScoreMessage.ts"
import { StepEntity, StepJob, StepReply } from "./StepMessage.ts"
import * as RunTable from "./RunTable.ts"
import * as WorkerTable from "./WorkerTable.ts"

/**
 * Jobs in flight per worker, as the run sees them (for progress output).
 *
 * @since 0.1.0
 */
export interface Placement {
  readonly inFlight: ReadonlyMap<string, number>
}

const entityType: string = ScoreEntity.type
const stepEntityType: string = StepEntity.type

/**
 * `RemoteJobs` and `RemoteSteps` on the cluster at `url`, with a callback told whenever the
 * placement changes.
 *
 * @since 0.1.0
 */
export const layer = (
  url: string,
  options: { readonly onPlacement?: (text: string) => Effect.Effect<void> } = {}
): Layer.Layer<ScoreEvaluator.RemoteJobs | ExecutorStep.RemoteSteps, ClusterError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* ClusterSettings.fromEnv()
      const cluster = NodeClusterSocket.layer({
        clientOnly: true,
        storage: "sql",
        shardingConfig: { shardsPerGroup, ...ClusterSettings.shardingConfig(settings) }
      })
      return Layer.effectContext(make(settings, options)).pipe(
        Layer.provide(cluster),
        Layer.provideMerge(Database.layer(url))
      ) as unknown as Layer.Layer<ScoreEvaluator.RemoteJobs | ExecutorStep.RemoteSteps, ClusterError>
    })
  )

const make = (
  settings: ClusterSettings.Settings,
  options: { readonly onPlacement?: (text: string) => Effect.Effect<void> }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const sharding = yield* Sharding.Sharding
    const client = yield* ScoreEntity.client
    const stepClient = yield* StepEntity.client
    const layerScope = yield* Effect.scope

    // An entity id for every shard, found by trying ids: the run picks the shard, hence the worker.
    const idForShard = new Map<number, string>()
    for (let i = 0; idForShard.size < shardsPerGroup && i < 100_000; i++) {
      const id = `s${i}`
      const shard = sharding.getShardId(EntityId.make(id), "default").id
      if (!idForShard.has(shard)) idForShard.set(shard, id)
    }

    // This run's row, written before any job is sent and while it stays connected: a worker that
    // starts meanwhile keeps the run's jobs (RunTable).
    const runName = `${hostname()}:${process.pid}:${yield* Clock.currentTimeMillis}`
    yield* RunTable.ensure
    yield* RunTable.beat(runName)
    yield* Effect.addFinalizer(() => RunTable.remove(runName, settings.workerStale).pipe(Effect.ignore))
    yield* RunTable.beat(runName).pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(settings.heartbeat)),
      Effect.forkIn(layerScope)
    )

    let workers: ReadonlyArray<WorkerTable.WorkerRow> = []
    const inFlight = new Map<string, number>()
    const refresh = WorkerTable.list.pipe(
      Effect.tap((rows) =>
        Effect.sync(() => {
          workers = rows
        })
      ),
      Effect.ignore
    )
    yield* refresh
    yield* refresh.pipe(
      Effect.repeat(Schedule.spaced(Math.min(settings.heartbeat, 500))),
      Effect.forkIn(layerScope)
    )

    const placementText = () =>
      [...inFlight]
        .filter(([, n]) => n > 0)
        .map(([name, n]) => `${n} on ${name}`)
        .join(", ")

    /**
     * Waits for a worker of this code version (one that has every plugin of `needed`) with a free
     * slot, and reserves the slot; fails with `fail(reason)` when every live worker runs another
     * code version. `what` names the step in warnings.
     */
    const reserve = <E>(
      needed: { readonly keyVersion: number; readonly plugins: ReadonlyArray<string> },
      what: string,
      fail: (reason: string) => E
    ) =>
      Effect.gen(function* () {
        let waitingSince: number | undefined
        while (true) {
          const now = yield* Clock.currentTimeMillis
          const live = workers.filter((w) => w.ageMs < settings.workerStale)
          const compatible = []
          for (const worker of live) {
            const why = CodeVersion.mismatch(worker, needed)
            if (why === undefined) {
              compatible.push(worker)
              continue
            }
            if (!warned.has(worker.name)) {
              warned.add(worker.name)
              yield* Effect.logWarning(`worker ${worker.name} is not used: ${why}`)
            }
          }
          if (compatible.length === 0 && live.length > 0) {
            const other = live[0]
            return yield* Effect.fail(
              fail(
                `no worker can run this step: worker ${other.name} runs another code version (${CodeVersion.mismatch(other, needed)})`
              )
            )
          }
          const free = compatible
            .filter((w) => w.shards.length > 0 && (inFlight.get(w.name) ?? 0) < w.slots)
            .sort((a, b) => (inFlight.get(a.name) ?? 0) / a.slots - (inFlight.get(b.name) ?? 0) / b.slots)
          if (free.length > 0) {
            const worker = free[0]
            const count = inFlight.get(worker.name) ?? 0
            inFlight.set(worker.name, count + 1)
            const shard = worker.shards[count % worker.shards.length]
            yield* placed
            return { worker: worker.name, entityId: idForShard.get(shard)! }
          }
          if (live.length === 0 && waitingSince === undefined) {
            waitingSince = now
            yield* Effect.logWarning(
              `step "${what}": no worker is connected; waiting (start one with spikernel worker --cluster URL)`
            )
          }
          yield* Effect.sleep(10)
        }
      })
    const warned = new Set<string>()
    const placed = Effect.suspend(() =>
      options.onPlacement === undefined ? Effect.void : options.onPlacement(placementText())
    )

    const release = (worker: string) =>
      Effect.suspend(() => {
        inFlight.set(worker, Math.max(0, (inFlight.get(worker) ?? 1) - 1))
        return placed
      })

    /** Deletes the messages (and replies) of `ids` (`type/entity/tag/key`). */
    const deleteMessages = (type: string, ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.void
        : Effect.gen(function* () {
            yield* sql`DELETE FROM cluster_replies WHERE request_id IN (
              SELECT request_id FROM cluster_messages WHERE entity_type = ${type}
              AND message_id IN ${sql.in(ids)})`
            yield* sql`DELETE FROM cluster_messages WHERE request_id IN (
              SELECT request_id FROM cluster_messages WHERE entity_type = ${type}
              AND message_id IN ${sql.in(ids)})`
          }).pipe(Effect.ignore)

    /** Where earlier runs sent jobs of `type` / `tag` that are still stored: key → entity id. */
    const storedJobs = (type: string, tag: string) =>
      Effect.map(
        sql<{ readonly entity_id: string; readonly message_id: string }>`
          SELECT entity_id, message_id FROM cluster_messages
          WHERE entity_type = ${type} AND tag = ${tag} AND message_id IS NOT NULL`,
        (rows) =>
          new Map(
            rows.map(
              (row) => [row.message_id.slice(row.message_id.lastIndexOf("/") + 1), row.entity_id] as const
            )
          )
      )

    const remoteJobs = ScoreEvaluator.RemoteJobs.of({
      forStep: (setup) =>
        Effect.gen(function* () {
          const needed = {
            keyVersion: CacheKey.keyVersion,
            plugins: [setup.loader, ...setup.plugins].map(CodeVersion.pluginLabel)
          }
          const fail = (reason: string) => new StepError({ step: setup.step, reason })
          // Jobs of an earlier, interrupted run of this step: the entity id each was sent to.
          const previous = yield* storedJobs(entityType, "Score").pipe(
            Effect.mapError((error) => fail(`reading the cluster's stored jobs: ${error.message}`))
          )
          const sent = new Set<string>()

          const forget = (keys: ReadonlyArray<string>) =>
            deleteMessages(
              entityType,
              keys.map((key) => `${entityType}/${previous.get(key) ?? ""}/Score/${key}`)
            )

          // A finished step cleans up its messages; an interrupted one leaves them for its resume.
          const scope = yield* Effect.scope
          yield* Scope.addFinalizerExit(scope, (exit) =>
            Exit.isSuccess(exit) || !Exit.hasInterrupts(exit) ? forget([...sent]) : Effect.void
          )

          const evaluationError = (
            job: ScoreEvaluator.ScoreJob,
            failure: JobFailure | ClusterError | { readonly message: string }
          ) =>
            new Evaluator.EvaluationError({
              index: job.requestedBy.index,
              architecture: Architecture.architectureLabel(job.architecture),
              reason: failure.message,
              ...("memory" in failure && failure.memory !== undefined ? { memory: failure.memory } : {})
            })

          return {
            run: (job: ScoreEvaluator.ScoreJob) =>
              Effect.gen(function* () {
                const text = encodeJson(ScoreJob, {
                  key: job.key,
                  setup: {
                    keyVersion: CacheKey.keyVersion,
                    codeVersion: "",
                    fingerprint: setup.fingerprint,
                    loader: setup.loader,
                    plugins: setup.plugins
                  },
                  scorer: job.scorer,
                  architecture: job.architecture,
                  seed: job.seed,
                  stream: job.stream,
                  requestedBy: job.requestedBy
                })
                const known = previous.get(job.key)
                const target =
                  known === undefined
                    ? yield* reserve(needed, setup.step, fail).pipe(
                        Effect.mapError((error) => evaluationError(job, error))
                      )
                    : { worker: "", entityId: known }
                previous.set(job.key, target.entityId)
                sent.add(job.key)
                // Interruptible although the search loop runs candidates uninterruptibly: the job is
                // stored, and a resumed run gets its reply; a stopped run must not wait for workers.
                const reply = yield* Effect.interruptible(
                  client(target.entityId).Score({ key: job.key, job: text })
                ).pipe(
                  Effect.ensuring(target.worker === "" ? Effect.void : release(target.worker)),
                  Effect.tapError(() =>
                    forget([job.key]).pipe(Effect.tap(() => Effect.sync(() => sent.delete(job.key))))
                  ),
                  Effect.mapError((error) => evaluationError(job, error as { readonly message: string }))
                )
                const decoded = yield* decodeJson(ScoreReply, reply, "the worker's reply").pipe(
                  Effect.mapError((error) => evaluationError(job, error))
                )
                return decoded.entry
              })
          }
        })
    })

    const remoteSteps = ExecutorStep.RemoteSteps.of({
      run: (step) =>
        Effect.gen(function* () {
          const fail = (reason: string) => new StepError({ step: step.step, reason })
          const executorLabel = CodeVersion.executorLabel({ step: step.kind, ...step.executor })
          const needed = {
            keyVersion: CacheKey.keyVersion,
            plugins: [
              executorLabel,
              ...(step.dataset === null ? [] : [CodeVersion.pluginLabel(step.dataset.loader)])
            ]
          }
          const text = encodeJson(StepJob, {
            key: step.key,
            keyVersion: CacheKey.keyVersion,
            step: step.step,
            kind: step.kind,
            seed: step.seed,
            executor: step.executor,
            inputs: step.inputs,
            dataset: step.dataset
          })
          // A job an interrupted run of this step sent: sent again to the same entity, the message
          // storage answers with its reply (or the worker that holds it finishes it).
          const previous = yield* storedJobs(stepEntityType, "Step").pipe(
            Effect.mapError((error) => fail(`reading the cluster's stored jobs: ${error.message}`))
          )
          const known = previous.get(step.key)
          const target =
            known === undefined ? yield* reserve(needed, step.step, fail) : { worker: "", entityId: known }
          const forget = deleteMessages(stepEntityType, [
            `${stepEntityType}/${target.entityId}/Step/${step.key}`
          ])
          const reply = yield* Effect.interruptible(
            stepClient(target.entityId).Step({ key: step.key, job: text })
          ).pipe(
            Effect.ensuring(target.worker === "" ? Effect.void : release(target.worker)),
            Effect.tapError(() => forget),
            Effect.mapError((error) =>
              fail(`${step.kind} on the cluster: ${(error as { readonly message: string }).message}`)
            )
          )
          const decoded = yield* decodeJson(StepReply, reply, "the worker's reply").pipe(
            Effect.mapError((error) => fail(error.message))
          )
          // The runner stores the output before the run goes on; the message is no longer needed.
          yield* forget
          yield* Effect.logInfo(
            `step ${step.step}: ${step.kind === "train" ? "trained" : "evaluated"} on worker ${decoded.worker} in ${decoded.seconds.toFixed(1)} s`
          )
          return decoded.output
        })
    })

    return Context.make(ScoreEvaluator.RemoteJobs, remoteJobs).pipe(
      Context.add(ExecutorStep.RemoteSteps, remoteSteps)
    )
  })

/**
 * The connected workers (for `spikernel status --cluster`).
 *
 * @since 0.1.0
 */
export const workers = (url: string) => WorkerTable.list.pipe(Effect.provide(Database.layer(url)))
