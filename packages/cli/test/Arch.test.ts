import { describe, expect, it } from "@effect/vitest"
import { Architecture, Rng } from "@spikernel/core"
import { Spaces } from "@spikernel/snasnet"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const json = (...args: ReadonlyArray<string>) => {
  const result = spikernel(...args, "--json")
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout)
}

describe("spikernel arch params", () => {
  it("CIFAR-100 README model: 20,624,500 parameters with the official per-module split", () => {
    const out = json("arch", "params", "--arch", "0302 0030 3003 0000", "--dataset", "cifar100")
    expect(Object.keys(out).slice(0, 2)).toEqual(["params", "bytes"])
    expect(out.params).toBe(20_624_500)
    expect(out.bytes).toBe(20_624_500 * 4)
    expect(out.modules).toEqual({
      stem: 3_712,
      cell1: 607_488,
      downconv: 295_680,
      cell2: 2_427_392,
      lastAct: 512,
      fc1: 16_777_216,
      fc2: 512_500
    })
    // On a device at 8 bits (DeployedMemory.test.ts counts each figure from the layer shapes).
    expect(out.device["8"]).toEqual({
      weightBits: 8,
      stateBits: 16,
      weights: 20_618_624,
      scales: 15_312,
      batchNorm: 12_288,
      biases: 2_000,
      membranes: 2 * 1_180_672,
      spikes: 147_584,
      feedback: 2 * 196_608,
      peakActivation: 2 * 524_288,
      parameters: 20_618_624 + 15_312 + 12_288 + 2_000,
      runtime: 2 * 1_180_672 + 147_584 + 2 * 196_608 + 2 * 524_288,
      total: 24_598_944
    })
    expect(Object.keys(out.device)).toEqual(["4", "8", "16", "32"])
  }, 300_000)

  it("CIFAR-10 README model with --second-pool 4: 19,520,356; --bits 16 halves the bytes", () => {
    const out = json(
      "arch",
      "params",
      "--arch",
      "0303 0030 2002 0200",
      "--dataset",
      "cifar10",
      "--second-pool",
      "4",
      "--bits",
      "16"
    )
    expect(out.params).toBe(19_520_356)
    expect(out.bytes).toBe(19_520_356 * 2)
    expect(out.modules.fc1).toBe(8_388_608)
    expect(out.modules.cell2).toBe(7_870_464)
  }, 300_000)
})

describe("spikernel arch sample", () => {
  // Cell i is drawn from the stream (seed, "arch/sample", i): matching the library draw for draw is
  // reproducibility from --seed.
  it("is reproducible from --seed (the library's draws, cell for cell) and returns valid pruned cells", () => {
    const a = json(
      "arch",
      "sample",
      "--cell",
      "backward",
      "--kernels",
      "3,7",
      "--seed",
      "42",
      "--count",
      "20"
    )
    const b = json(
      "arch",
      "sample",
      "--cell",
      "backward",
      "--kernels",
      "3,7",
      "--seed",
      "42",
      "--count",
      "20"
    )
    expect(a).toEqual(b)
    expect(a.architectures).toHaveLength(20)
    a.architectures.forEach((cell: { matrix: string; index: number }) => {
      const parsed = Architecture.parseMatrix(cell.matrix)
      if (parsed.problem !== undefined) throw new Error(parsed.problem)
      expect(Architecture.matrixProblem(parsed.value, "backward", [3, 7])).toBeUndefined()
      expect(Spaces.CellSpace.isCanonical(parsed.value)).toBe(true)
      const library = Spaces.CellSpace.sample(
        "backward",
        [3, 7],
        Rng.draws({ seed: 42, stream: "arch/sample", index: cell.index })
      )
      expect(Architecture.formatMatrix(library.matrix)).toBe(cell.matrix)
    })
    expect(a.rawDraws).toBeGreaterThanOrEqual(20)
  }, 300_000)
})

describe("spikernel arch count", () => {
  it("enumerates the sampler exactly: 104,708 backward and 7,556 forward {1,3} cells", () => {
    const backward = json("arch", "count", "--cell", "backward", "--kernels", "1,3")
    expect(backward).toMatchObject({
      rawDraws: 1_000_000,
      acceptedDraws: 400_000,
      acceptanceRate: 0.4,
      distinct: 104_708
    })
    expect(Spaces.CellSpace.countSpace("forward", [1, 3]).distinct).toBe(7_556)
  }, 300_000)
})

describe("bad input exits 1 with one line naming the problem", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, RegExp]> = [
    ["an even kernel size", ["arch", "count", "--kernels", "4"], /--kernels: kernel size 4 is even/],
    [
      "an op index outside the kernel set",
      ["arch", "params", "--arch", "0502 0030 3003 0000", "--dataset", "cifar100"],
      /op index 5 at M\[0\]\[1\] is outside the op list of kernel set \[1,3\]/
    ],
    [
      "a malformed matrix",
      ["arch", "params", "--arch", "0302 0030 30x3 0000", "--dataset", "cifar100"],
      /row 2 "30x3" contains "x", which is not a digit/
    ]
  ]
  for (const [name, args, pattern] of cases) {
    it(name, () => {
      const result = spikernel(...args)
      expect(result.status).toBe(1)
      expect(result.stdout).toBe("")
      const lines = result.stderr.trimEnd().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^spikernel: /)
      expect(lines[0]).toMatch(pattern)
    }, 300_000)
  }
})
