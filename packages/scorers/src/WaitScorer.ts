/**
 * `wait`: a benchmark instrument, not a proxy. It waits `ms` milliseconds (Effect's clock, no CPU)
 * and scores 0, so `spikernel bench cluster` can measure what the cluster path costs per candidate
 * (`ms: 0`) and how throughput scales with workers when a candidate's work is waiting, which a
 * machine with few cores can show where computing cannot. A built-in so that every
 * `spikernel worker` can run it.
 *
 * @since 0.1.0
 */
import type { CandidateRecord, Plugin } from "@spikernel/core"
import { Scorer } from "@spikernel/core"
import { Effect, Layer, Schema } from "effect"

/**
 * @since 0.1.0
 */
export const WaitConfig = Schema.Struct({
  ms: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * @since 0.1.0
 */
export const wait: Plugin.Plugin<"Scorer", typeof WaitConfig.Type, typeof WaitConfig.Encoded, Scorer.Scorer> =
  {
    kind: "Scorer",
    id: "wait",
    version: 1,
    description: "Waits a fixed time and scores 0 (a benchmark instrument: spikernel bench cluster)",
    config: WaitConfig,
    layer: (config) =>
      Layer.succeed(Scorer.Scorer, {
        id: "wait",
        score: () =>
          Effect.as(Effect.sleep(config.ms), {
            scorer: "wait",
            value: 0,
            details: {}
          } satisfies CandidateRecord.ScoreResult)
      })
  }
