// Runs under Deno (`deno test`): the loaders decode the fixtures to the same content as under Node
// (the fingerprints the vitest suites pin), and a seeded, augmented batch is bit-identical.
import { NodeFileSystem } from "@effect/platform-node"
import { DatasetLoader } from "@spikernel/core"
import { Effect, Stream } from "effect"
import assert from "node:assert/strict"
import { createHash } from "node:crypto"
import { test } from "node:test"
import { fileURLToPath } from "node:url"
import { Inspect, layerFromSpec, loadSpec } from "../../src/index.ts"

const fixtures = fileURLToPath(new URL("../../../../fixtures/", import.meta.url))

const checksum = (spec: Parameters<typeof loadSpec>[0]) =>
  Effect.runPromise(
    Effect.map(loadSpec(spec), (dataset) => Inspect.summarise(dataset).checksum).pipe(
      Effect.provide(NodeFileSystem.layer)
    )
  )

test("fixtures decode to the fingerprints pinned under Node", async () => {
  assert.equal(
    await checksum({ name: "fashion-mnist-mini" }),
    "f0b00eda7f609cacde6865211ca6e4902741bc51a28cc95e0a8c8e2ea35f9e67"
  )
  assert.equal(
    await checksum({ name: "cifar10", path: `${fixtures}cifar10` }),
    "67ec22f076e844ba88d8f6c49950c718b1e915a2286a9f45b90cb9dfc01cb3a1"
  )
  assert.equal(
    await checksum({ name: "tinyimagenet", path: `${fixtures}tinyimagenet` }),
    "141dea373fa0806d1b663bb81c960fa0520d9f99190814557b31d778b3db39cc"
  )
})

test("a shuffled, augmented batch is the same as under Node", async () => {
  const batch = await Effect.runPromise(
    Effect.gen(function* () {
      const loader = yield* Effect.service(DatasetLoader.DatasetLoader)
      const batches = yield* Stream.runCollect(
        loader.batches({
          split: "train",
          batchSize: 64,
          seed: 5,
          epoch: 2,
          shuffle: true,
          augment: true,
          take: 1
        })
      )
      return batches[0]
    }).pipe(
      Effect.provide(layerFromSpec({ name: "fashion-mnist-mini" })),
      Effect.provide(NodeFileSystem.layer)
    )
  )
  const hash = createHash("sha256").update(new Uint8Array(batch.images.buffer)).digest("hex")
  assert.equal(hash, "1afce5c6d5852103d191beb6e560ee2c55b7216f1c578f5cae0d525215aba7b5")
})
