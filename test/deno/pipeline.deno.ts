// Runs under Deno (`deno test`, the pipeline package's `test:deno`): the same pipeline file, run by
// `spikernel run` under Deno (`deno run -A`) and under Node, gives byte-identical result JSON.
//
// The backend is `cpu`: the toy pipeline computes no tensors, and the wasm backend does not start
// under Deno yet (a worker error inside tfjs-backend-wasm), which is the tensor package's to fix.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { test } from "node:test"
import { repoRoot, toyProject } from "../support/ToyProject.ts"

const run = (command: string, args: ReadonlyArray<string>) => {
  const result = spawnSync(command, [...args], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 })
  assert.equal(result.status, 0, `${command} exited ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout) as { results: unknown; manifest: { runtime: { name: string } } }
}

test("a pipeline gives the same result JSON under Deno and Node", () => {
  const project = toyProject({ budget: 60, sleepMs: 0, concurrency: 4, strategy: "toy-evolution" })
  const args = (store: string) => [
    "run",
    project.pipeline,
    "--store",
    join(project.dir, store),
    "--backend",
    "cpu",
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
  assert.equal(JSON.stringify(deno.results), JSON.stringify(node.results))
})
