/**
 * `spikernel score` end to end: the JSON contract, bad input, and the `--weights` round trip through
 * the official PyTorch layout. (The scorers themselves are tested in `@spikernel/snasnet`.)
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Architecture, Safetensors } from "@spikernel/core"
import { Neurons, Spaces, TorchWeights } from "@spikernel/snasnet"
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

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
    Spaces.NetworkConfig.withOverrides(Spaces.NetworkConfig.presets["fashion-mnist"], { widths: [4, 8] })
  )
  const network = Spaces.Network.buildNetwork(arch, config, { neuron: Neurons.Lif.lif(), seed: 0, index: 0 })
  try {
    let bytes = await Effect.runPromise(TorchWeights.exportTorchWeights(network))
    if (edit !== undefined) {
      const file = await Effect.runPromise(Safetensors.decode(bytes))
      const tensors = [...file.tensors]
      for (const [name, tensor] of tensors) if (tensor.data instanceof Float32Array) edit(name, tensor.data)
      bytes = await Effect.runPromise(Safetensors.encode(tensors))
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
    // Stream 0: the one `exported` builds its network from.
    const first = spikernel("score", "--arch", readme, ...small, "--index", "0")
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
    const loaded = spikernel(
      "score",
      "--arch",
      readme,
      ...small,
      "--index",
      "0",
      "--weights",
      await exported()
    )
    expect(loaded.status).toBe(0)
    expect(JSON.parse(loaded.stdout).score).toBe(output.score)
    // Negated stem weights: other spikes everywhere, another score.
    const edited = await exported((name, values) => {
      if (name === "stem.0.weight") for (let i = 0; i < values.length; i++) values[i] = -values[i]
    })
    expect(
      JSON.parse(spikernel("score", "--arch", readme, ...small, "--index", "0", "--weights", edited).stdout)
        .score
    ).not.toBe(output.score)
  }, 300_000)

  it("reproduces the score a search recorded, from the step's scorer settings and seed alone", () => {
    const dir = mkdtempSync(join(scratch, "search-"))
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
    const file = join(dir, "search.ts")
    writeFileSync(
      file,
      `import { Datasets, load, pipeline, Scorers, Search, search, space, use } from "@spikernel/snasnet"
const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: space("backward", [1, 3]),
  strategy: use(Search.randomSearch, {}),
  scorer: use(Scorers.sahd, { batch: 16, repeats: 2, timesteps: 2, network: { widths: [4, 8] } }),
  budget: 3,
  seed: 11
})
export default pipeline({ name: "reproduce", seed: 5, steps: { data, found } })
`
    )
    const run = spikernel(
      "run",
      file,
      "--store",
      join(dir, "store"),
      "--backend",
      "cpu",
      "--no-typecheck",
      "--json"
    )
    expect(run.status, run.stderr).toBe(0)
    const records = (
      JSON.parse(run.stdout).results.found as {
        records: ReadonlyArray<{ architecture: { matrix: string }; scores: ReadonlyArray<{ value: number }> }>
      }
    ).records
    expect(records.length).toBe(3)
    for (const record of records) {
      const again = spikernel("score", "--arch", record.architecture.matrix, ...small, "--seed", "11")
      expect(again.status, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout).score).toBe(record.scores[0].value)
    }
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
      const line = result.stderr.trim().split("\n").at(-1) ?? ""
      expect(line).toMatch(message)
      // With --json, stdout holds one document: the error with its fields.
      expect(JSON.parse(result.stdout).error.message).toBe(line.replace(/^spikernel: /, ""))
    }
  }, 180_000)
})
