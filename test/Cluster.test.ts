/**
 * Scale-out (issue 15) against a real PostgreSQL: a 60-candidate SAHD search of a tiny
 * configuration over 3 worker processes, one `kill -9`'d mid-run; every candidate is scored and the
 * results and journaled records are byte-identical (records compared without their wall times) to
 * the same pipeline run in process; so does a run whose strategy process is `kill -9`'d mid-run and
 * started again. A paper-shaped pipeline (two kernel sets, a training and an evaluation per set)
 * trains and evaluates on the workers with the in-process run's weights and records. Bad input: a
 * wrong database URL, a worker of another code version and a worker without the run's data set
 * are each one line, and nothing stored is lost.
 *
 * Needs `SPIKERNEL_TEST_PG` (`postgres://USER@HOST:PORT/DB` of a server the test may create
 * databases on; `.ci/run` starts one). Without it the suite is skipped, and says so.
 */
import { spawn } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "@spikernel/cluster"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import {
  journaledRecords,
  recordsWithoutSeconds,
  stepOutputs,
  withoutWallTimes
} from "./support/StoreContents.ts"
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

/** Runs the CLI in `cwd` with extra environment variables; resolves when it exits. */
const spikernelIn = (cwd: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  startSpikernel(args, undefined, { cwd, env })

/** Waits until `text` appears in what a process has printed on stderr so far. */
const waitFor = async (
  process: { readonly child: { readonly stderr: NodeJS.ReadableStream | null } },
  text: string
) => {
  let seen = ""
  await new Promise<void>((resolveSeen) => {
    process.child.stderr!.on("data", (chunk) => {
      seen += chunk
      if (seen.includes(text)) resolveSeen()
    })
  })
}

/** The number of rows of `query` in the cluster database at `url`. */
const countRows = (url: string, query: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.unsafe<{ readonly n: number }>(`SELECT count(*)::int AS n FROM (${query}) AS q`)
      return rows[0]!.n
    }).pipe(Effect.provide(Database.layer(url)))
  )

/** A pipeline shaped like the paper's at tiny scale: two kernel sets, a training and evaluation each. */
const trainingSource = `
import { Synthetic } from "@spikernel/datasets"
import { bptt, kernelSetSteps, load, pipeline, Scorers, stepsByPhase, use } from "@spikernel/snasnet"

const network = { preset: "fashion-mnist", widths: [2, 4] as [number, number] }
const data = load({ loader: use(Synthetic.synthetic, { seed: 3, trainSize: 64, testSize: 32 }) })
const trainer = bptt({
  network,
  training: { epochs: 2, batchSize: 16, timesteps: 2, optimizer: { kind: "adam", lr: 0.01 } }
})
const sets = [[1, 3], [1, 5]].map((kernels) =>
  kernelSetSteps({ dataset: data, kernels, scorer: use(Scorers.params, { network }), budget: 6, top: 2, trainer })
)
export default pipeline({ name: "cluster-train-tiny", seed: 5, steps: { data, ...stepsByPhase(sets) } })
`

/** A search of a few candidates per kernel set, on the Fashion-MNIST files under \`data\` (relative). */
const searchSource = (sets: ReadonlyArray<string>) => `
import { Datasets, load, pipeline, Scorers, search, space, Search, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.Mnist.fashionMnist, { path: "data" }) })
const searches = {
${sets
  .map(
    (set) =>
      `  "search-${set}": search({ dataset: data, space: space("backward", [${set.slice(1).split("").join(", ")}]), strategy: use(Search.randomSearch, {}), scorer: use(Scorers.params, {}), budget: 4 }),`
  )
  .join("\n")}
}
export default pipeline({ name: "cluster-bad-input", seed: 3, steps: { data, ...searches } })
`

/** A project folder with its own copy of the Fashion-MNIST fixture under \`data\`, and pipeline files. */
const searchProject = (dir: string) => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
  cpSync(join(repoRoot, "fixtures/fashion-mnist-mini"), join(dir, "data"), { recursive: true })
  writeFileSync(join(dir, "one.ts"), searchSource(["k13"]))
  writeFileSync(join(dir, "two.ts"), searchSource(["k13", "k15"]))
  return dir
}

