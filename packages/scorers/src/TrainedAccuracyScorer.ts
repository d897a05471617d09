/**
 * `trained-accuracy`: a candidate's top-1 on the test split after training it from its
 * initialisation (the figure SpiKernel's step 4 selects on, METHOD.md §6.5). The training itself is
 * the `CandidateTrainer` service's (built on `@spikernel/training`), so this package stays free of
 * other plugin packages; the value is the accuracy in [0, 1].
 *
 * @since 0.1.0
 */
import { type CandidateRecord, DatasetLoader, type Plugin, Scorer } from "@spikernel/core"
import { Effect, Layer, Option, Schema } from "effect"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))

/**
 * Epochs, batch and timesteps default to a short run of SNASNet's recipe (batch 64, T = 5).
 *
 * @since 0.1.0
 */
export const TrainedAccuracyConfig = Schema.Struct({
  epochs: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(1))),
  batchSize: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(64))),
  timesteps: Positive.pipe(Schema.withDecodingDefaultKey(Effect.succeed(5))),
  evalBatches: Schema.optionalKey(Positive),
  network: Scorer.NetworkOptions.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
})

/**
 * @since 0.1.0
 */
export type TrainedAccuracyConfig = typeof TrainedAccuracyConfig.Type

/**
 * @since 0.1.0
 */
export const trainedAccuracy: Plugin.Plugin<
  "Scorer",
  TrainedAccuracyConfig,
  typeof TrainedAccuracyConfig.Encoded,
  Scorer.Scorer,
  never,
  Scorer.CandidateTrainer
> = {
  kind: "Scorer",
  id: "trained-accuracy",
  version: 1,
  description: "Top-1 on the test split after training the candidate for a few epochs",
  config: TrainedAccuracyConfig,
  layer: (config) =>
    Layer.effect(
      Scorer.Scorer,
      Effect.gen(function* () {
        const trainer = yield* Scorer.CandidateTrainer
        const loader = yield* Effect.serviceOption(DatasetLoader.DatasetLoader)
        const failure = (reason: string) => new Scorer.ScoreError({ scorer: "trained-accuracy", reason })
        return {
          id: "trained-accuracy",
          score: (arch, context) =>
            Effect.gen(function* () {
              const dataset =
                config.network.preset ??
                (Option.isSome(loader)
                  ? (yield* loader.value.info.pipe(Effect.mapError((e) => failure(e.message)))).name
                  : yield* failure("no network preset in the config and no data set to take it from"))
              const outcome = yield* trainer.trainAndEvaluate(arch, {
                network: config.network,
                dataset,
                epochs: config.epochs,
                batchSize: config.batchSize,
                timesteps: config.timesteps,
                seed: context.seed,
                index: context.index,
                ...(config.evalBatches === undefined ? {} : { evalBatches: config.evalBatches })
              })
              const result: CandidateRecord.ScoreResult = {
                scorer: "trained-accuracy",
                value: outcome.accuracy,
                details: {
                  accuracy: outcome.accuracy,
                  evaluated: outcome.evaluated,
                  epochs: config.epochs,
                  params: outcome.params,
                  bytes: outcome.bytes
                }
              }
              return result
            })
        }
      })
    )
}
