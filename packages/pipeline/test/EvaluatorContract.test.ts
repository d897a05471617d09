/**
 * The scoring Evaluator of a search step (`ScoreEvaluator`, its jobs through the store-backed cache)
 * against the Evaluator contract of
 * `@spikernel/testing`, over the in-memory store and over a directory store, with two scorers (the
 * toy score and a size figure) and with a scorer that fails.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { afterAll } from "@effect/vitest"
import { Architecture, Evaluator, Scorer } from "@spikernel/core"
import { evaluatorContract, makeToySearchSpace, toyCandidates } from "@spikernel/testing"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ScoreEvaluator from "../src/ScoreEvaluator.ts"
import * as Store from "../src/Store.ts"
import { toyScore } from "./ToyPlugins.ts"

const root = mkdtempSync(join(tmpdir(), "spikernel-evaluator-contract-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const toy: Scorer.Scorer["Service"] = {
  id: "toy-score",
  score: (arch, context) =>
    Effect.succeed({ scorer: "toy-score", value: toyScore(arch, context, 0), details: {} })
}

const size: Scorer.Scorer["Service"] = {
  id: "size",
  score: (arch) =>
    Effect.sync(() => {
      const params = 100 * Architecture.convOpCount(arch) + 10
      return { scorer: "size", value: -params, details: { params, bytes: 4 * params } }
    })
}

const broken: Scorer.Scorer["Service"] = {
  id: "broken",
  score: () => Effect.fail(new Scorer.ScoreError({ scorer: "broken", reason: "out of memory" }))
}

const evaluator = (scorers: ReadonlyArray<Scorer.Scorer["Service"]>) =>
  Layer.effect(
    Evaluator.Evaluator,
    Effect.map(ScoreEvaluator.storeCached(ScoreEvaluator.localJobs(scorers)), (jobs) =>
      ScoreEvaluator.make({
        stepKey: "contract-step",
        seed: 7,
        fingerprint: "toy-data",
        space: makeToySearchSpace(),
        scorers: scorers.map((scorer) => ({ id: scorer.id, version: 1, config: {} })),
        context: [{ role: "space", id: "toy", version: 1, config: {} }],
        jobs
      })
    )
  )

/** A fresh directory store for every build of the layer. */
const directoryStore = Layer.unwrap(
  Effect.sync(() => Store.layer({ root: mkdtempSync(join(root, "store-")), mode: "write" }))
).pipe(Layer.provide(NodeFileSystem.layer))

for (const [storeName, store] of [
  ["the in-memory store", Store.layerMemory],
  ["a directory store", directoryStore]
] as const) {
  evaluatorContract(`ScoreEvaluator over ${storeName}`, {
    layer: evaluator([toy, size]).pipe(Layer.provide(store)),
    failures: [
      {
        name: "a scorer that fails",
        layer: evaluator([size, broken]).pipe(Layer.provide(store)),
        candidate: toyCandidates[3],
        error: "EvaluationError"
      }
    ]
  })
}
