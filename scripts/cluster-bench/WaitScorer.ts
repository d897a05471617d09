/**
 * The `wait` scorer of the cluster benchmark: waits `ms` milliseconds (Effect's clock, no CPU) and
 * scores 0. It measures what the cluster path costs and how it scales when a candidate's work is
 * waiting, which a 2-core machine can show where computing cannot.
 */
import { type CandidateRecord, type Plugin, Scorer } from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"

export const WaitConfig = Schema.Struct({ ms: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) })

export const waitScorer: Plugin.Plugin<
  "Scorer",
  typeof WaitConfig.Type,
  typeof WaitConfig.Encoded,
  Scorer.Scorer
> = {
  kind: "Scorer",
  id: "wait",
  version: 1,
  description: "Waits a fixed time and scores 0 (the cluster benchmark)",
  config: WaitConfig,
  layer: (config) =>
    Layer.succeed(Scorer.Scorer, {
      id: "wait",
      score: () =>
        Effect.as(Effect.sleep(config.ms), {
          scorer: "wait",
          value: 0,
          details: {}
        } as CandidateRecord.ScoreResult)
    })
}
