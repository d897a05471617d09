/**
 * The `bptt` train executor: trains every architecture of the upstream selection from scratch with
 * `@spikernel/training` (BPTT, SNASNet's recipe by default, METHOD.md §5) and outputs the trained
 * models with their weights (safetensors, official PyTorch layout).
 *
 * Durability: the training's CheckpointStore is the step's own durable state in the result store
 * (`StepCheckpoint`): after every epoch the newest checkpoint goes to the journal with the models
 * already finished. A killed run resumes from the last finished epoch with the bytes an
 * uninterrupted one has (the training's exact-resume guarantee, same backend).
 *
 * Seeds: the step's seed initialises every network (as `spikernel train --seed` does) and drives the
 * data order, augmentation and dropout, so `spikernel train --arch A --seed S` with the same settings
 * trains the same model.
 *
 * @since 0.1.0
 */
import { Architecture, DatasetLoader, Plugin, Scorer, type Selector } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Executor } from "@spikernel/pipeline"
import { Network, ParamCount } from "@spikernel/spaces"
import type { Backend } from "@spikernel/tensor"
import * as Training from "@spikernel/training"
import { Effect, Layer, Option, Schema, Struct } from "effect"
import { resolveNetwork } from "../Networks.ts"
import { exportTorchWeights } from "../TorchWeights.ts"
import { trainableNetwork } from "../TrainableNetwork.ts"
import { type TrainedModel, TrainedModels, TrainProgress } from "./TrainedModels.ts"

const id = "bptt"

/**
 * The trainer's configuration: the network (preset, widths, second pool; the preset defaults to
 * the data set's) and the training recipe without its seed (the step's seed is used).
 *
 * @since 0.1.0
 */
export const TrainerConfig = Schema.Struct({
  network: Scorer.NetworkOptions.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  training: Training.TrainConfig.mapFields(Struct.omit(["seed"]))
})

/**
 * @since 0.1.0
 */
export type TrainerConfig = typeof TrainerConfig.Type

/**
 * A `train` step's trainer, with its config checked by TypeScript.
 *
 * @since 0.1.0
 */
export const bptt = (config: typeof TrainerConfig.Encoded) => ({ id, config })

