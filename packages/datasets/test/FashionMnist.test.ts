/**
 * The full Fashion-MNIST from Debian's `dataset-fashion-mnist` (installed by `.ci/run`): counts,
 * decode time, normalisation constants, and the reproducibility of the bundled subset.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Dataset, FashionMnistMini, Fingerprint, loadSpec, Mnist, Normalisation } from "../src/index.ts"
import { debianFashionMnist, debianMissing, hasDebianFashionMnist, repoRoot, scratch } from "./TestData.ts"

const root = scratch("fashion-mnist")
afterAll(() => rmSync(root, { recursive: true, force: true }))

if (!hasDebianFashionMnist) {
  describe("Fashion-MNIST from the Debian package", () => {
    it.skip(`skipped: ${debianMissing}`, () => {})
  })
} else {
  describe("Fashion-MNIST from the Debian package", () => {
    it.effect(
      "decodes 60,000 / 10,000 images, 10 classes, 6,000 / 1,000 per class, and reports the time",
      () =>
        Effect.gen(function* () {
          const started = performance.now()
          const dataset = yield* loadSpec({ name: "fashion-mnist", path: debianFashionMnist })
          const decoded = performance.now()
          const fingerprint = Fingerprint.fingerprint(dataset)
          const hashed = performance.now()
          // The timing line the issue asks for (target: decode under 1.5 s on the project machine).
          console.log(
            `fashion-mnist full decode: ${(decoded - started).toFixed(0)} ms (read + gunzip + IDX + label checks), ` +
              `fingerprint ${(hashed - decoded).toFixed(0)} ms`
          )
          expect(dataset.train.size).toBe(60_000)
          expect(dataset.test.size).toBe(10_000)
          expect(dataset.classes).toBe(10)
          expect(dataset.imageShape).toEqual([28, 28, 1])
          expect(Dataset.labelCounts(dataset.train, 10)).toEqual(new Array(10).fill(6000))
          expect(Dataset.labelCounts(dataset.test, 10)).toEqual(new Array(10).fill(1000))
          expect(fingerprint).toBe("fff7856494f1f2d430a1722e2b822405dbd3158cb8ed760d1fe3385ecab54a74")
          // No timed assertion: the decode time is a measurement (the line above, and `spikernel bench
          // data`), and a shared CI machine would make any bound flaky.
        }).pipe(Effect.provide(NodeFileSystem.layer))
    )

    it.effect("its normalisation constants are the train split's statistics", () =>
      Effect.gen(function* () {
        const dataset = yield* loadSpec({ name: "fashion-mnist", path: debianFashionMnist })
        const computed = Normalisation.compute(dataset.train, 1)
        expect(Math.abs(computed.mean[0] - Normalisation.fashionMnist.mean[0])).toBeLessThan(5e-4)
        expect(Math.abs(computed.std[0] - Normalisation.fashionMnist.std[0])).toBeLessThan(5e-4)
      }).pipe(Effect.provide(NodeFileSystem.layer))
    )

    it("fixtures/make-fashion-mnist-mini.ts reproduces the committed subset byte for byte", () => {
      const out = join(root, "mini")
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", "fixtures/make-fashion-mnist-mini.ts", debianFashionMnist, out],
        { cwd: repoRoot, encoding: "utf8" }
      )
      expect(run.stderr).toBe("")
      expect(run.status).toBe(0)
      for (const split of ["train", "test"] as const) {
        for (const kind of ["images", "labels"] as const) {
          const name = `${Mnist.fileName(split, kind)}.gz`
          expect(
            readFileSync(join(out, name)).equals(readFileSync(join(FashionMnistMini.directory(), name)))
          ).toBe(true)
        }
      }
    }, 300_000)
  })
}
