/**
 * Checkpoints: everything a training needs to continue exactly where it stopped.
 *
 * Layout of a checkpoint directory:
 *
 * ```
 * DIR/latest.json                          { "name": "ckpt-e0003-b000000" }
 * DIR/ckpt-e0003-b000000/weights.safetensors    weights + BatchNorm running stats, by official name
 * DIR/ckpt-e0003-b000000/optimizer.safetensors  optimizer buffers (`momentum_buffer/<name>`, …)
 * DIR/ckpt-e0003-b000000/checkpoint.json        CheckpointState: position, records, sha256 of both files
 * ```
 *
 * Writes are atomic: the files go to a temporary directory, each is fsynced, the directory is fsynced
 * and renamed into place, then `latest.json` is replaced (temp → fsync → rename → fsync of DIR). A kill
 * at any point leaves the previous checkpoint intact and `latest.json` pointing at a complete one.
 * Reading checks both files against their recorded sha256; a damaged checkpoint is skipped (with a
 * warning) in favour of the next older one.
 *
 * @since 0.1.0
 */
import { CanonicalJson } from "@spikernel/core"
import { Effect, FileSystem, Schema } from "effect"
import { createHash } from "node:crypto"
import { EpochRecord } from "./EpochRecord.ts"
import * as Safetensors from "./Safetensors.ts"
import { TrainConfig } from "./TrainConfig.ts"
import { checkpointFailed, type TrainingError } from "./TrainingError.ts"

/**
 * Where the data order stands: `batch` batches of epoch `epoch` (0-based) are done.
 *
 * @since 0.1.0
 */
export const Position = Schema.Struct({
  epoch: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  batch: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export type Position = typeof Position.Type

/**
 * Running sums of an epoch that is not finished yet (all zero at an epoch boundary).
 *
 * @since 0.1.0
 */
export const PartialEpoch = Schema.Struct({
  lossSum: Schema.Finite,
  correct: Schema.Int,
  samples: Schema.Int,
  seconds: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type PartialEpoch = typeof PartialEpoch.Type

/**
 * The JSON part of a checkpoint.
 *
 * @since 0.1.0
 */
export const CheckpointState = Schema.Struct({
  format: Schema.Literal("spikernel-training-checkpoint"),
  version: Schema.Literal(1),
  /** sha256 of what must match for a resume: config, model layout, data set. */
  fingerprint: Schema.String,
  config: TrainConfig,
  position: Position,
  microBatch: Schema.Int.check(Schema.isGreaterThan(0)),
  optimizerSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** The backend that wrote it: bit-exact continuation holds on the same backend. */
  backend: Schema.String,
  records: Schema.Array(EpochRecord),
  partial: PartialEpoch,
  sha256: Schema.Struct({ weights: Schema.String, optimizer: Schema.String })
})

/**
 * @since 0.1.0
 */
export type CheckpointState = typeof CheckpointState.Type

/**
 * A checkpoint read back: its state and both tensor files.
 *
 * @since 0.1.0
 */
export interface Checkpoint {
  readonly name: string
  readonly path: string
  readonly state: CheckpointState
  readonly weights: Safetensors.SafetensorsFile
  readonly optimizer: Safetensors.SafetensorsFile
}

/**
 * The directory name of the checkpoint at a position (sorts in training order).
 *
 * @since 0.1.0
 */
export const nameOf = (position: Position): string =>
  `ckpt-e${String(position.epoch).padStart(4, "0")}-b${String(position.batch).padStart(6, "0")}`

const namePattern = /^ckpt-e\d{4,}-b\d{6,}$/

/**
 * sha256 in hex.
 *
 * @since 0.1.0
 */
export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

/**
 * The fingerprint a resume must match: the config fields that change results (not the checkpoint
 * cadence), the weight and state names and shapes, and the data set's fingerprint.
 *
 * @since 0.1.0
 */
export const fingerprint = (options: {
  readonly config: TrainConfig
  readonly layout: ReadonlyArray<readonly [string, ReadonlyArray<number>]>
  readonly dataset: string
}): string => {
  const {
    checkpointEveryBatches: _every,
    keepCheckpoints: _keep,
    microBatch: _micro,
    ...rest
  } = options.config
  const encoded = Schema.encodeSync(TrainConfig)(rest as TrainConfig)
  return sha256(
    CanonicalJson.canonicalJson({
      config: encoded,
      layout: options.layout.map(([name, shape]) => [name, [...shape]]),
      dataset: options.dataset
    })
  )
}

const STATE = "checkpoint.json"
const WEIGHTS = "weights.safetensors"
const OPTIMIZER = "optimizer.safetensors"
const LATEST = "latest.json"

const fsError = (path: string, what: string) => (cause: { readonly message: string }) =>
  checkpointFailed(path, `${what} ${path}: ${cause.message}`)

/** Writes bytes to a new file and fsyncs it. */
const writeSynced = (fs: FileSystem.FileSystem, path: string, bytes: Uint8Array) =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* fs.open(path, { flag: "w" })
      yield* file.writeAll(bytes)
      yield* file.sync
    })
  ).pipe(Effect.mapError(fsError(path, "cannot write")))

/**
 * fsync of a directory, so a rename inside it is durable. Best effort: Linux and macOS allow it, Windows
 * cannot open a directory as a file; the files themselves are always fsynced.
 */
const syncDirectory = (fs: FileSystem.FileSystem, path: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = yield* fs.open(path, { flag: "r" })
      yield* dir.sync
    })
  ).pipe(Effect.ignore)

/**
 * Writes a checkpoint atomically and points `latest.json` at it; then removes all but the newest `keep`.
 *
 * @since 0.1.0
 */