const fail = (reason: string) => new Executor.ExecutorError({ executor: id, reason })

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`

/**
 * @since 0.1.0
 */
export const bpttTrainer: Executor.StepExecutor<
  TrainerConfig,
  typeof TrainerConfig.Encoded,
  TrainedModels,
  typeof TrainedModels.Encoded,
  DatasetLoader.DatasetLoader | Backend | Executor.StepCheckpoint
> = {
  step: "train",
  id,
  version: 1,
  description:
    "Trains each selected architecture from scratch (BPTT, surrogate gradients), checkpointing every epoch",
  config: TrainerConfig,
  output: TrainedModels,
  execute: (context) =>
    Effect.gen(function* () {
      const selection = (yield* Executor.inputOf(id, context.inputs, "from", ["select", "tradeoff"])).value
      const loader = yield* DatasetLoader.DatasetLoader
      const stepCheckpoint = yield* Executor.StepCheckpoint
      const info = yield* loader.info.pipe(Effect.mapError((error) => fail(error.message)))
      const training = yield* Plugin.decodeStrict(
        Training.TrainConfig,
        { ...Schema.encodeSync(TrainerConfig)(context.config).training, seed: context.seed },
        `${id}: training`
      ).pipe(Effect.mapError((error) => fail(error.reason)))
      const network = yield* resolveNetwork(context.config.network, info.name).pipe(
        Effect.mapError((error) => fail(error.reason))
      )
      const shape = [network.inputSize, network.inputSize, network.inputChannels]
      if (info.imageShape.join() !== shape.join() || info.classes !== network.classes) {
        return yield* fail(
          `${info.name} has ${info.imageShape.join("×")} images in ${info.classes} classes; the network ` +
            `expects ${shape.join("×")} and ${network.classes} (set network.preset)`
        )
      }
      // Progress in images: the same unit whatever the number of epochs and models, and the one a
      // rate is read in (images per second).
      const batchesPerEpoch = training.dropLast
        ? Math.floor(info.trainSize / training.batchSize)
        : Math.ceil(info.trainSize / training.batchSize)
      const imagesPerEpoch = training.dropLast ? batchesPerEpoch * training.batchSize : info.trainSize
      const imagesPerModel = training.epochs * imagesPerEpoch
      const modelCount = selection.selected.length
      const total = modelCount * imagesPerModel
      /** Images trained after `batch` batches of `epoch` (1-based) of the model after `finished` others. */
      const imagesAt = (finishedModels: number, epoch: number, batch: number) =>
        finishedModels * imagesPerModel +
        (epoch - 1) * imagesPerEpoch +
        Math.min(batch * training.batchSize, imagesPerEpoch)
      const saved = yield* stepCheckpoint.load(TrainProgress)
      const finished: Array<TrainedModel> = Option.isSome(saved) ? [...saved.value.finished] : []
      let current = Option.isSome(saved) ? saved.value.current : null
      let best: number | undefined

      const locationOf = (checkpoint: Training.Checkpoint.TrainingCheckpoint) =>
        `the store (step ${context.step}): ${Training.Checkpoint.nameOf(checkpoint.state.position)}`

      /** The training's CheckpointStore for one model: the step's durable state. */
      const checkpointsOf = (modelId: string) =>
        Layer.succeed(
          Training.CheckpointStore.CheckpointStore,
          Training.CheckpointStore.CheckpointStore.of({
            location: `the store (step ${context.step})`,
            latest: Effect.sync(() =>
              current !== null && current.id === modelId
                ? Option.some({ checkpoint: current.checkpoint, location: locationOf(current.checkpoint) })
                : Option.none()
            ),
            save: (checkpoint) =>
              Effect.gen(function* () {
                current = { id: modelId, checkpoint }
                yield* stepCheckpoint.save(TrainProgress, { finished, current })
                return locationOf(checkpoint)
              }).pipe(
                Effect.mapError((error) =>
                  Training.checkpointFailed(`the store (step ${context.step})`, error.message)
                )
              )
          })
        )

      /** Trains one architecture to the end. */
      const trainOne = (item: Selector.SelectionItem) =>
        Effect.gen(function* () {
          const arch = item.architecture
          const label = Architecture.architectureLabel(arch)
          const model = yield* Effect.acquireRelease(
            Effect.sync(() => Network.buildNetwork(arch, network, { neuron: Lif.lif(), seed: context.seed })),
            (built) => Effect.sync(built.dispose)
          )
          const before = finished.length
          const where = (epoch: number) =>
            `model ${before + 1}/${modelCount}, epoch ${epoch}/${training.epochs}`
          const result = yield* Training.train({
            model: trainableNetwork(model),
            config: training,
            onProgress: (event) => {
              switch (event._tag) {
                case "Batch":
                  return context.progress({
                    done: imagesAt(before, event.epoch, event.batch),
                    total,
                    unit: "images",
                    ...(best === undefined ? {} : { best }),
                    detail: where(event.epoch)
                  })
                case "Resumed":
                  return Effect.andThen(
                    Effect.logInfo(
                      `train ${label}: resuming from the store at epoch ${event.position.epoch}, batch ${event.position.batch}`
                    ),
                    context.progress({
                      done: imagesAt(before, event.position.epoch + 1, event.position.batch),
                      total,
                      unit: "images",
                      detail: where(event.position.epoch + 1),
                      fromStore: true
                    })
                  )
                case "Epoch":
                  best = Math.max(best ?? 0, event.record.testTop1)
                  return Effect.logInfo(
                    `train ${label}: epoch ${event.record.epoch}/${training.epochs}, loss ` +
                      `${event.record.loss.toFixed(4)}, test top-1 ${percent(event.record.testTop1)}, ` +
                      `${event.record.seconds.toFixed(0)} s + eval ${event.record.evalSeconds.toFixed(0)} s`
                  )
                default:
                  return Effect.void
              }
            }
          }).pipe(
            Effect.provide(checkpointsOf(item.id)),
            Effect.mapError((error) => fail(`${label}: ${error.message}`))
          )
          const weights = yield* exportTorchWeights(model).pipe(
            Effect.mapError((error) => fail(error.message))
          )
          const size = ParamCount.memoryEstimate(arch, network)
          const trained: TrainedModel = {
            id: item.id,
            architecture: arch,
            network,
            timesteps: training.timesteps,
            params: size.params,
            bytes: size.bytes,
            epochs: result.records,
            microBatch: result.plan.microBatch,
            backend: result.backend,
            weights
          }
          return trained
        }).pipe(Effect.scoped)

      // Models a killed run finished: from the store (a model resumed mid-way says so as it resumes).
      const trainedBefore = finished.filter((model) =>
        selection.selected.some((item) => item.id === model.id)
      )
      if (trainedBefore.length > 0 && current === null)
        yield* context.progress({
          done: trainedBefore.length * imagesPerModel,
          total,
          unit: "images",
          detail: `${trainedBefore.length} of ${modelCount} models trained`,
          fromStore: true
        })
      for (const item of selection.selected) {
        if (finished.some((model) => model.id === item.id)) continue
        finished.push(yield* trainOne(item))
        current = null
        yield* stepCheckpoint.save(TrainProgress, { finished, current })
      }
      const order = new Map(selection.selected.map((item, i) => [item.id, i]))
      const models = finished
        .filter((model) => order.has(model.id))
        .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      return { dataset: info.fingerprint, models }
    })
}

/**
 * The models a `train` step output, as an `evaluate` step's executor receives them.
 *
 * @since 0.1.0
 */
export const trainedModelsOf = (
  executor: string,
  inputs: Readonly<Record<string, Executor.ExecutorInput>>
): Effect.Effect<TrainedModels, Executor.ExecutorError> =>
  Effect.flatMap(Executor.inputOf(executor, inputs, "models", ["train"]), (input) =>
    Schema.decodeUnknownEffect(TrainedModels)(input.encoded).pipe(
      Effect.mapError(
        (issue) =>
          new Executor.ExecutorError({
            executor,
            reason: `the output of "${input.step}" (${input.executor}) is not a set of trained models: ${issue.message}`
          })
      )
    )
  )
