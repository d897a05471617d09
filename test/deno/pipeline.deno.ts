// Runs under Deno (`deno test`, the pipeline package's `test:deno`): the same pipeline file, run by
// `spikernel run` under Deno (`deno run -A`) and under Node, gives byte-identical result JSON.
//
// Two pipelines: the engine's toy pipeline (no tensors, 60 candidates, concurrency 4) on the `cpu`
// backend, and a real SAHD search on fashion-mnist-mini on the wasm backend (threads, SIMD), whose
// scores must agree to the last bit between the two runtimes.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { test } from "node:test"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { repoRoot, toyProject } from "../support/ToyProject.ts"

const run = (command: string, args: ReadonlyArray<string>) => {
  const result = spawnSync(command, [...args], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 })
  assert.equal(result.status, 0, `${command} exited ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout) as {
    results: unknown
    manifest: { runtime: { name: string }; backend: { backend: string } }
  }
}

/** `spikernel run PIPELINE --backend BACKEND --json` under Deno and under Node, each on its own store. */
const runBoth = (pipeline: string, dir: string, backend: "cpu" | "wasm") => {
  const args = (store: string) => [
    "run",
    pipeline,
    "--store",
    join(dir, store),
    "--backend",
    backend,
    "--json"
  ]
  const deno = run(process.execPath, [
    "run",
    "-A",
    "--config",
    join(repoRoot, "deno.json"),
    join(repoRoot, "packages/cli/src/main.ts"),
    ...args("deno")
  ])
  const node = run("node", [join(repoRoot, "packages/cli/bin/spikernel.js"), ...args("node")])
  assert.equal(deno.manifest.runtime.name, "deno")
  assert.equal(node.manifest.runtime.name, "node")
  assert.equal(deno.manifest.backend.backend, backend)
  assert.equal(node.manifest.backend.backend, backend)
  return { deno, node }
}

test("a pipeline gives the same result JSON under Deno and Node", () => {
  const project = toyProject({ budget: 60, sleepMs: 0, concurrency: 4, strategy: "toy-evolution" })
  const { deno, node } = runBoth(project.pipeline, project.dir, "cpu")
  assert.equal(JSON.stringify(deno.results), JSON.stringify(node.results))
})

test("a SAHD search on the wasm backend gives the same result JSON under Deno and Node", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikernel-deno-wasm-"))
  const { deno, node } = runBoth(join(repoRoot, "test/support/sahd-tiny.pipeline.ts"), dir, "wasm")
  assert.equal(JSON.stringify(deno.results), JSON.stringify(node.results))
  assert.match(JSON.stringify(deno.results), /"metric":-?\d/)
})
