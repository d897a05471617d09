/**
 * `train`: trains a model from its current weights (or from the newest checkpoint) for the configured
 * epochs, checkpointing as it goes, and returns the per-epoch records.
 *
 * Exact continuation: everything random is keyed, never sequential — epoch e's order and augmentation
 * come from the loader's (seed, epoch) streams, the dropout mask of micro-batch i of batch b of epoch e
 * from the network's dropout stream at index (e · batches + b) · chunks + i; the learning rate is a function of the epoch; the
 * micro-batch is fixed by the checkpoint. So a run stopped after any checkpoint and resumed on the same
 * backend produces the same bytes as one that never stopped.
 *
 * @since 0.1.0
 */
import { DatasetLoader, Safetensors } from "@spikernel/core"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { Clock, Effect, Option, Schema, type Scope, Stream } from "effect"
import * as Checkpoint from "./Checkpoint.ts"
import { CheckpointStore } from "./CheckpointStore.ts"
import { EpochRecord } from "./EpochRecord.ts"
import { evaluate } from "./Evaluate.ts"
import * as MemoryPlan from "./MemoryPlan.ts"
import * as Optimizer from "./Optimizer.ts"
import { learningRate } from "./Schedule.ts"
import type { TrainConfig } from "./TrainConfig.ts"
import { trainStep } from "./TrainStep.ts"
import { type DropoutKey, parameterCount, type TrainableModel } from "./TrainableModel.ts"
import {
  checkpointFailed,
  DataFailed,
  invalidTraining,
  MemoryRefused,
  NonFiniteLoss,
  TrainingError,
  tensorFailed
} from "./TrainingError.ts"

/**
 * What `train` reports while it runs.
 *
 * @since 0.1.0
 */
export type TrainProgress =
  | { readonly _tag: "Planned"; readonly plan: MemoryPlan.MemoryPlan }
  | { readonly _tag: "Resumed"; readonly checkpoint: string; readonly position: Checkpoint.Position }
  | {
      readonly _tag: "Batch"
      /** 1-based epoch and batch. */
      readonly epoch: number
      readonly batch: number
      readonly batches: number
      readonly loss: number
      readonly samples: number
    }
  | { readonly _tag: "Epoch"; readonly record: EpochRecord }
  | { readonly _tag: "Checkpoint"; readonly path: string; readonly position: Checkpoint.Position }

/**
 * @since 0.1.0
 */
export interface TrainOptions {
  readonly model: TrainableModel
  readonly config: TrainConfig
  /** Continue from the newest checkpoint in the CheckpointStore when there is one (default true). */
  readonly resume?: boolean
  /** Stop once this position is reached, after writing its checkpoint (an interruption, on purpose). */
  readonly until?: Checkpoint.Position
  /** Stop after this many batches in this call, after writing a checkpoint there. */
  readonly maxBatches?: number
  readonly onProgress?: (event: TrainProgress) => Effect.Effect<void>
  /** Pretend tensor-memory limit in bytes, for tests of the planner. */
  readonly memoryLimitBytes?: number
}

/**
 * @since 0.1.0
 */
export const TrainResult = Schema.Struct({
  records: Schema.Array(EpochRecord),
  /** Where training stands: `{ epoch: epochs, batch: 0 }` when it finished. */
  position: Checkpoint.Position,
  completed: Schema.Boolean,
  plan: MemoryPlan.MemoryPlan,
  backend: Schema.String,
  parameters: Schema.Int,
  /** The checkpoint training resumed from (as the CheckpointStore names it), if any. */
  resumedFrom: Schema.NullOr(Schema.String),
  /** The last checkpoint written or resumed from (as the CheckpointStore names it), if any. */
  checkpoint: Schema.NullOr(Schema.String)
})

/**
 * @since 0.1.0
 */
export type TrainResult = typeof TrainResult.Type

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

const zeroPartial: Checkpoint.PartialEpoch = { lossSum: 0, correct: 0, samples: 0, seconds: 0 }

