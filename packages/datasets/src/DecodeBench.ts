/**
 * The data benchmark behind `spikernel bench data`: how long decoding a whole data set takes (by
 * default Debian's Fashion-MNIST, whose target is under 1.5 s), how long its fingerprint takes, and
 * how fast one augmented training epoch of batches of 256 is built.
 *
 * Times come from Effect's Clock (`Effect.timed`); decode is repeated and the best run reported, as
 * other processes share the machine.
 *
 * @since 0.1.0
 */
import { type DatasetLoader, DatasetSpec } from "@spikernel/core"
import * as Batches from "./Batches.ts"
import * as Fingerprint from "./Fingerprint.ts"
import { fromSpec } from "./Plugins.ts"
import { Duration, Effect, type FileSystem, Schema, Stream } from "effect"

/**
 * The Debian package's Fashion-MNIST, the benchmark's default data.
 *
 * @since 0.1.0
 */
export const defaultSpec: DatasetSpec.DatasetSpec = {
  name: "fashion-mnist",
  path: "/usr/share/datasets/fashion-mnist"
}

/**
 * The decode-time target of issue 5, in milliseconds.
 *
 * @since 0.1.0
 */
export const decodeTargetMs = 1500

/**
 * @since 0.1.0
 */
export const BenchDataResult = Schema.Struct({
  spec: Schema.String,
  train: Schema.Int,
  test: Schema.Int,
  /** Each full decode (read, gunzip, parse, checks), in ms. */
  decodeMs: Schema.Array(Schema.Finite),
  bestDecodeMs: Schema.Finite,
  targetMs: Schema.Finite,
  fingerprintMs: Schema.Finite,
  /** One shuffled, augmented train epoch of float32 batches of 256. */
  epochMs: Schema.Finite,
  imagesPerSecond: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type BenchDataResult = typeof BenchDataResult.Type

/**
 * Runs the data benchmark.
 *
 * @since 0.1.0
 */
export const benchData = (
  options: { readonly spec?: DatasetSpec.DatasetSpec; readonly repeats?: number } = {}
): Effect.Effect<BenchDataResult, DatasetLoader.DatasetError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const spec = options.spec ?? defaultSpec
    const configured = yield* fromSpec(spec)
    const [firstTime, dataset] = yield* Effect.timed(configured.decode)
    const decodeMs = [Duration.toMillis(firstTime)]
    for (let r = 1; r < Math.max(1, options.repeats ?? 3); r++) {
      const [elapsed] = yield* Effect.timed(configured.decode)
      decodeMs.push(Duration.toMillis(elapsed))
    }
    const [hashTime] = yield* Effect.timed(Effect.sync(() => Fingerprint.fingerprint(dataset)))
    const [epochTime, images] = yield* Effect.timed(
      Stream.runFold(
        Batches.stream(dataset, configured.augmentation, {
          split: "train",
          batchSize: 256,
          seed: 0,
          epoch: 0,
          shuffle: true,
          augment: true
        }),
        () => 0,
        (count, batch: DatasetLoader.ImageBatch) => count + batch.size
      )
    )
    const epochMs = Duration.toMillis(epochTime)
    return {
      spec: DatasetSpec.formatDatasetSpec(spec),
      train: dataset.train.size,
      test: dataset.test.size,
      decodeMs,
      bestDecodeMs: Math.min(...decodeMs),
      targetMs: decodeTargetMs,
      fingerprintMs: Duration.toMillis(hashTime),
      epochMs,
      imagesPerSecond: epochMs > 0 ? (images / epochMs) * 1000 : 0
    }
  })

/**
 * One line per figure, for the text form of `spikernel bench data`.
 *
 * @since 0.1.0
 */
export const renderBenchData = (result: BenchDataResult): string =>
  [
    `data: ${result.spec} (${result.train} train / ${result.test} test images)`,
    `  full decode: best ${result.bestDecodeMs.toFixed(0)} ms of ${result.decodeMs.map((ms) => ms.toFixed(0)).join(", ")} (target < ${result.targetMs} ms)`,
    `  fingerprint: ${result.fingerprintMs.toFixed(0)} ms`,
    `  augmented train epoch, batches of 256: ${result.epochMs.toFixed(0)} ms, ${result.imagesPerSecond.toFixed(0)} images/s`
  ].join("\n")
