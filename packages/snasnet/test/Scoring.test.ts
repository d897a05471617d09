/**
 * The scorers as the assembly builds them: the SAHD range of METHOD.md §7.2 on real networks at
 * B = 256, and the trained-accuracy scorer on a real (tiny) training run.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Architecture, Plugin, Rng, Scorer } from "@spikernel/core"
import { layerFromSpec } from "@spikernel/datasets"
import { defaultSahdConfig, Sahd, trainedAccuracy } from "@spikernel/scorers"
import { SnasnetSpace } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import { Effect, Layer } from "effect"
import { sahdLayer, withScoringServices } from "../src/Builtins.ts"
import { syntheticLayer } from "../src/bench/BenchScore.ts"

const readme = "0302 0030 3003 0000"

describe("SAHD on real networks (METHOD.md §7.2)", () => {
  it.effect(
    "scores random architectures at B = 256 in the order of −10² (below chance, above −700); repeats agree far better than architectures",
    () =>
      Effect.gen(function* () {
        const sahd = yield* Sahd
        const space = SnasnetSpace.snasnetSpace("backward", [1, 3])
        const scores: Array<number> = []
        const gaps: Array<number> = []
        for (let i = 0; i < 3; i++) {
          const arch = space.sample(Rng.draws({ seed: 11, stream: "range", index: i }))
          const run = yield* sahd.run(arch, { seed: 0, index: i })
          expect(run.score.details.batch).toBe(256)
          scores.push(run.score.value)
          gaps.push(Math.abs(run.score.details.logdet0 - run.score.details.logdet1))
        }
        for (const score of scores) {
          expect(score).toBeGreaterThan(-700)
          expect(score).toBeLessThan(-100)
        }
        expect(Math.max(...gaps)).toBeLessThan(Math.max(...scores) - Math.min(...scores))
      }).pipe(
        Effect.provide(sahdLayer({ ...defaultSahdConfig, network: { widths: [8, 16] } })),
        Effect.provide(Layer.merge(layerFromSpec({ name: "fashion-mnist-mini" }), Backend.layerWasm())),
        Effect.provide(NodeServices.layer)
      ),
    300_000
  )
})

describe("trained-accuracy on a real network", () => {
  it.effect(
    "trains a candidate for one epoch and reports its test top-1 in [0, 1], the same on a second run",
    () =>
      Effect.gen(function* () {
        const arch = yield* Architecture.parseArchitecture(readme, { cellType: "backward", kernels: [1, 3] })
        const config = yield* Plugin.decodeConfig(trainedAccuracy, {
          epochs: 1,
          timesteps: 2,
          network: { preset: "fashion-mnist", widths: [4, 8] }
        })
        // The plugin as the registry holds it: with the assembly's scoring services.
        const layer = withScoringServices(trainedAccuracy)
          .layer(config)
          .pipe(Layer.provideMerge(Layer.mergeAll(syntheticLayer([28, 28, 1], 128), Backend.layerWasm())))
        const score = Effect.flatMap(Effect.service(Scorer.Scorer), (s) =>
          s.score(arch, { seed: 2, index: 0 })
        )
        const first = yield* score.pipe(Effect.provide(layer))
        expect(first.scorer).toBe("trained-accuracy")
        expect(first.value).toBeGreaterThanOrEqual(0)
        expect(first.value).toBeLessThanOrEqual(1)
        expect(first.details).toMatchObject({ evaluated: 16, epochs: 1, params: 129_504 })
        const second = yield* score.pipe(Effect.provide(layer))
        expect(second).toEqual(first)
      }),
    300_000
  )
})
