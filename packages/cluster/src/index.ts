/**
 * Scale-out: a run's score jobs computed on N workers through Effect Cluster on PostgreSQL.
 *
 * - {@link ClusterJobs} — the run's side (`spikernel run --cluster URL`): `RemoteJobs` for the
 *   search steps' scoring evaluator; the run stays the only writer of its store;
 * - {@link ClusterWorker} — `spikernel worker --cluster URL`: a runner computing jobs in threads;
 * - {@link ClusterSettings} — the URL and the timing settings (how fast a dead worker's jobs move);
 * - {@link ScoreMessage} — the messages, as Schemas.
 *
 * @since 0.1.0
 */

/** The run's side: `RemoteJobs` on the cluster. */
export * as ClusterJobs from "./ClusterJobs.ts"
/** The cluster URL and timing settings. */
export * as ClusterSettings from "./ClusterSettings.ts"
/** A worker: an Effect Cluster runner computing score jobs in threads. */
export * as ClusterWorker from "./ClusterWorker.ts"
/** What a worker can run. */
export * as CodeVersion from "./CodeVersion.ts"
/** The cluster database's SQL client. */
export * as Database from "./Database.ts"
/** Score job messages and the entity that carries them. */
export * as ScoreMessage from "./ScoreMessage.ts"
/** A worker's compute: scorers built from a job's setup, with the version and data checks. */
export * as WorkerCompute from "./WorkerCompute.ts"
/** The workers table. */
export * as WorkerTable from "./WorkerTable.ts"
export * from "./ClusterError.ts"
