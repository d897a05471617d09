/**
 * Trusting the cache (issue 16): what the store serves is what the pipeline would compute now.
 *
 * One small pipeline of the paper's shape — Fashion-MNIST read from a directory (a copy of the
 * bundled `fashion-mnist-mini`), a params-scored search of 40 candidates, the best one trained for
 * one epoch and evaluated, an HTML report — and, case by case, what used to be served silently:
 *
 * 1. a data set changed on disk (one pixel of one image, then a truncated `.gz`);
 * 2. a damaged output of a step whose downstream is cached (truncated, bit-flipped, deleted blob);
 * 3. a report folder deleted or edited outside the store;
 * 4. a run's manifest records reordered in the journal;
 * 5. pipeline mistakes: wiring, syntax, a throw, a type error;
 * 6. OS errors: read-only, full, forbidden, a file where the store should be;
 * 7. temporary files of a run killed while training;
 * 8. SIGTERM's exit status, a store that does not exist, an invalid flag value.
 */
import { spawn, spawnSync } from "node:child_process"
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gunzipSync, gzipSync } from "node:zlib"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { type CliResult, parseJson, repoRoot, spikernel } from "./support/ToyProject.ts"

const scratch = mkdtempSync(join(tmpdir(), "spikernel-trust-"))
const mounts: Array<string> = []
afterAll(() => {
  for (const mount of mounts) spawnSync("umount", [mount])
  rmSync(scratch, { recursive: true, force: true })
})

/** A folder with its own copy of the data, the pipeline file and a store. */
const project = (name: string, options: { readonly epochs?: number } = {}) => {
  const dir = join(scratch, name)
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
  const data = join(dir, "data")
  cpSync(join(repoRoot, "fixtures/fashion-mnist-mini"), data, { recursive: true })
  const file = join(dir, "trust.ts")
  writeFileSync(
    file,
    `import { bptt, Datasets, htmlReport, kernelSetSteps, load, pipeline, reportInputs, Scorers, stepsByPhase, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.Mnist.fashionMnist, { path: ${JSON.stringify(data)} }) })
const trainer = bptt({
  network: { widths: [4, 8] },
  training: { epochs: ${options.epochs ?? 1}, batchSize: 100, timesteps: 2, optimizer: { kind: "adam", lr: 0.004 }, checkpointEveryBatches: 2 }
})
const sets = { k13: kernelSetSteps({ dataset: data, kernels: [1, 3], scorer: use(Scorers.params, {}), budget: 40, trainer }) }
export default pipeline({
  name: "trust",
  seed: 2,
  steps: {
    data,
    ...stepsByPhase([sets.k13]),
    report: htmlReport({ out: ${JSON.stringify(join(dir, "report"))}, name: "trust", seed: 2, from: { data, ...reportInputs(sets) } })
  }
})
`
  )
  return { dir, data, file, store: join(dir, "store"), report: join(dir, "report") }
}

type Project = ReturnType<typeof project>

interface Manifest {
  readonly steps: ReadonlyArray<{ readonly name: string; readonly key: string; readonly status: string }>
}

const run = (p: Project, ...extra: Array<string>) =>
  spikernel(["run", p.file, "--store", p.store, "--no-typecheck", "--json", ...extra])

const statuses = (result: CliResult) =>
  Object.fromEntries((parseJson(result).manifest as Manifest).steps.map((step) => [step.name, step.status]))

const lastLine = (result: CliResult) => result.stderr.trim().split("\n").at(-1)

/** The report's results without what a re-run legitimately changes: seconds and what the cache paid. */
const outcome = (p: Project) => {
  const results = JSON.parse(readFileSync(join(p.report, "results.json"), "utf8"))
  return JSON.stringify(results, (key, value) =>
    /seconds$|Seconds$|^cached$|^paid$|speedup/i.test(key) ? undefined : value
  )
}

/** The journal as lines of `[checksum, record]`. */
const journal = (store: string) =>
  readFileSync(join(store, "journal"), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => ({ line, record: JSON.parse(line.slice(65)) as Record<string, unknown> }))

const blobOf = (p: Project, step: string, key: string) => {
  const record = journal(p.store)
    .map(({ record }) => record)
    .filter((r) => r.key === `step/${key}`)
    .at(-1)!
  expect(record.op).toBe("blob")
  const hash = record.blob as string
  return join(p.store, "blobs", hash.slice(0, 2), hash)
}

