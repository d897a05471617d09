/**
 * The `bptt` train executor: trains every architecture of the upstream selection from scratch with
 * `@spikernel/training` (BPTT, SNASNet's recipe by default, METHOD.md §5) and outputs the trained
 * models with their weights.
 *
 * Durability: training runs one epoch per call of `Training.train`, into a temporary checkpoint
 * directory; after each epoch the checkpoint's three files go to the step's durable checkpoint in
 * the store (with the models already finished). A killed run resumes by writing those files back
 * and letting the training package restore them, so it continues from the last finished epoch with
 * the same bytes an uninterrupted run has (the training's own exact-resume guarantee, same backend).
 *
 * Seeds: the step's seed initialises every network (as `spikernel train --seed` does) and drives the
 * data order, augmentation and dropout, so `spikernel train --arch A --seed S` with the same
 * settings trains the same model.
 *
 * @since 0.1.0
 */
import { Architecture, DatasetLoader, Scorer, type Selector } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Executor } from "@spikernel/pipeline"
import { Network, ParamCount } from "@spikernel/spaces"
import * as Training from "@spikernel/training"
import { Effect, FileSystem, Option, Schema, Struct } from "effect"
import { exportTorchWeights, resolveNetwork } from "../commands/Score.ts"
import { trainableNetwork } from "../commands/Train.ts"
import { withCompute } from "./ExecutorCompute.ts"
import { type CheckpointFiles, type TrainedModel, TrainedModels, TrainProgress } from "./TrainedModels.ts"

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

/** The checkpoint directory's files, as the store keeps them. */
const readCheckpoint = (modelId: string, path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const name = path.slice(path.lastIndexOf("/") + 1)
    const read = (file: string) => fs.readFile(`${path}/${file}`)
    const files: CheckpointFiles = {
      id: modelId,
      name,
      state: new TextDecoder().decode(yield* read("checkpoint.json")),
      weights: yield* read("weights.safetensors"),
      optimizer: yield* read("optimizer.safetensors")
    }
    return files
  }).pipe(Effect.mapError((error) => fail(`reading checkpoint ${path}: ${error.message}`)))

