/**
 * Which network a candidate is built as: a preset of `@spikernel/spaces`' network builder (the data
 * set's by default) with the overrides a scorer or trainer config gives (channel widths, second pool).
 *
 * @since 0.1.0
 */
import { Scorer } from "@spikernel/core"
import { NetworkConfig } from "@spikernel/spaces"
import { Effect } from "effect"

/**
 * The network configuration of a preset (default: the data set's name) with the overrides.
 *
 * @since 0.1.0
 */
export const resolveNetwork = (
  options: Scorer.NetworkOptions,
  dataset: string
): Effect.Effect<NetworkConfig.NetworkConfig, Scorer.ScoreError> =>
  NetworkConfig.presetFor(options.preset ?? dataset, "network preset").pipe(
    Effect.flatMap((base) =>
      NetworkConfig.withOverrides(
        base,
        {
          ...(options.widths === undefined ? {} : { widths: options.widths }),
          ...(options.secondPool === undefined ? {} : { secondPool: options.secondPool })
        },
        "network"
      )
    ),
    Effect.mapError((error) => new Scorer.ScoreError({ scorer: "network", reason: error.message }))
  )

/**
 * The preset of a data set without one of its own (the bundled `synthetic`), by image shape and
 * number of classes.
 *
 * @since 0.1.0
 */
export const presetForData = (shape: ReadonlyArray<number>, classes: number): string | undefined => {
  switch (shape.join("x")) {
    case "28x28x1":
      return "fashion-mnist"
    case "32x32x3":
      return classes === 100 ? "cifar100" : "cifar10"
    case "64x64x3":
      return "tinyimagenet"
    default:
      return undefined
  }
}
