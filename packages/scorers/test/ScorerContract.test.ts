/**
 * The scorer plugins that need no neuron against the Scorer contract of `@spikernel/testing`, over
 * this package's test doubles (FakeNetworks.ts, a trainer whose outcome depends on the request).
 * `sahd` and the real networks run the same suite in `packages/cli/test/ScorerContract.test.ts`,
 * where the spaces and neurons are at hand (a plugin package imports no other).
 */
import { type Architecture, Scorer } from "@spikernel/core"
import { scorerContract } from "@spikernel/testing"
import { Effect, Layer } from "effect"
import { memory, params, trainedAccuracy } from "../src/index.ts"
import { fakeLayers, fakeNetworks, fakeParams } from "./FakeNetworks.ts"

const backward = (rows: Architecture.Matrix): Architecture.Architecture => ({
  cellType: "backward",
  kernels: [1, 3],
  matrix: rows
})
const architectures = [
  backward([
    [0, 3, 0, 2],
    [0, 0, 3, 0],
    [3, 0, 0, 3],
    [0, 0, 0, 0]
  ]),
  backward([
    [0, 1, 0, 4],
    [0, 0, 1, 0],
    [1, 0, 0, 4],
    [0, 0, 0, 0]
  ])
]

const networksOnly = Layer.succeed(Scorer.ScoringNetworks, fakeNetworks())

for (const plugin of [params, memory]) {
  scorerContract(`${plugin.id} (test doubles)`, {
    layer: plugin.layer({ network: {} }).pipe(Layer.provide(fakeLayers())),
    id: plugin.id,
    architectures,
    impossible: {
      layer: plugin.layer({ network: {} }).pipe(Layer.provide(networksOnly)),
      reason: /no network preset/
    }
  })
}

const trainer = Layer.succeed(Scorer.CandidateTrainer, {
  trainAndEvaluate: (arch, request) =>
    Effect.succeed({
      accuracy: ((request.index * 7 + request.seed) % 16) / 16,
      evaluated: 16,
      params: fakeParams(arch),
      bytes: 4 * fakeParams(arch)
    })
})

const trainedConfig = { epochs: 1, batchSize: 64, timesteps: 5, network: {} }
scorerContract("trained-accuracy (a stand-in trainer)", {
  layer: trainedAccuracy.layer(trainedConfig).pipe(Layer.provide(Layer.merge(trainer, fakeLayers()))),
  id: "trained-accuracy",
  architectures,
  impossible: {
    layer: trainedAccuracy.layer(trainedConfig).pipe(Layer.provide(trainer)),
    reason: /no network preset/
  }
})