/** Weights and state, sorted by name (they share the file, so their names must not clash). */
const snapshotWeights = (model: TrainableModel): Array<readonly [string, Safetensors.SafeTensor]> =>
  [...model.weights, ...model.state]
    .map(([name, v]) => [name, { dtype: "F32", shape: v.shape, data: v.dataSync() as Float32Array }] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const decodeTensors = (bytes: Uint8Array, what: string, location: string) =>
  Safetensors.decode(bytes, `${location}: ${what}`).pipe(
    Effect.mapError((error) => checkpointFailed(location, error.message))
  )

const layoutOf = (model: TrainableModel): Array<readonly [string, ReadonlyArray<number>]> => [
  ...[...model.weights].map(([name, v]) => [name, v.shape] as const),
  ...[...model.state].map(([name, v]) => [`state:${name}`, v.shape] as const)
]

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

/** Loads weights, state and optimizer buffers from a checkpoint into the live model and optimizer. */
const restore = (
  model: TrainableModel,
  optimizer: Optimizer.Optimizer,
  checkpoint: Checkpoint.TrainingCheckpoint,
  location: string
): Effect.Effect<void, TrainingError> =>
  Effect.gen(function* () {
    const weights = yield* decodeTensors(checkpoint.weights, "weights", location)
    const buffersFile = yield* decodeTensors(checkpoint.optimizer, "optimizer buffers", location)
    const file = `${location} (weights)`
    const targets = new Map<string, tf.Variable>([...model.weights, ...model.state])
    for (const [name, v] of targets) {
      const t = weights.tensors.get(name)
      if (t === undefined) return yield* checkpointFailed(location, `${file}: missing ${name}`)
      if (t.dtype !== "F32" || !sameShape(t.shape, v.shape)) {
        return yield* checkpointFailed(
          location,
          `${file}: ${name} is ${t.dtype} [${t.shape}], expected F32 [${v.shape}]`
        )
      }
    }
    for (const name of weights.tensors.keys()) {
      if (!targets.has(name)) return yield* checkpointFailed(location, `${file}: unexpected tensor ${name}`)
    }
    const buffers = new Map<string, tf.Tensor>()
    for (const [key, t] of buffersFile.tensors) {
      const param = model.weights.get(key.slice(key.indexOf("/") + 1))
      if (param === undefined || t.dtype !== "F32" || !sameShape(t.shape, param.shape)) {
        tf.dispose([...buffers.values()])
        return yield* checkpointFailed(
          location,
          `${location} (optimizer buffers): ${key} matches no weight of this model`
        )
      }
      buffers.set(key, tf.tensor(t.data as Float32Array, [...t.shape], "float32"))
    }
    yield* Effect.try({
      try: () => {
        for (const [name, v] of targets) {
          const t = weights.tensors.get(name)!
          tf.tidy(() => v.assign(tf.tensor(t.data as Float32Array, [...t.shape], "float32")))
        }
        optimizer.restore(checkpoint.state.optimizerSteps, buffers)
      },
      catch: (cause) => tensorFailed(`restoring ${location}`, cause)
    })
  })

const describeMismatch = (a: TrainConfig, b: TrainConfig): string => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  const differing = [...keys].filter(
    (k) =>
      !["checkpointEveryBatches", "keepCheckpoints", "microBatch"].includes(k) &&
      JSON.stringify(a[k as keyof TrainConfig]) !== JSON.stringify(b[k as keyof TrainConfig])
  )
  return differing.length === 0
    ? "the model's weights or the data set differ"
    : `config differs in ${differing.map((k) => `${k} (checkpoint ${JSON.stringify(a[k as keyof TrainConfig])}, now ${JSON.stringify(b[k as keyof TrainConfig])})`).join(", ")}`
}

/**
 * Trains `options.model` in place. Requires the data set (DatasetLoader), the tensor backend and a
 * CheckpointStore.
 *
 * @since 0.1.0
 */