export const write = Effect.fnUntraced(function* (options: {
  readonly dir: string
  readonly state: Omit<CheckpointState, "sha256">
  readonly weights: Uint8Array
  readonly optimizer: Uint8Array
  readonly keep: number
}): Effect.fn.Return<string, TrainingError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const { dir } = options
  const name = nameOf(options.state.position)
  const final = `${dir}/${name}`
  const temp = `${dir}/.${name}.tmp`
  const state: CheckpointState = {
    ...options.state,
    sha256: { weights: sha256(options.weights), optimizer: sha256(options.optimizer) }
  }
  const json = JSON.stringify(Schema.encodeSync(CheckpointState)(state), null, 1)
  yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fsError(dir, "cannot create")))
  // A temp directory left by a killed writer holds nothing we need.
  yield* fs
    .remove(temp, { recursive: true, force: true })
    .pipe(Effect.mapError(fsError(temp, "cannot remove")))
  yield* fs.makeDirectory(temp).pipe(Effect.mapError(fsError(temp, "cannot create")))
  yield* writeSynced(fs, `${temp}/${WEIGHTS}`, options.weights)
  yield* writeSynced(fs, `${temp}/${OPTIMIZER}`, options.optimizer)
  yield* writeSynced(fs, `${temp}/${STATE}`, new TextEncoder().encode(json))
  yield* syncDirectory(fs, temp)
  // Re-running from an older checkpoint rewrites the same position with the same bytes.
  yield* fs
    .remove(final, { recursive: true, force: true })
    .pipe(Effect.mapError(fsError(final, "cannot remove")))
  yield* fs.rename(temp, final).pipe(Effect.mapError(fsError(final, "cannot rename into")))
  yield* syncDirectory(fs, dir)
  const latestTemp = `${dir}/.${LATEST}.tmp`
  yield* writeSynced(fs, latestTemp, new TextEncoder().encode(JSON.stringify({ name })))
  yield* fs
    .rename(latestTemp, `${dir}/${LATEST}`)
    .pipe(Effect.mapError(fsError(dir, "cannot update latest in")))
  yield* syncDirectory(fs, dir)
  const existing = (yield* fs.readDirectory(dir).pipe(Effect.mapError(fsError(dir, "cannot list"))))
    .filter((n) => namePattern.test(n) && n <= name)
    .sort()
  for (const old of existing.slice(0, Math.max(0, existing.length - options.keep))) {
    yield* fs
      .remove(`${dir}/${old}`, { recursive: true, force: true })
      .pipe(Effect.mapError(fsError(`${dir}/${old}`, "cannot remove")))
  }
  return final
})

/**
 * Reads one checkpoint directory and checks it.
 *
 * @since 0.1.0
 */
export const readOne = Effect.fnUntraced(function* (
  dir: string,
  name: string
): Effect.fn.Return<Checkpoint, TrainingError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const path = `${dir}/${name}`
  const read = (file: string) =>
    fs.readFile(`${path}/${file}`).pipe(Effect.mapError(fsError(`${path}/${file}`, "cannot read")))
  const raw = new TextDecoder().decode(yield* read(STATE))
  const state = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(CheckpointState))(raw).pipe(
    Effect.mapError((e) =>
      checkpointFailed(`${path}/${STATE}`, `${path}/${STATE}: ${e.message.split("\n")[0]}`)
    )
  )
  const weightsBytes = yield* read(WEIGHTS)
  const optimizerBytes = yield* read(OPTIMIZER)
  if (sha256(weightsBytes) !== state.sha256.weights) {
    return yield* checkpointFailed(
      `${path}/${WEIGHTS}`,
      `${path}/${WEIGHTS}: sha256 does not match checkpoint.json`
    )
  }
  if (sha256(optimizerBytes) !== state.sha256.optimizer) {
    return yield* checkpointFailed(
      `${path}/${OPTIMIZER}`,
      `${path}/${OPTIMIZER}: sha256 does not match checkpoint.json`
    )
  }
  const weights = yield* Safetensors.decode(weightsBytes, `${path}/${WEIGHTS}`)
  const optimizer = yield* Safetensors.decode(optimizerBytes, `${path}/${OPTIMIZER}`)
  return { name, path, state, weights, optimizer }
})

/**
 * The newest valid checkpoint in `dir` (none when the directory is missing or empty). Checkpoint
 * directories only appear complete (renamed into place), so the newest by position is tried first;
 * `latest.json` is for people and tools. Damaged ones are logged and skipped. Fails only when
 * checkpoints exist and none is readable.
 *
 * @since 0.1.0
 */
export const readLatest = Effect.fnUntraced(function* (
  dir: string
): Effect.fn.Return<Checkpoint | undefined, TrainingError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const exists = yield* fs.exists(dir).pipe(Effect.mapError(fsError(dir, "cannot stat")))
  if (!exists) return undefined
  const names = (yield* fs.readDirectory(dir).pipe(Effect.mapError(fsError(dir, "cannot list"))))
    .filter((n) => namePattern.test(n))
    .sort()
    .reverse()
  const failures: Array<string> = []
  for (const name of names) {
    const attempt = yield* Effect.result(readOne(dir, name))
    if (attempt._tag === "Success") {
      if (failures.length > 0) yield* Effect.logWarning(`skipped damaged checkpoints: ${failures.join("; ")}`)
      return attempt.success
    }
    failures.push(attempt.failure.message)
  }
  if (failures.length > 0) {
    return yield* checkpointFailed(dir, `no readable checkpoint in ${dir}: ${failures.join("; ")}`)
  }
  return undefined
})
