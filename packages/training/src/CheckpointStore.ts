/**
 * The CheckpointStore service: where a training keeps its checkpoints. `train` saves one at every
 * epoch end (and every `checkpointEveryBatches` batches) and resumes from the newest; it does not
 * know where they live.
 *
 * - `layerDirectory(dir)` — a directory of checkpoints, what `spikernel train --checkpoint DIR` uses:
 *
 *   ```
 *   DIR/latest.json                               { "name": "ckpt-e0003-b000000" }
 *   DIR/ckpt-e0003-b000000/weights.safetensors    weights + BatchNorm running stats, by official name
 *   DIR/ckpt-e0003-b000000/optimizer.safetensors  optimizer buffers (`momentum_buffer/<name>`, …)
 *   DIR/ckpt-e0003-b000000/checkpoint.json        the state, with the sha256 of both tensor files
 *   ```
 *
 *   Writes are atomic: the files go to a temporary directory, each is fsynced, the directory is
 *   fsynced and renamed into place, then `latest.json` is replaced (temp → fsync → rename → fsync of
 *   DIR). A kill at any point leaves the previous checkpoint intact. Reading checks both files
 *   against their recorded sha256; a damaged checkpoint is skipped (with a warning) in favour of the
 *   next older one. The newest `keep` are kept.
 * - `layerMemory` — checkpoints held in the process, for trainings whose result is cached whole (the
 *   `trained-accuracy` scorer) and for tests.
 *
 * A pipeline's train step provides its own implementation, over the result store (the journal), so
 * that its checkpoints are durable, checksummed and visible to `spikernel gc`.
 *
 * @since 0.1.0
 */
import { Digest } from "@spikernel/core"
import { Context, Effect, FileSystem, Layer, Option, Schema } from "effect"
import { CheckpointState, nameOf, type TrainingCheckpoint } from "./Checkpoint.ts"
import { checkpointFailed, type TrainingError } from "./TrainingError.ts"

/**
 * @since 0.1.0
 */
export class CheckpointStore extends Context.Service<
  CheckpointStore,
  {
    /** Where checkpoints go, for messages (`DIR`, `the store`). */
    readonly location: string
    /**
     * The newest readable checkpoint and where it is, if any; fails only when checkpoints exist and
     * none is readable.
     */
    readonly latest: Effect.Effect<
      Option.Option<{ readonly checkpoint: TrainingCheckpoint; readonly location: string }>,
      TrainingError
    >
    /** Saves a checkpoint (durably, before returning) and returns where it went. */
    readonly save: (checkpoint: TrainingCheckpoint) => Effect.Effect<string, TrainingError>
  }
>()("@spikernel/training/CheckpointStore") {}

/**
 * What `checkpoint.json` holds: the state and the sha256 of both tensor files.
 *
 * @since 0.1.0
 */
export const CheckpointFile = Schema.Struct({
  ...CheckpointState.fields,
  sha256: Schema.Struct({ weights: Schema.String, optimizer: Schema.String })
})

const STATE = "checkpoint.json"
const WEIGHTS = "weights.safetensors"
const OPTIMIZER = "optimizer.safetensors"
const LATEST = "latest.json"
const namePattern = /^ckpt-e\d{4,}-b\d{6,}$/
const tempPattern = /^\.(ckpt-e\d{4,}-b\d{6,}|latest\.json)\.tmp$/

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
 * fsync of a directory, so a rename inside it is durable. Best effort: Linux and macOS allow it,
 * Windows cannot open a directory as a file; the files themselves are always fsynced.
 */
const syncDirectory = (fs: FileSystem.FileSystem, path: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = yield* fs.open(path, { flag: "r" })
      yield* dir.sync
    })
  ).pipe(Effect.ignore)

const write = (fs: FileSystem.FileSystem, dir: string, keep: number, checkpoint: TrainingCheckpoint) =>
  Effect.gen(function* () {
    const name = nameOf(checkpoint.state.position)
    const final = `${dir}/${name}`
    const temp = `${dir}/.${name}.tmp`
    const file: typeof CheckpointFile.Type = {
      ...checkpoint.state,
      sha256: {
        weights: Digest.sha256Hex(checkpoint.weights),
        optimizer: Digest.sha256Hex(checkpoint.optimizer)
      }
    }
    const json = JSON.stringify(Schema.encodeSync(CheckpointFile)(file), null, 1)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(fsError(dir, "cannot create")))
    // A temp directory left by a killed writer holds nothing we need.
    yield* fs
      .remove(temp, { recursive: true, force: true })
      .pipe(Effect.mapError(fsError(temp, "cannot remove")))
    yield* fs.makeDirectory(temp).pipe(Effect.mapError(fsError(temp, "cannot create")))
    yield* writeSynced(fs, `${temp}/${WEIGHTS}`, checkpoint.weights)
    yield* writeSynced(fs, `${temp}/${OPTIMIZER}`, checkpoint.optimizer)
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
    for (const old of existing.slice(0, Math.max(0, existing.length - keep))) {
      yield* fs
        .remove(`${dir}/${old}`, { recursive: true, force: true })
        .pipe(Effect.mapError(fsError(`${dir}/${old}`, "cannot remove")))
    }
    return final
  })