const allComputed = {
  data: "computed",
  "search-k13": "computed",
  "best-k13": "computed",
  "train-k13": "computed",
  "eval-k13": "computed",
  report: "computed"
}

describe("trusting the cache", () => {
  it("1. a data set changed on disk makes exactly its dependent steps stale, and plan says why", () => {
    const p = project("data-change")
    expect(statuses(run(p))).toEqual(allComputed)
    const before = outcome(p)

    // Touched, not changed: sizes and times differ, the hash does not; nothing is computed.
    const later = new Date(Date.now() + 60_000)
    for (const name of readdirSync(p.data)) utimesSync(join(p.data, name), later, later)
    expect(Object.values(statuses(run(p)))).toEqual(Array(6).fill("cached"))

    // One pixel of one training image.
    const images = join(p.data, "train-images-idx3-ubyte.gz")
    const pixels = gunzipSync(readFileSync(images))
    pixels[16 + 28 * 14 + 14] ^= 0xff
    writeFileSync(images, gzipSync(pixels))
    const plan = spikernel(["plan", p.file, "--store", p.store, "--no-typecheck"])
    expect(plan.status).toBe(0)
    expect(plan.stdout.split("\n").slice(0, 2)).toEqual([
      "data             load     stale: data changed: train-images-idx3-ubyte.gz",
      "search-k13       search   stale (40 candidates to score): data changed: train-images-idx3-ubyte.gz"
    ])
    const changed = run(p)
    expect(changed.stderr).toContain(
      'step "data": data changed: train-images-idx3-ubyte.gz; the steps that use it are computed again'
    )
    expect(statuses(changed)).toEqual(allComputed)
    // The new fingerprint reached the report.
    expect(outcome(p)).not.toBe(before)

    // A truncated file is an error naming it, not a cached answer.
    truncateSync(join(p.data, "t10k-images-idx3-ubyte.gz"), 1000)
    const truncated = run(p)
    expect(truncated.status).toBe(1)
    expect(lastLine(truncated)).toMatch(
      /^spikernel: step "data": fashion-mnist: .*t10k-images-idx3-ubyte\.gz \(offset 1000\): truncated gzip stream/
    )
  }, 300_000)

  it("2. a damaged upstream output is recomputed with everything made from it; report refuses it", () => {
    const p = project("damage")
    const first = run(p)
    expect(statuses(first)).toEqual(allComputed)
    const intact = outcome(p)
    const searchKey = (parseJson(first).manifest as Manifest).steps.find((s) => s.name === "search-k13")!.key
    const damages: Record<string, (blob: string) => void> = {
      truncated: (blob) => truncateSync(blob, 100),
      "bit-flipped": (blob) => {
        const bytes = readFileSync(blob)
        bytes[Math.floor(bytes.length / 2)] ^= 0x01
        writeFileSync(blob, bytes)
      },
      deleted: (blob) => rmSync(blob)
    }
    for (const [damage, apply] of Object.entries(damages)) {
      apply(blobOf(p, "search-k13", searchKey))
      const report = spikernel(["report", p.file, "--store", p.store, "--out", join(p.dir, `r-${damage}`)])
      expect(report.status, damage).toBe(1)
      expect(lastLine(report), damage).toMatch(
        /^spikernel: report: step "search-k13" of run \S+: its stored output is damaged or missing; run `spikernel run .*trust\.ts` to recompute it, then report again$/
      )
      const repaired = run(p)
      expect(repaired.stderr, damage).toContain(
        'step "search-k13": its stored output is damaged or missing; computing it again, and the steps made from it'
      )
      expect(statuses(repaired), damage).toEqual({ ...allComputed, data: "cached" })
      expect(outcome(p), damage).toBe(intact)
    }
    expect(Object.values(statuses(run(p)))).toEqual(Array(6).fill("cached"))
  }, 300_000)

  it("3. a report deleted or edited outside the store is written again", () => {
    const p = project("report")
    expect(statuses(run(p))).toEqual(allComputed)
    rmSync(p.report, { recursive: true })
    const plan = spikernel(["plan", p.file, "--store", p.store, "--no-typecheck"])
    expect(plan.stdout).toMatch(/^report +report +stale: .*report\/.* is missing$/m)
    expect(statuses(run(p))).toEqual({
      ...Object.fromEntries(Object.keys(allComputed).map((k) => [k, "cached"])),
      report: "computed"
    })
    expect(existsSync(join(p.report, "index.html"))).toBe(true)

    writeFileSync(join(p.report, "summary.md"), "edited by hand\n")
    expect(statuses(run(p)).report).toBe("computed")
    expect(readFileSync(join(p.report, "summary.md"), "utf8")).not.toBe("edited by hand\n")
    expect(statuses(run(p)).report).toBe("cached")
  }, 300_000)

  it("4. a run's manifest records out of order are detected: status says damaged, report refuses", () => {
    const p = project("journal")
    const runId = parseJson(run(p)).runId as string
    const lines = journal(p.store)
    const manifests = lines.flatMap(({ record }, i) => (record.key === `run/${runId}` ? [i] : []))
    expect(manifests.length).toBeGreaterThan(2)
    // The last manifest record replaced by an earlier one of the same run: valid, checksummed, stale.
    const text = lines.map(({ line }) => line)
    text[manifests.at(-1)!] = text[manifests[1]]
    writeFileSync(join(p.store, "journal"), `${text.join("\n")}\n`)

    const status = spikernel(["status", "--store", p.store, "--json"])
    const runs = (parseJson(status) as { runs: ReadonlyArray<{ runId: string; state: string }> }).runs
    expect(runs.find((r) => r.runId === runId)?.state).toBe("damaged")
    const report = spikernel(["report", p.file, "--store", p.store, "--out", join(p.dir, "r")])
    expect(report.status).toBe(1)
    expect(lastLine(report)).toMatch(
      new RegExp(
        `^spikernel: report: run ${runId} of .*trust\\.ts is damaged: journal line ${manifests.at(-1)! + 1} of its manifest was out of order`
      )
    )
    expect(existsSync(join(p.dir, "r"))).toBe(false)
  }, 300_000)

  describe("5. pipeline mistakes are caught before anything computes, with file:line:column", () => {
    const dir = join(scratch, "mistakes")
    mkdirSync(dir)
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
    const head = `import { bptt, Datasets, load, pipeline, Scorers, search, select, Selectors, space, Search, train, use } from "@spikernel/snasnet"

const data = load({ loader: use(Datasets.FashionMnistMini.fashionMnistMini, {}) })
const found = search({ dataset: data, space: space("backward", [1, 3]), strategy: use(Search.randomSearch, {}), scorer: use(Scorers.params, {}), budget: 4 })
`
    const write = (name: string, source: string) => {
      const file = join(dir, name)
      writeFileSync(file, source)
      return file
    }
    const fails = (file: string, ...flags: Array<string>) => {
      const store = join(dir, `store-${file.slice(dir.length + 1)}`)
      const result = spikernel(["run", file, "--store", store, ...flags])
      expect(result.status).toBe(1)
      expect(existsSync(store)).toBe(false)
      return lastLine(result)
    }

    it("a search where a selection belongs, and a data set where a search belongs", () => {
      const train = write(
        "train-from-search.ts",
        `${head}const models = train({ from: found as never, dataset: data, trainer: bptt({ network: { widths: [4, 8] }, training: { epochs: 1 } }) })
export default pipeline({ name: "wire", seed: 1, steps: { data, found, models } })
`
      )
      expect(fails(train)).toBe(
        `spikernel: ${train}: step "models": its "from" input is the search step "found"; a train step's "from" takes a select or tradeoff step`
      )
      const select = write(
        "select-from-data.ts",
        `${head}const top = select({ from: data as never, selector: use(Selectors.topK, { k: 1 }) })
export default pipeline({ name: "wire", seed: 1, steps: { data, found, top } })
`
      )
      expect(fails(select)).toBe(
        `spikernel: ${select}: step "top": its "from" input is the load step "data"; a select step's "from" takes a search or evaluate step`
      )
    }, 120_000)

    it("a syntax error: the compiler's line with file:line:col, with and without the type check", () => {
      const file = write("syn.ts", "const x = ;\nexport default x\n")
      expect(fails(file, "--no-typecheck")).toBe(
        `spikernel: ${file}: cannot be imported: ${file}:1:10: ERROR: Unexpected ";"`
      )
      expect(fails(file)).toBe(
        `spikernel: ${file}: does not type-check: ${file}:1:11: error TS1109: Expression expected; \`spikernel check ${file}\` lists them all, --no-typecheck skips the check`
      )
    }, 120_000)

    it("a throw while the file is imported names the line", () => {
      const file = write(
        "boom.ts",
        `import { pipeline } from "@spikernel/snasnet"

const steps = {}
if (Object.keys(steps).length === 0) throw new Error("no steps configured")
export default pipeline({ name: "boom", seed: 1, steps })
`
      )
      expect(fails(file, "--no-typecheck")).toBe(
        `spikernel: ${file}: cannot be imported: ${file}:4:44: no steps configured`
      )
    }, 120_000)

    it("a file tsc rejects is rejected by run and plan; check reports the time", () => {
      const file = write(
        "types.ts",
        `${head.replace("budget: 4", 'budget: "four"')}export default pipeline({ name: "types", seed: 1, steps: { data, found } })
`
      )
      const diagnostic = `${file}:4:146: error TS2322: Type 'string' is not assignable to type 'number'`
      expect(fails(file)).toBe(
        `spikernel: ${file}: does not type-check: ${diagnostic}; \`spikernel check ${file}\` lists them all, --no-typecheck skips the check`
      )
      const plan = spikernel(["plan", file, "--store", join(dir, "store-plan")])
      expect(plan.status).toBe(1)
      expect(lastLine(plan)).toContain("does not type-check")
      const check = spikernel(["check", file])
      expect(check.status).toBe(1)
      expect(check.stderr.trim().split("\n")[0]).toBe(`${diagnostic}.`)
      expect(lastLine(check)).toMatch(
        new RegExp(`^spikernel: ${file}: does not type-check: 1 error \\(tsc, \\d+\\.\\d s\\)$`)
      )
      const good = write(
        "good.ts",
        `${head}export default pipeline({ name: "good", seed: 1, steps: { data, found } })\n`
      )
      const ok = spikernel(["check", good])
      expect(ok.status).toBe(0)
      expect(ok.stdout.trim()).toMatch(
        new RegExp(`^${good}: type-checks \\(tsc, \\d+\\.\\d s\\) and prepares: 2 steps$`)
      )
    }, 120_000)
  })

  describe("6. OS errors are named in words", () => {
    const tmpfs = (name: string, options: string) => {
      const mount = join(scratch, name)
      mkdirSync(mount)
      const result = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", mount])
      if (result.status !== 0) return undefined
      mounts.push(mount)
      return mount
    }
    const root = process.getuid?.() === 0
    const p = project("os")

    it.skipIf(!root)(
      "a read-only file system",
      () => {
        const mount = tmpfs("ro", "ro,size=64k")
        expect(mount, "mount a tmpfs (root in CI)").toBeDefined()
        const result = spikernel(["run", p.file, "--store", join(mount!, "store"), "--no-typecheck"])
        expect(result.status).toBe(1)
        expect(lastLine(result)).toBe(
          `spikernel: store ${mount}/store: create the store: read-only file system: ${mount}`
        )
      },
      120_000
    )

    it.skipIf(!root)(
      "a full disk: at the lock (no empty lock left), and in the middle of a run",
      () => {
        const full = tmpfs("full", "size=64k")
        expect(full, "mount a tmpfs (root in CI)").toBeDefined()
        mkdirSync(join(full!, "store"))
        spawnSync("dd", ["if=/dev/zero", `of=${join(full!, "fill")}`, "bs=4k"])
        const atLock = spikernel(["run", p.file, "--store", join(full!, "store"), "--no-typecheck"])
        expect(atLock.status).toBe(1)
        expect(lastLine(atLock)).toBe(
          `spikernel: store ${full}/store: create the lock ${full}/store/lock: no space left on device`
        )
        expect(existsSync(join(full!, "store", "lock"))).toBe(false)

        const small = tmpfs("small", "size=64k")!
        const midway = spikernel(["run", p.file, "--store", join(small, "store"), "--no-typecheck"])
        expect(midway.status).toBe(1)
        expect(lastLine(midway)).toMatch(
          new RegExp(
            `^spikernel: store ${small}/store: put step/[0-9a-f]{12}… \\([\\d,]+ bytes\\): no space left on device$`
          )
        )
        // Nothing half-written is left in the store's temporary area, and the lock is released.
        expect(readdirSync(join(small, "store", "tmp"))).toEqual([])
        expect(existsSync(join(small, "store", "lock"))).toBe(false)
      },
      120_000
    )

    it.skipIf(!root)(
      "permission denied, with the path and the user",
      () => {
        const forbidden = join(scratch, "forbidden")
        mkdirSync(forbidden)
        chmodSync(forbidden, 0o555)
        chmodSync(scratch, 0o755)
        const result = spawnSync(
          "runuser",
          [
            "-u",
            "nobody",
            "--",
            process.execPath,
            join(repoRoot, "packages/cli/bin/spikernel.js"),
            "run",
            p.file,
            "--store",
            join(forbidden, "store"),
            "--no-typecheck"
          ],
          { cwd: repoRoot, encoding: "utf8" }
        )
        expect(result.status).toBe(1)
        expect(result.stderr.trim().split("\n").at(-1)).toBe(
          `spikernel: store ${forbidden}/store: create the store: permission denied (as user nobody): ${forbidden}/store/blobs`
        )
      },
      120_000
    )

    it("a file where the store should be", () => {
      const result = spikernel(["run", p.file, "--store", p.file, "--no-typecheck"])
      expect(result.status).toBe(1)
      expect(lastLine(result)).toBe(
        `spikernel: store ${p.file}: create the store: not a directory (a part of the path is a file): ${p.file}/blobs`
      )
      const status = spikernel(["status", "--store", p.file])
      expect(status.status).toBe(1)
      expect(lastLine(status)).toMatch(new RegExp(`^spikernel: store ${p.file}: .*not a directory`))
    }, 120_000)
  })

  /** Starts a run with its own temporary directory; resolves once training has begun. */
  const startTraining = (p: Project, tmp: string) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/spikernel.js"), "run", p.file, "--store", p.store, "--no-typecheck"],
      { cwd: repoRoot, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const training = new Promise<void>((resolve) => {
      const seen = (chunk: Buffer) => {
        output += chunk
        if (/train-k13 +\d+\/\d+/.test(output)) resolve()
      }
      child.stdout.on("data", seen)
      child.stderr.on("data", seen)
    })
    const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (status, signal) => resolve({ status, signal }))
    )
    return { child, training, exited }
  }

  it("7. a run killed while training leaves no temporary files, and the next run resumes", async () => {
    const p = project("temp", { epochs: 3 })
    const tmp = join(p.dir, "tmp")
    mkdirSync(tmp)
    const { child, training, exited } = startTraining(p, tmp)
    await training
    await new Promise((resolve) => setTimeout(resolve, 1500))
    child.kill("SIGKILL")
    expect((await exited).signal).toBe("SIGKILL")
    // (tsx, the CLI's pipeline compiler and Node ≥ 22's module compile cache keep their
    // content-addressed caches there: not the run's.)
    const caches = new Set(["spikernel-pipelines", "node-compile-cache"])
    expect(readdirSync(tmp).filter((name) => !name.startsWith("tsx-") && !caches.has(name))).toEqual([])
    const resumed = spikernel(["run", p.file, "--store", p.store, "--no-typecheck"])
    expect(resumed.status).toBe(0)
    expect(resumed.stderr).toMatch(/train backward\[1,3\]:.*: resuming from the store at epoch \d, batch \d+/)
    expect(readdirSync(join(p.store, "tmp"))).toEqual([])
  }, 300_000)

  it("8. SIGTERM exits 143; a missing store and a negative --limit are errors", async () => {
    const p = project("signals", { epochs: 3 })
    const { child, training, exited } = startTraining(p, tmpdir())
    await training
    child.kill("SIGTERM")
    expect(await exited).toEqual({ status: 143, signal: null })

    const missing = join(scratch, "no-such-store")
    const status = spikernel(["status", "--store", missing])
    expect(status.status).toBe(1)
    expect(lastLine(status)).toBe(`spikernel: store ${missing}: open: no such directory`)
    const limit = spikernel(["status", "--store", p.store, "--limit", "-1"])
    expect(limit.status).toBe(1)
    expect(lastLine(limit)).toBe("spikernel: --limit: -1 is not a count of runs (0 or more)")
  }, 300_000)
})
