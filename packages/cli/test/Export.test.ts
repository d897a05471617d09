/**
 * `spikernel export --format nir` end to end: what `spikernel train` leaves (its checkpoint
 * directory) exports to an NIR file, and so does the model a pipeline's train step stored; stdout is
 * one JSON document; an existing output, a missing or damaged model, an unknown format, step or model
 * each exit 1 with one line naming the file or the format.
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ExportOutput } from "../src/commands/Export.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const arch = "0302 0030 3003 0000"
const network = ["--arch", arch, "--dataset", "synthetic", "--widths", "2,4", "--backend", "wasm"]

/** The one line a failed command prints on stderr (the logs are the backend's INFO lines). */
const failureLine = (stderr: string): Array<string> =>
  stderr.split("\n").filter((l) => l.startsWith("spikernel:"))

describe("spikernel export", () => {
  it("exports the checkpoint a train run left, refuses to overwrite without --force, and names bad inputs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-cli-export-"))
    const checkpoint = path.join(dir, "ck")
    const trained = spikernel(
      "train",
      ...network,
      "--timesteps",
      "2",
      "--batch",
      "8",
      "--epochs",
      "1",
      "--stop-after-batches",
      "1",
      "--checkpoint",
      checkpoint
    )
    expect(trained.status).toBe(0)

    const out = path.join(dir, "model.nir")
    const exported = spikernel(
      "export",
      "--format",
      "nir",
      checkpoint,
      ...network,
      "--timesteps",
      "2",
      "--out",
      out,
      "--json"
    )
    expect(exported.stderr).not.toContain("spikernel:")
    expect(exported.status).toBe(0)
    const output = Schema.decodeUnknownSync(ExportOutput)(JSON.parse(exported.stdout))
    expect(output.model).toBe(path.join(checkpoint, "ckpt-e0000-b000001", "weights.safetensors"))
    expect(output.layout).toBe("tfjs")
    expect(output.arch).toBe(arch)
    expect(output.timesteps).toBe(2)
    // 0302 0030 3003 0000: 5 conv ops per cell (one backward), each a LIF and a Conv2d
    expect(output.types).toEqual({
      Input: 1,
      Conv2d: 2 * 5 + 2,
      LIF: 2 * 5 + 3,
      Delay: 2,
      AvgPool2d: 2,
      Flatten: 1,
      Linear: 2,
      Affine: 1,
      Output: 1
    })
    expect(output.delays).toBe(2)
    expect(fs.readFileSync(out).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])
    )
    const written = fs.statSync(out).mtimeMs

    const again = spikernel("export", "--format", "nir", checkpoint, ...network, "--out", out)
    expect(again.status).toBe(1)
    expect(failureLine(again.stderr)).toEqual([
      `spikernel: ${out}: already exists; pass --force to overwrite it`
    ])
    expect(fs.statSync(out).mtimeMs).toBe(written)
    const forced = spikernel("export", "--format", "nir", checkpoint, ...network, "--out", out, "--force")
    expect(forced.status).toBe(0)
    expect(forced.stdout).toMatch(new RegExp(`^wrote ${out}: NIR graph of ${arch}`))

    const missing = path.join(dir, "missing.safetensors")
    const noModel = spikernel(
      "export",
      "--format",
      "nir",
      missing,
      ...network,
      "--out",
      path.join(dir, "a.nir")
    )
    expect(noModel.status).toBe(1)
    expect(failureLine(noModel.stderr)).toEqual([`spikernel: ${missing}: no such file`])

    const damaged = path.join(dir, "damaged.safetensors")
    fs.writeFileSync(damaged, fs.readFileSync(output.model).subarray(0, 200))
    const bad = spikernel("export", "--format", "nir", damaged, ...network, "--out", path.join(dir, "b.nir"))
    expect(bad.status).toBe(1)
    const badLines = failureLine(bad.stderr)
    expect(badLines).toHaveLength(1)
    expect(badLines[0]).toMatch(new RegExp(`^spikernel: ${damaged}: is not a readable safetensors file`))

    const format = spikernel(
      "export",
      "--format",
      "onnx",
      checkpoint,
      ...network,
      "--out",
      path.join(dir, "c.nir")
    )
    expect(format.status).toBe(1)
    expect(failureLine(format.stderr)).toEqual([
      'spikernel: --format: "onnx" is not a known export format (known: nir)'
    ])
    expect(fs.readdirSync(dir).sort()).toEqual(["ck", "damaged.safetensors", "model.nir"])
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it("exports the model a pipeline's train step stored (architecture, network and T from the store)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-cli-export-pipeline-"))
    const file = path.join(dir, "tiny.ts")
    const store = path.join(dir, "store")
    fs.writeFileSync(
      file,
      `import { bptt, Datasets, fixed, kernelSetSteps, load, pipeline, Scorers, use } from "@spikernel/snasnet"
const data = load({ loader: use(Datasets.Synthetic.synthetic, { trainSize: 32, testSize: 16 }) })
const network = { preset: "fashion-mnist", widths: [2, 4] as [number, number] }
const set = kernelSetSteps({
  name: "tiny",
  dataset: data,
  kernels: [1, 3],
  scorer: use(Scorers.params, { network }),
  budget: 1,
  strategy: use(fixed, { architectures: ["${arch}"] }),
  trainer: bptt({ network, training: { epochs: 1, batchSize: 16, timesteps: 3 } })
})
export default pipeline({ name: "tiny", seed: 1, steps: { data, ...set.steps } })
`
    )
    const ran = spikernel("run", file, "--store", store, "--backend", "wasm")
    expect(ran.status).toBe(0)
    const out = path.join(dir, "model.nir")
    const exported = spikernel(
      "export",
      "--format",
      "nir",
      file,
      "--store",
      store,
      "--out",
      out,
      "--backend",
      "wasm",
      "--json"
    )
    expect(exported.stderr).not.toContain("spikernel:")
    expect(exported.status).toBe(0)
    const output = Schema.decodeUnknownSync(ExportOutput)(JSON.parse(exported.stdout))
    expect(output.model).toMatch(new RegExp(`^${file} \\(run .+, step train-tiny, model 0\\)$`))
    expect(output.layout).toBe("torch")
    expect(output.arch).toBe(arch)
    expect(output.network.widths).toEqual([2, 4])
    expect(output.timesteps).toBe(3)
    expect(output.delays).toBe(2)
    expect(fs.existsSync(out)).toBe(true)

    const noStep = spikernel(
      "export",
      "--format",
      "nir",
      file,
      "--store",
      store,
      "--out",
      path.join(dir, "a.nir"),
      "--step",
      "train-x"
    )
    expect(noStep.status).toBe(1)
    expect(failureLine(noStep.stderr)[0]).toMatch(
      new RegExp(`^spikernel: ${file}: run \\S+ has no train step "train-x" \\(it has: train-tiny\\)$`)
    )
    const noModel = spikernel(
      "export",
      "--format",
      "nir",
      file,
      "--store",
      store,
      "--out",
      path.join(dir, "b.nir"),
      "--model-id",
      "7"
    )
    expect(noModel.status).toBe(1)
    expect(failureLine(noModel.stderr)).toEqual([
      `spikernel: ${file}: step "train-tiny" has no model "7" (it has: 0)`
    ])
    expect(fs.existsSync(path.join(dir, "a.nir")) || fs.existsSync(path.join(dir, "b.nir"))).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)
})
