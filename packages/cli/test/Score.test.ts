/**
 * `spikernel score` end to end (JSON contract, bad input, `--weights` round trip through the
 * official PyTorch layout), the SAHD range of METHOD.md §7.2 on real networks at B = 256, and the
 * trained-accuracy scorer on a real (tiny) training run.
 */
import { NodeServices } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Architecture, DatasetLoader, Plugin, Rng, Scorer } from "@spikernel/core"
import { layerFromSpec } from "@spikernel/datasets"
import { Lif } from "@spikernel/neurons"
import { decodeSafetensors, defaultSahdConfig, encodeSafetensors, trainedAccuracy } from "@spikernel/scorers"
import { Network, NetworkConfig, SnasnetSpace } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import { Effect, Layer } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  exportTorchWeights,
  scoreOnce,
  spacesCandidateTrainerLayer,
  syntheticLayer
} from "../src/commands/Score.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "spikernel-cli-score-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const readme = "0302 0030 3003 0000"
const small = [
  "--dataset",
  "fashion-mnist-mini",
  "--batch",
  "16",
  "--timesteps",
  "2",
  "--widths",
  "4,8",
  "--backend",
  "cpu",
  "--json"
]

/** The README architecture's network at widths 4/8, initialised from (seed 0, index 0). */
const exported = async (edit?: (name: string, values: Float32Array) => void): Promise<string> => {
  const arch = await Effect.runPromise(
    Architecture.parseArchitecture(readme, { cellType: "backward", kernels: [1, 3] })
  )
  const config = await Effect.runPromise(
    NetworkConfig.withOverrides(NetworkConfig.presets["fashion-mnist"], { widths: [4, 8] })
  )
  const network = Network.buildNetwork(arch, config, { neuron: Lif.lif(), seed: 0, index: 0 })
  try {
    let bytes = await Effect.runPromise(exportTorchWeights(network))
    if (edit !== undefined) {
      const file = await Effect.runPromise(decodeSafetensors(bytes))
      const tensors = [...file.tensors]
      for (const [name, tensor] of tensors) if (tensor.data instanceof Float32Array) edit(name, tensor.data)
      bytes = await Effect.runPromise(encodeSafetensors(tensors))
    }
    const path = join(scratch, `w${Math.random().toString(36).slice(2)}.safetensors`)
    writeFileSync(path, bytes)
    return path
  } finally {
    network.dispose()
  }
}

describe("spikernel score", () => {
  it("prints the JSON contract, and the same score from exported weights; another from edited ones", async () => {
    const first = spikernel("score", "--arch", readme, ...small)
    expect(first.status).toBe(0)
    const output = JSON.parse(first.stdout)
    expect(Object.keys(output).slice(0, 3)).toEqual(["score", "logdets", "hookCalls"])
    // T·(3 + 2·5 conv ops) LIF calls per repeat (METHOD.md §7.2: 65 at T = 5).
    expect(output.hookCalls).toBe(2 * 13)
    expect(output.logdets).toHaveLength(2)
    expect(output.score).toBeCloseTo((output.logdets[0] + output.logdets[1]) / 2, 12)
    expect(output.config).toMatchObject({
      widths: "4,8",
      batch: 16,
      augment: "train",
      dropout: "train",
      normaliser: "official"
    })
    expect(output.params).toBe(129_504)
    // The network's own initial weights, written in the PyTorch layout and read back.
    const loaded = spikernel("score", "--arch", readme, ...small, "--weights", await exported())
    expect(loaded.status).toBe(0)
    expect(JSON.parse(loaded.stdout).score).toBe(output.score)
    // Negated stem weights: other spikes everywhere, another score.
    const edited = await exported((name, values) => {
      if (name === "stem.0.weight") for (let i = 0; i < values.length; i++) values[i] = -values[i]
    })
    expect(
      JSON.parse(spikernel("score", "--arch", readme, ...small, "--weights", edited).stdout).score
    ).not.toBe(output.score)
  }, 300_000)

  it("fails with one line naming the problem", async () => {
    const cases: Array<[ReadonlyArray<string>, RegExp]> = [
      [
        ["--arch", "0302 0030 3003 0005", ...small],
        /^spikernel: invalid architecture "0302 0030 3003 0005": op index 5/
      ],
      [
        ["--arch", readme, "--dataset", "fashion-mnist-mini", "--widths", "8", "--json"],
        /^spikernel: --widths: "8" is not two positive integers C1,C2$/
      ],
      [
        ["--arch", readme, "--dataset", "fashion-mnist-mini", "--backend", "gpu", "--json"],
        /^spikernel: --backend: "gpu" is not one of auto, node-gpu, node, wasm, cpu$/
      ],
      [
        ["--arch", "0303 0030 2002 0200", ...small, "--weights", await exported()],
        /^spikernel: network: tensor "cell1\.cell_architecture\.3\.1\.weight" has shape \[4, 4, 1, 1\], the network expects \[4, 4, 3, 3\]/
      ]
    ]
    for (const [args, message] of cases) {
      const result = spikernel("score", ...args)
      expect(result.status).toBe(1)
      expect(result.stderr.trim().split("\n").at(-1)).toMatch(message)
      expect(result.stdout).toBe("")
    }
  }, 180_000)
})

describe("SAHD on real networks (METHOD.md §7.2)", () => {
  it.effect(
    "scores random architectures at B = 256 in the order of −10² (below chance, above −700); repeats agree far better than architectures",
    () =>
      Effect.gen(function* () {
        const loader = yield* DatasetLoader.DatasetLoader
        const space = SnasnetSpace.snasnetSpace("backward", [1, 3])
        const scores: Array<number> = []
        const gaps: Array<number> = []
        for (let i = 0; i < 3; i++) {
          const arch = space.sample(Rng.draws({ seed: 11, stream: "range", index: i }))
          const run = yield* scoreOnce(loader, { ...defaultSahdConfig, network: { widths: [8, 16] } }, arch, {
            seed: 0,
            index: i
          })
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
        const layer = trainedAccuracy
          .layer(config)
          .pipe(
            Layer.provide(spacesCandidateTrainerLayer),
            Layer.provideMerge(
              Layer.mergeAll(syntheticLayer([28, 28, 1], 128), Backend.layerWasm(), NodeServices.layer)
            )
          )
        const first = yield* Scorer.Scorer.use((s) => s.score(arch, { seed: 2, index: 0 })).pipe(
          Effect.provide(layer)
        )
        expect(first.scorer).toBe("trained-accuracy")
        expect(first.value).toBeGreaterThanOrEqual(0)
        expect(first.value).toBeLessThanOrEqual(1)
        expect(first.details).toMatchObject({ evaluated: 16, epochs: 1, params: 129_504 })
        const second = yield* Scorer.Scorer.use((s) => s.score(arch, { seed: 2, index: 0 })).pipe(
          Effect.provide(layer)
        )
        expect(second).toEqual(first)
      }),
    300_000
  )
})