export const train = Effect.fnUntraced(function* (
  options: TrainOptions
): Effect.fn.Return<
  TrainResult,
  TrainingError,
  DatasetLoader.DatasetLoader | Backend | CheckpointStore | Scope.Scope
> {
  const { model, config } = options
  const loader = yield* DatasetLoader.DatasetLoader
  const backend = yield* Backend
  const checkpoints = yield* CheckpointStore
  const progress = options.onProgress ?? (() => Effect.void)
  const dataFailed = (e: DatasetLoader.DatasetError) =>
    new TrainingError({ reason: new DataFailed({ message: e.message }) })
  const info = yield* loader.info.pipe(Effect.mapError(dataFailed))
  const imageShape = info.imageShape
  const layout = layoutOf(model)
  const names = new Set<string>()
  for (const [name] of [...model.weights, ...model.state]) {
    if (names.has(name)) return yield* invalidTraining(`the model has two tensors named ${name}`)
    names.add(name)
  }
  const fingerprint = Checkpoint.fingerprint({ config, layout, dataset: info.fingerprint })
  const optimizer = Optimizer.make(config.optimizer)
  yield* Effect.addFinalizer(() => Effect.sync(() => optimizer.dispose()))

  // Resume.
  let position: Checkpoint.Position = { epoch: 0, batch: 0 }
  let partial = zeroPartial
  let records: Array<EpochRecord> = []
  let resumedFrom: string | null = null
  let microFromCheckpoint: number | undefined
  let lastCheckpoint: { readonly at: Checkpoint.Position; readonly location: string } | null = null
  if (options.resume !== false) {
    const latest = yield* checkpoints.latest
    if (Option.isSome(latest)) {
      const { checkpoint: found, location: where } = latest.value
      if (found.state.fingerprint !== fingerprint) {
        return yield* checkpointFailed(
          where,
          `${where} belongs to another training: ${describeMismatch(found.state.config, config)}; ` +
            `use another checkpoint location or resume: false`
        )
      }
      if (config.microBatch !== undefined && config.microBatch !== found.state.microBatch) {
        return yield* checkpointFailed(
          where,
          `${where} was trained with micro-batch ${found.state.microBatch}, the config asks for ` +
            `${config.microBatch}; BatchNorm statistics depend on it, so a resume must keep it`
        )
      }
      yield* restore(model, optimizer, found, where)
      position = found.state.position
      partial = found.state.partial
      records = [...found.state.records]
      resumedFrom = where
      microFromCheckpoint = found.state.microBatch
      lastCheckpoint = { at: position, location: where }
      yield* progress({ _tag: "Resumed", checkpoint: where, position })
    }
  }

  // Memory plan: measured unless the micro-batch is given (config) or fixed (checkpoint).
  const given = config.microBatch ?? microFromCheckpoint
  const plan: MemoryPlan.MemoryPlan = yield* MemoryPlan.plan({
    model,
    backend: backend.info.backend,
    imageShape,
    timesteps: config.timesteps,
    batchSize: Math.min(config.batchSize, given ?? config.batchSize),
    optimizerBuffers: config.optimizer.kind === "adam" ? 2 : config.optimizer.momentum === 0 ? 0 : 1,
    headroom: config.memoryHeadroom,
    ...(options.memoryLimitBytes === undefined ? {} : { limitBytes: options.memoryLimitBytes })
  }).pipe(
    Effect.flatMap((p) => {
      if (given === undefined) return Effect.succeed(p)
      if (p.microBatch < Math.min(given, config.batchSize)) {
        return Effect.fail(
          new TrainingError({
            reason: new MemoryRefused({
              bytesPerSample: p.bytesPerSample,
              fixedBytes: p.fixedBytes,
              availableBytes: p.availableBytes,
              limitBytes: p.limitBytes ?? 0,
              message:
                `micro-batch ${given} does not fit: about ${mib(p.fixedBytes + given * p.bytesPerSample)} ` +
                `needed, ${mib(p.availableBytes)} available on ${p.backend}; at most ` +
                `${Math.floor((p.availableBytes - p.fixedBytes) / p.bytesPerSample)} samples fit`
            })
          })
        )
      }
      return Effect.succeed({ ...p, microBatch: Math.min(given, config.batchSize), measured: false })
    })
  )
  yield* progress({ _tag: "Planned", plan })
  const micro = plan.microBatch
  const chunksPerBatch = Math.ceil(config.batchSize / micro)

  const train = info.trainSize
  const batchesPerEpoch = config.dropLast
    ? Math.floor(train / config.batchSize)
    : Math.ceil(train / config.batchSize)
  if (batchesPerEpoch === 0) {
    return yield* invalidTraining(
      `batch size ${config.batchSize} exceeds the ${train} training images with dropLast`
    )
  }
  const save = (at: Checkpoint.Position, current: Checkpoint.PartialEpoch) =>
    Effect.gen(function* () {
      const tensors = yield* Effect.try({
        try: () => ({
          weights: snapshotWeights(model),
          buffers: [...optimizer.buffers()].map(
            ([key, t]) => [key, { dtype: "F32", shape: t.shape, data: t.dataSync() as Float32Array }] as const
          )
        }),
        catch: (cause) => tensorFailed("reading weights for a checkpoint", cause)
      })
      const encodeFailed = (error: Safetensors.SafetensorsError) =>
        checkpointFailed(checkpoints.location, `encoding a checkpoint: ${error.message}`)
      const weights = yield* Safetensors.encode(tensors.weights, { format: "pt" }).pipe(
        Effect.mapError(encodeFailed)
      )
      const buffers = yield* Safetensors.encode(
        tensors.buffers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      ).pipe(Effect.mapError(encodeFailed))
      const location = yield* checkpoints.save({
        state: {
          format: "spikernel-training-checkpoint",
          version: 1,
          fingerprint,
          config,
          position: at,
          microBatch: micro,
          optimizerSteps: optimizer.steps(),
          backend: backend.info.backend,
          records,
          partial: current
        },
        weights,
        optimizer: buffers
      })
      lastCheckpoint = { at, location }
      yield* progress({ _tag: "Checkpoint", path: location, position: at })
    })

  const savedAt = (at: Checkpoint.Position): boolean =>
    lastCheckpoint !== null && lastCheckpoint.at.epoch === at.epoch && lastCheckpoint.at.batch === at.batch

  const stopAt = (epoch: number): number | undefined =>
    options.until !== undefined && options.until.epoch === epoch ? options.until.batch : undefined
  const reached = (): boolean =>
    options.until !== undefined &&
    (position.epoch > options.until.epoch ||
      (position.epoch === options.until.epoch && position.batch >= options.until.batch))

  let budget = options.maxBatches ?? Number.POSITIVE_INFINITY
  // Interruption lands between batches (each batch is uninterruptible), and leaves a checkpoint there.
  const loop = Effect.gen(function* () {
    while (position.epoch < config.epochs && !reached() && budget > 0) {
      const epoch = position.epoch
      const lr = learningRate(config.schedule, config.optimizer.lr, epoch, config.epochs)
      const stop = stopAt(epoch)
      const end = Math.min(batchesPerEpoch, stop ?? batchesPerEpoch, position.batch + budget)
      const take = end - position.batch
      if (take > 0) {
        const batches = loader.batches({
          split: "train",
          batchSize: config.batchSize,
          seed: config.seed,
          epoch,
          shuffle: true,
          augment: config.augment,
          dropLast: config.dropLast,
          skip: position.batch,
          take
        })
        yield* Stream.runForEach(batches, (batch) =>
          Effect.uninterruptible(
            Effect.gen(function* () {
              const index = position.batch
              const started = yield* Clock.currentTimeMillis
              const dropoutKey = (i: number): DropoutKey => ({
                seed: config.seed,
                index: (epoch * batchesPerEpoch + index) * chunksPerBatch + i
              })
              const result = yield* Effect.try({
                try: () =>
                  trainStep({
                    model,
                    optimizer,
                    batch,
                    microBatch: micro,
                    timesteps: config.timesteps,
                    lr,
                    dropoutKey,
                    ...(config.firingRatePenalty === undefined
                      ? {}
                      : { firingRatePenalty: config.firingRatePenalty })
                  }),
                catch: (cause) =>
                  tensorFailed(`training step (epoch ${epoch + 1}, batch ${index + 1})`, cause)
              })
              if (!Number.isFinite(result.loss)) {
                return yield* new TrainingError({
                  reason: new NonFiniteLoss({
                    epoch: epoch + 1,
                    batch: index + 1,
                    message: `loss is ${result.loss} at epoch ${epoch + 1}, batch ${index + 1}; lower the learning rate`
                  })
                })
              }
              const ended = yield* Clock.currentTimeMillis
              partial = {
                lossSum: partial.lossSum + result.loss * batch.size,
                correct: partial.correct + result.correct,
                samples: partial.samples + batch.size,
                seconds: partial.seconds + (ended - started) / 1000
              }
              position = { epoch, batch: index + 1 }
              budget--
              yield* progress({
                _tag: "Batch",
                epoch: epoch + 1,
                batch: index + 1,
                batches: batchesPerEpoch,
                loss: result.loss,
                samples: batch.size
              })
              const every = config.checkpointEveryBatches
              if (every !== undefined && position.batch % every === 0 && position.batch < batchesPerEpoch) {
                yield* save(position, partial)
              }
            })
          ).pipe(
            // A turn of the event loop per batch: without it a long synchronous run keeps signal
            // handlers (Ctrl-C) waiting for minutes, and the interruption with them.
            Effect.andThen(Effect.yieldNow)
          )
        ).pipe(Effect.catchTag("DatasetError", (e) => Effect.fail(dataFailed(e))))
      }
      if (position.batch < batchesPerEpoch) {
        // Stopped inside the epoch on purpose: make sure that exact point is on disk.
        if (!savedAt(position)) yield* save(position, partial)
        break
      }
      const evaluation = yield* evaluate({ model, timesteps: config.timesteps, batchSize: micro })
      const record: EpochRecord = {
        epoch: epoch + 1,
        learningRate: lr,
        loss: partial.samples === 0 ? 0 : partial.lossSum / partial.samples,
        trainTop1: partial.samples === 0 ? 0 : partial.correct / partial.samples,
        testTop1: evaluation.top1,
        testLoss: evaluation.loss,
        firingRates: evaluation.firingRates,
        spikesPerSample: evaluation.spikesPerSample,
        seconds: partial.seconds,
        imagesPerSecond: partial.seconds > 0 ? partial.samples / partial.seconds : 0,
        evalSeconds: evaluation.seconds
      }
      records = [...records, record]
      position = { epoch: epoch + 1, batch: 0 }
      partial = zeroPartial
      yield* progress({ _tag: "Epoch", record })
      yield* save(position, partial)
    }
  })
  yield* loop.pipe(
    Effect.onInterrupt(() => (savedAt(position) ? Effect.void : save(position, partial).pipe(Effect.ignore)))
  )

  return {
    records,
    position,
    completed: position.epoch >= config.epochs,
    plan,
    backend: backend.info.backend,
    parameters: parameterCount(model),
    resumedFrom,
    checkpoint: lastCheckpoint?.location ?? null
  }
}, Effect.scoped)
