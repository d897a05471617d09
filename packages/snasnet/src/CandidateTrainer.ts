/**
 * The `CandidateTrainer` service (core) on `@spikernel/spaces` and `@spikernel/training`, what the
 * `trained-accuracy` scorer trains with: builds the candidate's network from (seed, index), trains it
 * with SNASNet's recipe for the requested epochs and evaluates it in eval mode on the test split. Its
 * checkpoints stay in memory: a score is cached whole by the pipeline. The data order, augmentation
 * and dropout draw from the seed derived from (seed, `score/trained-accuracy`, index).
 *
 * The data set and the tensor backend are taken from the context the layer is built in when they are
 * there, and their absence is the trainer's error when a training is asked for: a search whose
 * scorers never train (params, memory, SAHD) needs neither.
 *
 * @since 0.1.0
 */
import { DatasetLoader, Rng, Scorer } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Network, ParamCount } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import * as Training from "@spikernel/training"
import { Effect, Layer, Option, Schema } from "effect"
import { resolveNetwork } from "./Networks.ts"
import { trainableNetwork } from "./TrainableNetwork.ts"

/**
 * @since 0.1.0
 */
export const layer: Layer.Layer<Scorer.CandidateTrainer> = Layer.effect(
  Scorer.CandidateTrainer,
  Effect.gen(function* () {
    const loader = yield* Effect.serviceOption(DatasetLoader.DatasetLoader)
    const backend = yield* Effect.serviceOption(Backend)
    const failure = (reason: string) => new Scorer.ScoreError({ scorer: "trained-accuracy", reason })
    return {
      trainAndEvaluate: (arch, request) =>
        Option.isNone(loader) || Option.isNone(backend)
          ? Effect.fail(failure("training a candidate needs a data set and a tensor backend in context"))
          : Effect.scoped(
              Effect.gen(function* () {
                const config = yield* resolveNetwork(request.network, request.dataset)
                const info = yield* (yield* DatasetLoader.DatasetLoader).info.pipe(
                  Effect.mapError((e) => failure(e.message))
                )
                if (info.classes !== config.classes) {
                  return yield* failure(
                    `${info.name} has ${info.classes} classes, the network ${config.classes}`
                  )
                }
                const network = Network.buildNetwork(arch, config, {
                  neuron: Lif.lif(),
                  seed: request.seed,
                  index: request.index
                })
                yield* Effect.addFinalizer(() => Effect.sync(network.dispose))
                const model = trainableNetwork(network)
                const trainConfig = yield* Schema.decodeUnknownEffect(Training.TrainConfig)({
                  epochs: request.epochs,
                  batchSize: request.batchSize,
                  timesteps: request.timesteps,
                  seed: Rng.derivedSeed({
                    seed: request.seed,
                    stream: "score/trained-accuracy",
                    index: request.index
                  })
                }).pipe(Effect.mapError((issue) => failure(issue.message)))
                yield* Training.train({ model, config: trainConfig }).pipe(
                  Effect.provide(Training.CheckpointStore.layerMemory),
                  Effect.mapError((e) => failure(e.message))
                )
                const evaluation = yield* Training.evaluate({
                  model,
                  timesteps: request.timesteps,
                  batchSize: request.batchSize,
                  split: "test",
                  ...(request.evalBatches === undefined ? {} : { limit: request.evalBatches })
                }).pipe(Effect.mapError((e) => failure(e.message)))
                const memory = ParamCount.memoryEstimate(arch, config)
                return {
                  accuracy: evaluation.top1,
                  evaluated: evaluation.samples,
                  params: memory.params,
                  bytes: memory.bytes
                }
              })
            ).pipe(
              Effect.provideService(DatasetLoader.DatasetLoader, loader.value),
              Effect.provideService(Backend, backend.value)
            )
    }
  })
)
