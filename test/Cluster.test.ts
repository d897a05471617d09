/**
 * Scale-out (issue 15) against a real PostgreSQL: a 60-candidate SAHD search of a tiny
 * configuration over 3 worker processes, one `kill -9`'d mid-run; every candidate is scored and the
 * results and journaled records are byte-identical (records compared without their wall times) to
 * the same pipeline run in process; so does a run whose strategy process is `kill -9`'d mid-run and
 * started again. Bad input: a wrong database URL is one line.
 *
 * Needs `SPIKERNEL_TEST_PG` (`postgres://USER@HOST:PORT/DB` of a server the test may create
 * databases on; `.ci/run` starts one). Without it the suite is skipped, and says so.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "@spikernel/cluster"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { journaledRecords, recordsWithoutSeconds, stepOutputs } from "./support/StoreContents.ts"
import { parseJson, repoRoot, spikernel, startSpikernel } from "./support/ToyProject.ts"

const server = process.env.SPIKERNEL_TEST_PG
if (server === undefined || server === "")
  console.warn(
    "test/Cluster.test.ts skipped: set SPIKERNEL_TEST_PG=postgres://USER@HOST:PORT/DB (.ci/run does)"
  )

const budget = 60

const pipelineSource = `
import { FashionMnistMini } from "@spikernel/datasets"
import { load, pipeline, search, select, use } from "@spikernel/pipeline"
import { sahd } from "@spikernel/scorers"
import { randomSearch } from "@spikernel/search"
import { topK } from "@spikernel/selectors"
import { SnasnetSpace } from "@spikernel/spaces"

const data = load({ loader: use(FashionMnistMini.fashionMnistMini, {}) })
const found = search({
  dataset: data,
  space: use(SnasnetSpace.snasnetBackwardPlugin, { kernels: [1, 3] }),
  strategy: use(randomSearch, {}),
  scorer: use(sahd, { batch: 16, repeats: 1, timesteps: 2, network: { widths: [4, 8] } }),
  budget: ${budget},
  concurrency: 3
})

export default pipeline({
  name: "cluster-sahd-tiny",
  seed: 7,
  steps: { data, found, best: select({ from: found, selector: use(topK, { k: 3 }) }) }
})
`

/** A fresh database on the test server, its URL. */
const freshDatabase = (name: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`DROP DATABASE IF EXISTS ${name}`)
      yield* sql.unsafe(`CREATE DATABASE ${name}`)
      const url = new URL(server!)
      url.pathname = `/${name}`
      return url.href
    }).pipe(Effect.provide(Database.layer(server!)))
  )

const start = (args: ReadonlyArray<string>) =>
  startSpikernel(args, [process.execPath, [join(repoRoot, "packages/cli/bin/spikernel.js"), ...args]])

describe.skipIf(server === undefined || server === "")("cluster on PostgreSQL", () => {
  it("a wrong database URL is one line", () => {
    const url = new URL(server!)
    url.port = "1"
    const result = spikernel(["worker", "--cluster", url.href])
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(/cannot use the cluster database postgres:\/\/.*:1\//)
    const bad = spikernel(["worker", "--cluster", "mysql://x@h/db"])
    expect(bad.stderr.trim()).toMatch(/scheme "mysql" is not postgres/)
  })

  it("60 candidates over 3 workers (one killed), and a run killed and resumed, match the in-process run", {
    timeout: 900_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikernel-cluster-"))
    const pipeline = join(dir, "cluster.pipeline.ts")
    writeFileSync(pipeline, pipelineSource)
    const url = await freshDatabase(`spikernel_test_${process.pid}`)

    const reference = parseJson(
      spikernel([
        "run",
        pipeline,
        "--store",
        join(dir, "local"),
        "--backend",
        "wasm",
        "--json",
        "--no-typecheck"
      ])
    )

    const workers = [0, 1, 2].map(() => start(["worker", "--cluster", url, "--backend", "wasm"]))
    const clusterStore = join(dir, "cluster")
    const run = start([
      "run",
      pipeline,
      "--store",
      clusterStore,
      "--backend",
      "wasm",
      "--json",
      "--no-typecheck",
      "--cluster",
      url
    ])
    // Kill one worker once a sixth of the candidates are journaled.
    while (journaledRecords(clusterStore) < budget / 6) await new Promise((r) => setTimeout(r, 100))
    workers[1].child.kill("SIGKILL")
    // `status --cluster` shows the connected workers, their slots and what each runs.
    const status = parseJson(spikernel(["status", "--store", clusterStore, "--cluster", url, "--json"]))
    const connected = status.workers as Array<{ name: string; slots: number; running: Array<unknown> }>
    expect(connected.length).toBeGreaterThanOrEqual(2)
    for (const worker of connected) expect(worker.slots).toBe(1)
    const result = parseJson(await run.done)

    // The strategy process killed mid-run and started again: it resumes from its store and the
    // replies the cluster stored meanwhile (the finished run above cleaned up its own messages, so
    // this one computes again, on the two survivors).
    const resumedStore = join(dir, "resumed")
    const runArgs = (store: string) => [
      "run",
      pipeline,
      "--store",
      store,
      "--backend",
      "wasm",
      "--json",
      "--no-typecheck",
      "--cluster",
      url
    ]
    const killed = start(runArgs(resumedStore))
    while (journaledRecords(resumedStore) < budget / 3) await new Promise((r) => setTimeout(r, 100))
    killed.child.kill("SIGKILL")
    expect((await killed.done).signal).toBe("SIGKILL")
    const resumed = parseJson(await start(runArgs(resumedStore)).done)

    for (const worker of workers) worker.child.kill("SIGTERM")
    const logs = await Promise.all(workers.map((w) => w.done))
    const steps = (reference.manifest as { steps: Array<{ name: string; key: string }> }).steps
    expect(JSON.stringify(resumed.results)).toBe(JSON.stringify(reference.results))
    const c = await stepOutputs(resumedStore, steps)

    expect(logs[1].signal).toBe("SIGKILL")
    expect(JSON.stringify(result.results)).toBe(JSON.stringify(reference.results))
    const a = await stepOutputs(join(dir, "local"), steps)
    const b = await stepOutputs(clusterStore, steps)
    expect(recordsWithoutSeconds(c.found)).toBe(recordsWithoutSeconds(a.found))
    expect(c.best).toBe(a.best)
    expect(JSON.parse(b.found).records).toHaveLength(budget)
    expect(recordsWithoutSeconds(b.found)).toBe(recordsWithoutSeconds(a.found))
    expect(b.best).toBe(a.best)
    // Every surviving worker scored some candidates (load-balanced, not all on one).
    for (const i of [0, 2]) expect(logs[i].stderr).toMatch(/candidate \d+ scored/)
  })
})
