/**
 * The proxy-quality study's folder (issue 18): figures from known inputs, a results.json that decodes
 * with its own schema (NaN kept as "NaN"), tables and plots on the page, and the same bytes for the
 * same input.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Architecture } from "@spikernel/core"
import { Effect, Exit, FileSystem, Schema } from "effect"
import {
  analyzeProxyStudy,
  type ProxyStudyInput,
  ProxyStudyResults,
  writeProxyStudy
} from "../src/ProxyStudy.ts"

const arch = (text: string) =>
  Effect.runSync(Architecture.parseArchitecture(text, { cellType: "backward", kernels: [1, 3] }))

const texts = [
  "0303 0030 2002 0200",
  "0302 0030 3003 0000",
  "0303 0030 3002 0200",
  "0202 0020 2002 0200",
  "0303 0030 2003 0200",
  "0101 0010 1001 0100"
]

/** Six architectures; "oracle" is the final accuracy itself, "reversed" its negative, "broken" fails on one. */
const input = (): ProxyStudyInput => {
  const finals = [0.71, 0.74, 0.69, 0.62, 0.77, 0.55]
  return {
    name: "toy",
    dataset: "toy-data",
    seed: 3,
    proxies: [
      { name: "oracle", description: "The accuracy itself" },
      { name: "reversed", description: "Minus the accuracy" },
      { name: "broken", description: "NaN on one architecture" }
    ],
    models: texts.map((text, i) => ({
      architecture: arch(text),
      params: 1000 + i,
      // After epoch 2 the order is the final one but for one swap (models 0 and 2).
      accuracyByEpoch: [
        finals[i] - 0.05,
        i === 0 ? 0.665 : i === 2 ? 0.675 : finals[i] - 0.02,
        finals[i],
        finals[i]
      ],
      proxies: { oracle: finals[i], reversed: -finals[i], broken: i === 1 ? Number.NaN : finals[i] }
    })),
    resamples: 200,
    topK: [1, 3],
    within: { subset: 3, points: [0, 0.05] }
  }
}

const withTempDir = <A, E>(f: (dir: string) => Effect.Effect<A, E, FileSystem.FileSystem>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    return yield* f(dir)
  }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

describe("proxy study", () => {
  it("gives an oracle τ = 1 and full overlap, a reversed proxy τ = −1, and leaves NaN out", () => {
    const results = analyzeProxyStudy(input())
    const [oracle, reversed, broken] = results.proxies
    expect(oracle.kendall.value).toBe(1)
    expect(oracle.spearman.value).toBeCloseTo(1, 12)
    expect(oracle.topK).toEqual([
      { k: 1, overlap: 1 },
      { k: 3, overlap: 1 }
    ])
    expect(oracle.regret).toBe(0)
    expect(oracle.pickWithin.map((w) => w.rate)).toEqual([1, 1])
    expect(reversed.kendall.value).toBe(-1)
    expect(reversed.regret).toBeCloseTo(0.77 - 0.55, 12)
    expect(reversed.pickWithin[0].rate).toBe(0)
    expect(broken.n).toBe(5)
    expect(broken.kendall.value).toBe(1)
    // Epoch 2 vs 4: one swapped pair of 15 → τ = (14 − 1) / 15.
    expect(results.epochs).toBe(4)
    expect(results.stability.fromEpoch).toBe(2)
    expect(results.stability.kendall.value).toBeCloseTo(13 / 15, 12)
  })

  it.effect(
    "writes index.html, summary.md, results.json and the plots, byte-identical for the same input",
    () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const fs = yield* FileSystem.FileSystem
          const first = yield* writeProxyStudy(input(), `${dir}/a`)
          const second = yield* writeProxyStudy(input(), `${dir}/b`)
          expect(first.written.map((f) => f.sha256)).toEqual(second.written.map((f) => f.sha256))
          const names = first.written.map((f) => f.path.slice(`${dir}/a/`.length)).sort()
          expect(names).toEqual([
            "index.html",
            "plots/proxy-accuracy-1.svg",
            "plots/proxy-accuracy-2.svg",
            "plots/proxy-accuracy-3.svg",
            "plots/proxy-correlation.svg",
            "results.json",
            "summary.md"
          ])
          const json = JSON.parse(yield* fs.readFileString(first.results))
          const decoded = Schema.decodeUnknownSync(ProxyStudyResults)(json, { onExcessProperty: "error" })
          expect(decoded.table[1].proxies.broken).toBeNaN()
          expect(json.table[1].proxies.broken).toBe("NaN")
          const html = yield* fs.readFileString(first.index)
          expect(html).toContain("How well each proxy ranks the trained architectures")
          expect(html).toContain("1.000 [1.000, 1.000]")
          expect(html.match(/<svg/g)?.length).toBe(4)
          const md = yield* fs.readFileString(first.summary)
          expect(md).toContain("| oracle | 6 |")
          expect(md).toContain("2 → 4")
        }).pipe(Effect.provide(NodeServices.layer))
      )
  )

  it.effect("refuses fewer than two trained architectures with a typed error", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          writeProxyStudy({ ...input(), models: input().models.slice(0, 1) }, dir)
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(String(exit)).toContain("at least two trained architectures, got 1")
      }).pipe(Effect.provide(NodeServices.layer))
    )
  )
})
