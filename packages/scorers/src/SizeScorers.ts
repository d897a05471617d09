/**
 * `params`, `memory` and `macs`: the size of a candidate's network, from the builder's parameter and memory
 * model (no tensors). Scorers maximise, so the value is the negated figure; the figures themselves
 * are in `details` (`params`, `bytes`), where the search's records read them (METHOD.md §6.5:
 * bytes = params × 4 at FP32; BN running statistics and the zero op's constant are not parameters).
 * `memory` also reports the memory on a device at every weight bit-width (core's
 * `DeploymentMemory`, as `memory.<bits>.<figure>` details): the search records' `memory` field, and
 * what a search's memory budget checks before a candidate is scored.
 *
 * The network's preset defaults to the data set's name, read from the DatasetLoader when one is in
 * context.
 *
 * @since 0.1.0
 */
import {
  type Architecture,
  type CandidateRecord,
  DatasetLoader,
  DeploymentMemory,
  type Plugin,
  Scorer
} from "@spikernel/core"
import { Effect, Layer, Option, Schema } from "effect"

/**
 * @since 0.1.0
 */
export const SizeConfig = Schema.Struct({
  network: Scorer.NetworkOptions.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
})

/**
 * @since 0.1.0
 */
export type SizeConfig = typeof SizeConfig.Type

/**
 * The summary of an architecture's network under a config.
 *
 * @since 0.1.0
 */
export const sizeOf = (
  scorer: string,
  networks: Scorer.ScoringNetworks["Service"],
  loader: Option.Option<DatasetLoader.DatasetLoader["Service"]>,
  config: SizeConfig,
  arch: Architecture.Architecture
): Effect.Effect<Scorer.NetworkSummary, Scorer.ScoreError> =>
  Effect.gen(function* () {
    let dataset = config.network.preset
    if (dataset === undefined) {
      if (Option.isNone(loader)) {
        return yield* new Scorer.ScoreError({
          scorer,
          reason: "no network preset in the config and no data set to take it from"
        })
      }
      const info = yield* loader.value.info.pipe(
        Effect.mapError((e) => new Scorer.ScoreError({ scorer, reason: e.message }))
      )
      dataset = info.name
    }
    return yield* networks.summary(arch, config.network, dataset)
  })

const sizePlugin = (
  id: "params" | "memory" | "macs",
  description: string,
  value: (summary: Scorer.NetworkSummary) => number
): Plugin.Plugin<
  "Scorer",
  SizeConfig,
  typeof SizeConfig.Encoded,
  Scorer.Scorer,
  never,
  Scorer.ScoringNetworks
> => ({
  kind: "Scorer",
  id,
  // memory@2: its details carry the deployed memory at every bit-width.
  version: id === "memory" ? 2 : 1,
  description,
  config: SizeConfig,
  layer: (config) =>
    Layer.effect(
      Scorer.Scorer,
      Effect.gen(function* () {
        const networks = yield* Scorer.ScoringNetworks
        const loader = yield* Effect.serviceOption(DatasetLoader.DatasetLoader)
        return {
          id,
          score: (arch) =>
            Effect.map(
              sizeOf(id, networks, loader, config, arch),
              (summary): CandidateRecord.ScoreResult => ({
                scorer: id,
                value: value(summary),
                details: {
                  params: summary.params,
                  bytes: summary.bytes,
                  stateBytesPerSample: summary.stateBytesPerSample,
                  ...(id === "macs" ? { macsPerTimestep: summary.macsPerTimestep } : {}),
                  ...(id === "memory" ? DeploymentMemory.toDetails(summary.memory) : {})
                }
              })
            )
        }
      })
    )
})

/**
 * Minus the trainable parameters.
 *
 * @since 0.1.0
 */
export const params = sizePlugin(
  "params",
  "The network's trainable parameters (negated: fewer is better)",
  (s) => -s.params
)

/**
 * Minus the weight bytes at FP32.
 *
 * @since 0.1.0
 */
export const memory = sizePlugin(
  "memory",
  "The network's weight memory at FP32 (negated: less is better), with its memory on a device at 32/16/8/4 bits",
  (s) => -s.bytes
)

/**
 * Minus the dense multiply-accumulates of one timestep (the FLOPs proxy; negated like the other
 * size figures: cheaper is better). `details.macsPerTimestep` holds the figure itself.
 *
 * @since 0.1.0
 */
export const macs = sizePlugin(
  "macs",
  "The network's dense multiply-accumulates per timestep (negated: cheaper is better)",
  (s) => -s.macsPerTimestep
)