const readOne = (fs: FileSystem.FileSystem, dir: string, name: string) =>
  Effect.gen(function* () {
    const path = `${dir}/${name}`
    const read = (file: string) =>
      fs.readFile(`${path}/${file}`).pipe(Effect.mapError(fsError(`${path}/${file}`, "cannot read")))
    const raw = new TextDecoder().decode(yield* read(STATE))
    const { sha256, ...state } = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(CheckpointFile))(
      raw,
      { onExcessProperty: "error" }
    ).pipe(
      Effect.mapError((e) =>
        checkpointFailed(`${path}/${STATE}`, `${path}/${STATE}: ${e.message.split("\n").join("; ")}`)
      )
    )
    const weights = yield* read(WEIGHTS)
    const optimizer = yield* read(OPTIMIZER)
    for (const [file, bytes, expected] of [
      [WEIGHTS, weights, sha256.weights],
      [OPTIMIZER, optimizer, sha256.optimizer]
    ] as const) {
      if (Digest.sha256Hex(bytes) !== expected) {
        return yield* checkpointFailed(`${path}/${file}`, `${path}/${file}: sha256 does not match ${STATE}`)
      }
    }
    const checkpoint: TrainingCheckpoint = { state, weights, optimizer }
    return { checkpoint, location: path }
  })

const readLatest = (fs: FileSystem.FileSystem, dir: string) =>
  Effect.gen(function* () {
    const exists = yield* fs.exists(dir).pipe(Effect.mapError(fsError(dir, "cannot stat")))
    if (!exists) return Option.none<{ readonly checkpoint: TrainingCheckpoint; readonly location: string }>()
    // What a killed writer left half-written (`.ckpt-….tmp`, `.latest.json.tmp`) goes first.
    const stale = (yield* fs.readDirectory(dir).pipe(Effect.mapError(fsError(dir, "cannot list")))).filter(
      (n) => tempPattern.test(n)
    )
    for (const name of stale) {
      yield* fs
        .remove(`${dir}/${name}`, { recursive: true, force: true })
        .pipe(Effect.mapError(fsError(`${dir}/${name}`, "cannot remove")))
    }
    // Checkpoint directories only appear complete (renamed into place), so the newest by position
    // is tried first; `latest.json` is for people and tools.
    const names = (yield* fs.readDirectory(dir).pipe(Effect.mapError(fsError(dir, "cannot list"))))
      .filter((n) => namePattern.test(n))
      .sort()
      .reverse()
    const failures: Array<string> = []
    for (const name of names) {
      const attempt = yield* Effect.result(readOne(fs, dir, name))
      if (attempt._tag === "Success") {
        if (failures.length > 0) {
          yield* Effect.logWarning(`skipped damaged checkpoints: ${failures.join("; ")}`)
        }
        return Option.some(attempt.success)
      }
      failures.push(attempt.failure.message)
    }
    if (failures.length > 0) {
      return yield* checkpointFailed(dir, `no readable checkpoint in ${dir}: ${failures.join("; ")}`)
    }
    return Option.none<{ readonly checkpoint: TrainingCheckpoint; readonly location: string }>()
  })

/**
 * Checkpoints in a directory, the newest `keep` kept (default 2).
 *
 * @since 0.1.0
 */
export const layerDirectory = (
  dir: string,
  options: { readonly keep?: number } = {}
): Layer.Layer<CheckpointStore, never, FileSystem.FileSystem> =>
  Layer.effect(
    CheckpointStore,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      return CheckpointStore.of({
        location: dir,
        latest: readLatest(fs, dir),
        save: (checkpoint) => write(fs, dir, Math.max(1, options.keep ?? 2), checkpoint)
      })
    })
  )

/**
 * Checkpoints held in this process (the newest only).
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<CheckpointStore> = Layer.sync(CheckpointStore, () => {
  let newest: { readonly checkpoint: TrainingCheckpoint; readonly location: string } | undefined
  return CheckpointStore.of({
    location: "memory",
    latest: Effect.sync(() => Option.fromUndefinedOr(newest)),
    save: (checkpoint) =>
      Effect.sync(() => {
        newest = { checkpoint, location: `memory:${nameOf(checkpoint.state.position)}` }
        return newest.location
      })
  })
})
