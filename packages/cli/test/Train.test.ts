/**
 * `spikernel train` end to end: stop after a few batches, run again and it resumes from the
 * checkpoint; stdout is one JSON document; bad input exits 1 with one line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { TrainOutput } from "../src/commands/Train.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const spikernel = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["packages/cli/bin/spikernel.js", ...args], { cwd: root, encoding: "utf8" })

const defaults: Record<string, string> = {
  "--arch": "0302 0030 3003 0000",
  "--dataset": "synthetic",
  "--widths": "2,4",
  "--timesteps": "2",
  "--batch": "8",
  "--epochs": "2",
  "--backend": "wasm"
}

/** `train` with the small defaults, overridden or extended by `extra` (flag → value, "" for a switch). */
const small = (extra: Record<string, string> = {}): Array<string> => [
  "train",
  ...Object.entries({ ...defaults, ...extra }).flatMap(([flag, value]) =>
    value === "" ? [flag] : [flag, value]
  )
]

describe("spikernel train", () => {
  it("stops after N batches with a checkpoint, and the same command resumes from it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-cli-train-"))
    const run = () => {
      const result = spikernel(...small({ "--checkpoint": dir, "--stop-after-batches": "2", "--json": "" }))
      expect(result.status).toBe(0)
      return Schema.decodeUnknownSync(TrainOutput)(JSON.parse(result.stdout))
    }
    const first = run()
    expect(first.result.position).toEqual({ epoch: 0, batch: 2 })
    expect(first.result.completed).toBe(false)
    expect(first.result.resumedFrom).toBeNull()
    expect(first.network.widths).toEqual([2, 4])
    expect(first.weights).toBe(`${dir}/ckpt-e0000-b000002/weights.safetensors`)
    const second = run()
    expect(second.result.resumedFrom).toBe(`${dir}/ckpt-e0000-b000002`)
    expect(second.result.position).toEqual({ epoch: 0, batch: 4 })
    expect(second.result.plan.microBatch).toBe(first.result.plan.microBatch)
    expect(fs.existsSync(`${dir}/ckpt-e0000-b000004/weights.safetensors`)).toBe(true)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 300_000)

  it("Ctrl-C (SIGINT) stops between batches with a checkpoint, and the next run resumes there", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-cli-sigint-"))
    const child = spawn(
      process.execPath,
      ["packages/cli/bin/spikernel.js", ...small({ "--checkpoint": dir })],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let stderr = ""
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    await new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString()
        if (/epoch 1 batch \d+\/\d+/.test(stderr)) resolve()
      })
    })
    child.kill("SIGINT")
    await exited
    const left = fs.readdirSync(dir).filter((n) => n.startsWith("ckpt-"))
    expect(left).toHaveLength(1)
    expect(left[0]).toMatch(/^ckpt-e0000-b\d{6}$/)
    const batch = Number(left[0].slice(-6))
    expect(batch).toBeGreaterThan(0)
    const again = spikernel(...small({ "--checkpoint": dir, "--stop-after-batches": "1", "--json": "" }))
    expect(again.status).toBe(0)
    const out = Schema.decodeUnknownSync(TrainOutput)(JSON.parse(again.stdout))
    expect(out.result.resumedFrom).toBe(`${dir}/${left[0]}`)
    expect(out.result.position).toEqual({ epoch: 0, batch: batch + 1 })
    fs.rmSync(dir, { recursive: true, force: true })
  }, 300_000)

  it("refuses bad input with one line and status 1", () => {
    const cases: Array<readonly [Record<string, string>, RegExp]> = [
      [{ "--widths": "4" }, /^spikernel: --widths: "4" is not two positive integers C1,C2$/],
      [
        { "--optimizer": "adam", "--official-bug": "" },
        /^spikernel: --official-bug: applies to --optimizer sgd only$/
      ],
      [{ "--arch": "0502 0030 3003 0000" }, /^spikernel: invalid architecture "0502 0030 3003 0000": /]
    ]
    for (const [extra, message] of cases) {
      const result = spikernel(...small(extra))
      expect(result.status).toBe(1)
      expect(result.stdout).toBe("")
      const lines = result.stderr.trim().split("\n")
      expect(lines[lines.length - 1]).toMatch(message)
    }
  }, 240_000)
})
