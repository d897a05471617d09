/**
 * Learning-rate schedules, stepped once per epoch (METHOD.md §5).
 *
 * Each is a pure function of (base lr, epoch, epochs), so a resumed training needs no schedule state
 * beyond the epoch it resumes at. Cosine is `CosineAnnealingLR(T_max = epochs, eta_min = lr·minFactor)`
 * in its closed form: lr_e = η_min + (lr − η_min)(1 + cos(π e / T_max)) / 2 for epoch e = 0, 1, …
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"

/**
 * Cosine annealing to `lr × minFactor` (SNASNet: 0.1 → 0.001).
 *
 * @since 0.1.0
 */
export const CosineSchedule = Schema.Struct({
  kind: Schema.Literal("cosine"),
  minFactor: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.01))
  )
})

/**
 * SNASNet's alternative: × `factor` at each milestone (fractions of the epochs; 50% and 75%).
 *
 * @since 0.1.0
 */
export const StepSchedule = Schema.Struct({
  kind: Schema.Literal("step"),
  factor: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.1))
  ),
  milestones: Schema.Array(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed([0.5, 0.75]))
  )
})

/**
 * @since 0.1.0
 */
export const ConstantSchedule = Schema.Struct({ kind: Schema.Literal("constant") })

/**
 * @since 0.1.0
 */
export const ScheduleConfig = Schema.Union([CosineSchedule, StepSchedule, ConstantSchedule])

/**
 * @since 0.1.0
 */
export type ScheduleConfig = typeof ScheduleConfig.Type

/**
 * The learning rate used during epoch `epoch` (0-based) of `epochs`.
 *
 * @since 0.1.0
 */
export const learningRate = (schedule: ScheduleConfig, lr: number, epoch: number, epochs: number): number => {
  switch (schedule.kind) {
    case "constant":
      return lr
    case "cosine": {
      const min = lr * schedule.minFactor
      return min + ((lr - min) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2
    }
    case "step": {
      // MultiStepLR milestones are epoch numbers: int(fraction × epochs), as the official code builds them.
      const passed = schedule.milestones.filter((m) => epoch >= Math.floor(m * epochs)).length
      return lr * schedule.factor ** passed
    }
  }
}