const runArgsIn = (pipeline: string, store: string, url?: string) => [
  "run",
  pipeline,
  "--store",
  store,
  "--backend",
  "wasm",
  "--json",
  "--no-typecheck",
  ...(url === undefined ? [] : ["--cluster", url])
]

type Manifest = { steps: Array<{ name: string; key: string; kind: string; status: string }> }

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
  it("a worker that starts while no run is connected removes the unfinished jobs of runs that are gone", {
    timeout: 300_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikernel-cluster-abandoned-"))
    const pipeline = join(dir, "cluster.pipeline.ts")
    writeFileSync(pipeline, pipelineSource)
    const url = await freshDatabase(`spikernel_abandoned_${process.pid}`)
    const unfinished = () =>
      countRows(url, "SELECT 1 FROM cluster_messages WHERE entity_type = 'SpikernelScore' AND NOT processed")
    const store = join(dir, "store")
    const worker = start(["worker", "--cluster", url, "--backend", "wasm", "--slots", "2"])
    const run = start(runArgsIn(pipeline, store, url))
    while (journaledRecords(store) < 3) await new Promise((r) => setTimeout(r, 50))
    // While the run is connected, a worker that starts keeps its jobs.
    const joining = start(["worker", "--cluster", url, "--backend", "wasm"])
    await waitFor(joining, "ready")
    // Everything killed at once: the jobs in flight stay in the database, unfinished.
    for (const process of [run, worker, joining]) process.child.kill("SIGKILL")
    await Promise.all([run.done, worker.done, joining.done])
    expect(await unfinished()).toBeGreaterThan(0)
    expect((await joining.done).stderr).not.toMatch(/removed \d+ unfinished job/)

    // The next worker to start (the run silent for longer than its stale setting) removes them and
    // computes nothing.
    await new Promise((r) => setTimeout(r, 1500))
    const next = spikernelIn(repoRoot, ["worker", "--cluster", url, "--backend", "wasm"], {
      SPIKERNEL_CLUSTER_WORKER_STALE_MS: "1000"
    })
    await waitFor(next, "ready")
    await new Promise((r) => setTimeout(r, 2000))
    next.child.kill("SIGTERM")
    const log = (await next.done).stderr
    expect(log).toMatch(/removed \d+ unfinished jobs? of runs no longer connected/)
    expect(log).not.toMatch(/candidate \d+ scored/)
    expect(await unfinished()).toBe(0)

    // The run started again computes those candidates itself, with the in-process result.
    const workers = [start(["worker", "--cluster", url, "--backend", "wasm"])]
    const resumed = parseJson(await start(runArgsIn(pipeline, store, url)).done)
    for (const w of workers) w.child.kill("SIGTERM")
    await Promise.all(workers.map((w) => w.done))
    const reference = parseJson(spikernel(runArgsIn(pipeline, join(dir, "local"))))
    expect(JSON.stringify(resumed.results)).toBe(JSON.stringify(reference.results))
  })

  it("spikernel bench cluster measures overhead, scaling and redelivery with workers it starts and stops", {
    timeout: 300_000
  }, async () => {
    const url = await freshDatabase(`spikernel_bench_${process.pid}`)
    const args = ["bench", "cluster", "--cluster", url, "--candidates", "8", "--scaling-candidates", "2"]
    const bench = await spikernelIn(repoRoot, [...args, "--workers", "1,2", "--wait-ms", "300", "--json"], {
      SPIKERNEL_CLUSTER_LOCK_EXPIRATION_MS: "3000",
      SPIKERNEL_CLUSTER_LOCK_REFRESH_MS: "1000"
    }).done
    expect(bench.status, bench.stderr).toBe(0)
    const result = JSON.parse(bench.stdout) as {
      overhead: { candidates: number; medianMs: number; p90Ms: number; meanMs: number }
      scaling: {
        waitMs: number
        rows: Array<{ workers: number; seconds: number; candidatesPerSecond: number }>
      }
      redeliverySeconds: number
    }
    expect(result.overhead.candidates).toBeGreaterThan(0)
    expect(result.overhead.candidates).toBeLessThanOrEqual(8)
    expect(result.overhead.medianMs).toBeGreaterThan(0)
    expect(result.overhead.p90Ms).toBeGreaterThanOrEqual(result.overhead.medianMs)
    expect(result.scaling.rows.map((row) => row.workers)).toEqual([1, 2])
    // Two candidates that each wait 300 ms take at least that long, whatever the workers.
    for (const row of result.scaling.rows) expect(row.seconds).toBeGreaterThanOrEqual(0.3)
    // A killed worker's candidate moves once its 3 s locks expire: after a while, within a minute.
    expect(result.redeliverySeconds).toBeGreaterThan(0)
    expect(result.redeliverySeconds).toBeLessThan(60)
    // The workers it started are gone: the survivors left cleanly, the killed one beats no more.
    await new Promise((r) => setTimeout(r, 1500))
    expect(
      await countRows(url, "SELECT 1 FROM spikernel_workers WHERE seen_at > now() - interval '1 second'")
    ).toBe(0)
    // Without a database it says what it needs, in one line.
    const missing = spikernel(["bench", "cluster"])
    expect(missing.status).toBe(1)
    expect(missing.stderr.trim()).toMatch(
      /^spikernel: bench cluster: needs a cluster database: --cluster postgres:/
    )
  })

  it("a paper-shaped pipeline trains and evaluates on the workers, with the in-process weights and records", {
    timeout: 600_000
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikernel-cluster-train-"))
    const pipeline = join(dir, "train.pipeline.ts")
    writeFileSync(pipeline, trainingSource)
    const url = await freshDatabase(`spikernel_train_${process.pid}`)
    // The reference: in process with one compute thread, as a worker's slot computes. (Trained weights
    // depend on the number of compute threads — oneDNN sums weight gradients per thread — not on
    // which worker ran them; see the README.)
    const reference = parseJson(
      await spikernelIn(repoRoot, runArgsIn(pipeline, join(dir, "local")), { SPIKERNEL_THREADS: "1" }).done
    )
    const workers = [0, 1].map(() => start(["worker", "--cluster", url, "--backend", "wasm"]))
    const clusterStore = join(dir, "cluster")
    const ran = await start(runArgsIn(pipeline, clusterStore, url)).done
    const result = parseJson(ran)
    // Steps whose inputs are ready run at once on the cluster: both kernel sets' searches are in
    // flight before either ends (in process they run one after the other).
    const events = ran.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { type: string; step?: string; status?: string })
    const at = (type: string, step: string) => events.findIndex((e) => e.type === type && e.step === step)
    const searchesEnd = Math.min(at("step", "search-k13"), at("step", "search-k15"))
    expect(at("start", "search-k13")).toBeLessThan(searchesEnd)
    expect(at("start", "search-k15")).toBeLessThan(searchesEnd)
    // Every training and evaluation ran on a worker, none in this process.
    for (const set of ["k13", "k15"]) {
      expect(ran.stderr).toMatch(new RegExp(`step train-${set}: trained on worker \\S+`))
      expect(ran.stderr).toMatch(new RegExp(`step eval-${set}: evaluated on worker \\S+`))
    }
    // A finished step's messages are gone from the cluster database.
    expect(await countRows(url, "SELECT 1 FROM cluster_messages WHERE entity_type = 'SpikernelStep'")).toBe(0)
    // Run again: everything is in the store, nothing is sent.
    const again = parseJson(await start(runArgsIn(pipeline, clusterStore, url)).done)
    for (const worker of workers) worker.child.kill("SIGTERM")
    const logs = await Promise.all(workers.map((w) => w.done))
    expect(logs.map((l) => l.stderr).join("")).toMatch(/step train-k13 trained in/)

    expect(withoutWallTimes(result.results)).toBe(withoutWallTimes(reference.results))
    const steps = (reference.manifest as Manifest).steps
    expect((again.manifest as Manifest).steps.every((step) => step.status === "cached")).toBe(true)
    const a = await stepOutputs(join(dir, "local"), steps)
    const b = await stepOutputs(clusterStore, steps)
    for (const step of steps) {
      expect(b[step.name], step.name).toBeDefined()
      expect(withoutWallTimes(b[step.name]), step.name).toBe(withoutWallTimes(a[step.name]))
    }
    // The weights, byte for byte (safetensors, in the stored value).
    for (const set of ["k13", "k15"]) {
      const weights = (text: string) =>
        (JSON.parse(text) as { models: Array<{ id: string; weights: string }> }).models.map((m) => m.weights)
      expect(weights(b[`train-${set}`])).toEqual(weights(a[`train-${set}`]))
      expect(weights(a[`train-${set}`])).toHaveLength(2)
    }
  })

  it("a worker of another code version is refused in one line, and nothing stored is lost", {
    timeout: 300_000
  }, async () => {
    const dir = searchProject(mkdtempSync(join(tmpdir(), "spikernel-cluster-version-")))
    const store = join(dir, "store")
    const url = await freshDatabase(`spikernel_version_${process.pid}`)
    // The store holds the first kernel set's search (computed in process).
    const first = parseJson(await spikernelIn(dir, runArgsIn("one.ts", store)).done)
    const other = spawn(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "test/support/OtherVersionWorker.ts"), url],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] }
    )
    const otherDone = new Promise<number | null>((r) => other.on("close", (code) => r(code)))
    await waitFor({ child: other }, "ready")
    const refused = await spikernelIn(dir, runArgsIn("two.ts", store, url)).done
    other.kill("SIGTERM")
    await otherDone
    expect(refused.status).toBe(1)
    const lines = refused.stderr
      .trim()
      .split("\n")
      .filter((line) => line.startsWith("spikernel:"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /step "search-k15".*no worker can run this step: worker \S+ runs another code version \(it has params@2, the run needs params@1\)/
    )
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    // Nothing stored is lost: run in process, the first search is served from the store.
    const after = parseJson(await spikernelIn(dir, runArgsIn("two.ts", store)).done)
    const statusOf = (name: string) => (after.manifest as Manifest).steps.find((s) => s.name === name)?.status
    expect(statusOf("search-k13")).toBe("cached")
    expect(statusOf("search-k15")).toBe("computed")
    expect((after.results as Record<string, unknown>)["search-k13"]).toEqual(
      (first.results as Record<string, unknown>)["search-k13"]
    )
  })

  it("a worker without the run's data set is refused in one line, and nothing stored is lost", {
    timeout: 300_000
  }, async () => {
    const dir = searchProject(mkdtempSync(join(tmpdir(), "spikernel-cluster-data-")))
    const store = join(dir, "store")
    const url = await freshDatabase(`spikernel_data_${process.pid}`)
    const first = parseJson(await spikernelIn(dir, runArgsIn("one.ts", store)).done)
    // The worker runs in a folder without \`data\`: the run's relative data path is not there.
    const elsewhere = mkdtempSync(join(tmpdir(), "spikernel-cluster-nodata-"))
    const worker = spikernelIn(elsewhere, ["worker", "--cluster", url, "--backend", "wasm"])
    await waitFor(worker, "ready")
    const refused = await spikernelIn(dir, runArgsIn("two.ts", store, url)).done
    worker.child.kill("SIGTERM")
    await worker.done
    expect(refused.status).toBe(1)
    const lines = refused.stderr
      .trim()
      .split("\n")
      .filter((line) => line.startsWith("spikernel:"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/step "search-k15".*worker \S+: .*fashion-mnist/)
    expect(lines[0]).toMatch(/data/)
    const after = parseJson(await spikernelIn(dir, runArgsIn("two.ts", store)).done)
    const statusOf = (name: string) => (after.manifest as Manifest).steps.find((s) => s.name === name)?.status
    expect(statusOf("search-k13")).toBe("cached")
    expect((after.results as Record<string, unknown>)["search-k13"]).toEqual(
      (first.results as Record<string, unknown>)["search-k13"]
    )
  })
})