/** Puts a stored checkpoint back where the training package looks for it. */
const restoreCheckpoint = (dir: string, files: CheckpointFiles) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = `${dir}/${files.name}`
    yield* fs.makeDirectory(path, { recursive: true })
    yield* fs.writeFile(`${path}/weights.safetensors`, files.weights)
    yield* fs.writeFile(`${path}/optimizer.safetensors`, files.optimizer)
    yield* fs.writeFile(`${path}/checkpoint.json`, new TextEncoder().encode(files.state))
    yield* fs.writeFileString(`${dir}/latest.json`, JSON.stringify({ name: files.name }))
  }).pipe(Effect.mapError((error) => fail(`restoring checkpoint ${files.name}: ${error.message}`)))

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`

/**
 * @since 0.1.0
 */
export const bpttTrainer: Executor.StepExecutor<
  TrainerConfig,
  typeof TrainerConfig.Encoded,
  TrainedModels,
  typeof TrainedModels.Encoded
> = {
  step: "train",
  id,
  version: 1,
  description:
    "Trains each selected architecture from scratch (BPTT, surrogate gradients), checkpointing every epoch",
  config: TrainerConfig,
  output: TrainedModels,
  execute: (context) => {
    const program = Effect.gen(function* () {
      const from = context.inputs.from
      if (from === undefined) return yield* fail("no selection to train")
      const selection = from.value as Selector.Selection
      const loader = yield* DatasetLoader.DatasetLoader
      const info = yield* loader.info.pipe(Effect.mapError((error) => fail(error.message)))
      const training = yield* Schema.decodeUnknownEffect(Training.TrainConfig)({
        ...Schema.encodeSync(TrainerConfig)(context.config).training,
        seed: context.seed
      }).pipe(Effect.mapError((issue) => fail(issue.message)))
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
      // Progress in batches: the same units whatever the number of epochs and models.
      const batchesPerEpoch = training.dropLast
        ? Math.floor(info.trainSize / training.batchSize)
        : Math.ceil(info.trainSize / training.batchSize)
      const total = selection.selected.length * training.epochs * batchesPerEpoch
      const saved = yield* context.checkpoints.load(TrainProgress)
      const finished: Array<TrainedModel> = Option.isSome(saved) ? [...saved.value.finished] : []
      let current = Option.isSome(saved) ? saved.value.current : null
      let best: number | undefined

      /** Trains one architecture to the end, checkpointing each epoch into the store. */
      const trainOne = (item: Selector.SelectionItem) =>
        Effect.gen(function* () {
          const arch = item.architecture
          const label = Architecture.architectureLabel(arch)
          const model = yield* Effect.acquireRelease(
            Effect.sync(() => Network.buildNetwork(arch, network, { neuron: Lif.lif(), seed: context.seed })),
            (built) => Effect.sync(built.dispose)
          )
          const fs = yield* FileSystem.FileSystem
          const dir = yield* fs
            .makeTempDirectoryScoped({ prefix: "spikernel-train-" })
            .pipe(Effect.mapError((error) => fail(error.message)))
          if (current !== null && current.id === item.id) yield* restoreCheckpoint(dir, current)
          const done = finished.length * training.epochs * batchesPerEpoch
          let result: Training.TrainResult | undefined
          // One epoch per call, so that each epoch's checkpoint reaches the store before the next starts.
          while (result === undefined || !result.completed) {
            const position: Training.Checkpoint.Position = result?.position ?? { epoch: 0, batch: 0 }
            result = yield* Training.train({
              model: trainableNetwork(model),
              config: training,
              checkpointDir: dir,
              resume: true,
              until: { epoch: position.epoch + 1, batch: 0 },
              onProgress: (event) => {
                switch (event._tag) {
                  case "Batch":
                    return context.progress(
                      done + (event.epoch - 1) * event.batches + event.batch,
                      total,
                      best
                    )
                  case "Resumed":
                    // Every call after the first resumes from the epoch just written: only a real
                    // resume (from the store, after an interruption) is worth a line.
                    return result === undefined
                      ? Effect.logInfo(
                          `train ${label}: resuming from the store at epoch ${event.position.epoch}, batch ${event.position.batch}`
                        )
                      : Effect.void
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
            }).pipe(Effect.mapError((error) => fail(`${label}: ${error.message}`)))
            if (result.checkpoint === null) return yield* fail(`${label}: training wrote no checkpoint`)
            current = yield* readCheckpoint(item.id, result.checkpoint)
            if (!result.completed) yield* context.checkpoints.save(TrainProgress, { finished, current })
          }
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

      for (const item of selection.selected) {
        if (finished.some((model) => model.id === item.id)) continue
        finished.push(yield* trainOne(item))
        current = null
        yield* context.checkpoints.save(TrainProgress, { finished, current })
      }
      const order = new Map(selection.selected.map((item, i) => [item.id, i]))
      const models = finished
        .filter((model) => order.has(model.id))
        .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      return { dataset: info.fingerprint, models }
    })
    return context.dataset === undefined
      ? Effect.fail(fail("a train step needs a data set"))
      : program.pipe(Effect.provide(context.dataset), withCompute(id))
  }
}

/**
 * The models a `train` step output, as an `evaluate` step's executor receives them.
 *
 * @since 0.1.0
 */
export const trainedModelsOf = (
  input: Executor.ExecutorInput | undefined
): Effect.Effect<TrainedModels, Executor.ExecutorError> =>
  input === undefined
    ? Effect.fail(new Executor.ExecutorError({ executor: "evaluate", reason: "no trained models" }))
    : Schema.decodeUnknownEffect(TrainedModels)(input.encoded).pipe(
        Effect.mapError(
          (issue) =>
            new Executor.ExecutorError({
              executor: "evaluate",
              reason: `the output of "${input.step}" is not a set of trained models: ${issue.message}`
            })
        )
      )
