/**
 * The run as a researcher reads it (issue 17), on a real terminal: `spikernel run` under `script`
 * (util-linux), which gives it a pty, played back through `@spikernel/testing`'s Screen.
 *
 * A small pipeline — a 30-candidate toy search, a second 5-candidate search, a selection, a
 * "training" executor that logs every epoch, a report — is SIGKILLed during the search, resumed on
 * a terminal and stopped with Ctrl-C, then resumed to the end:
 *
 * - log lines are printed above the live block, whole, never into it, without fiber ids;
 * - the resume says how many candidates it took from the store, and no rate counts them (every
 *   rate shown is one a search of 50 ms candidates can reach);
 * - Ctrl-C (exit 130) says what was kept and prints the command that resumes;
 * - off a terminal the output is plain lines; `status` collapses reruns that computed nothing and
 *   shows no candidate count for a search that never started.
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { playBack } from "@spikernel/testing"
import { describe, expect, it } from "vitest"
import { journaledRecords } from "./support/StoreContents.ts"
import { repoRoot, spikernel, startSpikernel, toyProject } from "./support/ToyProject.ts"

const sleepMs = 50
const budget = 30
const epochs = 4

const pipelineSource = (): string => {
  const index = JSON.stringify(join(repoRoot, "packages/pipeline/src/index.ts"))
  const toys = JSON.stringify(join(repoRoot, "packages/pipeline/test/ToyPlugins.ts"))
  return `import { Effect, Schema } from "effect"
import { type Executor, load, pipeline, report, search, select, train, use } from ${index}
import { ToyData, ToyScorer, ToySpace, ToyTopK, toyPlugins } from ${toys}

const Fitted = Schema.Struct({ epochs: Schema.Int })
const Epochs = Schema.Struct({ epochs: Schema.Int })

/** Logs every epoch, as a real training does. */
const loggingTrainer: Executor.StepExecutor<typeof Epochs.Type, typeof Epochs.Encoded, typeof Fitted.Type, typeof Fitted.Encoded> = {
  step: "train",
  id: "logging-train",
  version: 1,
  description: "Sleeps and logs each epoch",
  config: Epochs,
  output: Fitted,
  execute: (context) =>
    Effect.gen(function* () {
      for (let epoch = 1; epoch <= context.config.epochs; epoch++) {
        yield* Effect.sleep("150 millis")
        yield* Effect.logInfo(\`fit: epoch \${epoch}/\${context.config.epochs}\`)
        yield* context.progress({ done: epoch, total: context.config.epochs, unit: "epochs" })
      }
      return { epochs: context.config.epochs }
    })
}

const data = load({ loader: use(ToyData, { size: 8 }) })
const scorer = use(ToyScorer, { sleepMs: ${sleepMs}, offset: 0 })
const found = search({ dataset: data, space: use(ToySpace, { ops: 5 }), strategy: { id: "toy-random" }, scorer, budget: ${budget}, concurrency: 1 })
const again = search({ dataset: data, space: use(ToySpace, { ops: 4 }), strategy: { id: "toy-random" }, scorer, budget: 5, concurrency: 1 })
const top = select({ from: found, selector: use(ToyTopK, { k: 2 }) })
const fit = train({ from: top, dataset: data, trainer: { id: "logging-train", config: { epochs: ${epochs} } } })

export default pipeline({
  name: "live",
  seed: 3,
  plugins: toyPlugins,
  executors: [loggingTrainer],
  steps: { data, found, again, top, fit, summary: report({ from: { found, again, fit } }) }
})
`
}

const bin = join(repoRoot, "packages/cli/bin/spikernel.js")

/**
 * Runs the CLI on a pty (`script -q -c … /dev/null`); when `interruptAt` matches the output so far,
 * types Ctrl-C. Resolves with everything the terminal received.
 */
const onTerminal = (args: ReadonlyArray<string>, interruptAt?: RegExp): Promise<string> =>
  new Promise((resolve, reject) => {
    const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ")
    // Ctrl-C reaches the whole foreground group, the wrapping shell too: its trap (reset to the
    // default in the CLI, which handles SIGINT itself) keeps it alive to print the CLI's exit status.
    const child = spawn("script", ["-q", "-e", "-c", `trap : INT; ${command}; echo "exit=$?"`, "/dev/null"], {
      cwd: repoRoot,
      stdio: ["pipe", "pipe", "inherit"]
    })
    let output = ""
    let typed = false
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (interruptAt !== undefined && !typed && interruptAt.test(output)) {
        typed = true
        child.stdin.write("\x03")
      }
    })
    child.on("error", reject)
    child.on("close", () => resolve(output))
  })

const timeOfDay = /^\d\d:\d\d:\d\d /

/** No carriage return and no escape sequence: lines for a file or a pipe. */
const plain = (text: string) => !text.includes("\r") && !text.includes("\u001b")

/** Every rate the search's progress lines showed, in candidates per second. */
const searchRates = (output: string): ReadonlyArray<number> =>
  [...output.matchAll(/found {2}\d+\/\d+ candidates {2}\d+% {2}(\d+(?:\.\d+)?)\/s/g)].map((m) => Number(m[1]))

/** Checks that every log line on screen is a whole line of its own. */
const expectWholeLogLines = (screen: ReadonlyArray<string>) => {
  const logs = screen.filter((line) => /\d\d:\d\d:\d\d /.test(line))
  expect(logs.length).toBeGreaterThan(0)
  for (const line of logs) expect(line).toMatch(timeOfDay)
  for (const line of screen) expect(line).not.toMatch(/INFO|\(#\d+\)/)
}

describe("the run on a terminal", () => {
  it("prints logs above the live block, stops on Ctrl-C with a resume hint, and a resume says what it reused", {
    timeout: 300_000
  }, async () => {
    const project = toyProject()
    const file = join(project.dir, "live.ts")
    writeFileSync(file, pipelineSource())
    const store = join(project.dir, "store")
    const args = ["run", file, "--store", store, "--backend", "cpu", "--no-typecheck"]

    // Killed without a word while searching: no checkpoint yet (every 25), only journaled scores.
    const killed = startSpikernel(args)
    let exited = false
    void killed.done.then(() => {
      exited = true
    })
    while (!exited && journaledRecords(store) < 8) await new Promise((r) => setTimeout(r, 20))
    killed.child.kill("SIGKILL")
    await killed.done
    const journaled = journaledRecords(store)
    expect(journaled).toBeGreaterThanOrEqual(8)

    // On a terminal: the resume takes those candidates from the store; Ctrl-C stops it.
    const first = await onTerminal(args, /found {2}(1[5-9]|2\d)\/30/)
    const firstScreen = playBack(first)
    const reused = firstScreen.find((line) => line.startsWith("found: "))
    expect(reused).toMatch(/^found: \d+ of 30 candidates from the store$/)
    expect(Number(reused!.split(" ")[1])).toBeGreaterThanOrEqual(journaled)
    // Rates count from the first candidate paid for in this process: none is faster than a 50 ms
    // candidate allows (counting the candidates from the store, the first would be hundreds a second).
    expect(searchRates(first).length).toBeGreaterThan(0)
    for (const rate of searchRates(first)) expect(rate).toBeLessThanOrEqual((2 * 1000) / sleepMs)
    const stop = firstScreen.findIndex((line) => line.startsWith("interrupted: "))
    expect(firstScreen[stop]).toMatch(
      /^interrupted: kept (\d+) of 30 candidates of found; 1 of 6 steps done$/
    )
    const kept = Number(/kept (\d+)/.exec(firstScreen[stop])![1])
    expect(kept).toBeGreaterThanOrEqual(15)
    expect(firstScreen.slice(stop + 1)).toEqual([
      `resume with: spikernel run ${file} --store ${store} --backend cpu --no-typecheck`,
      "exit=130"
    ])
    expectWholeLogLines(firstScreen)

    // `status`: the second search never started: no `0/0 candidates`.
    const status = spikernel(["status", file, "--store", store])
    expect(status.status).toBe(0)
    expect(status.stdout).toMatch(/^ {2}again +search +pending$/m)
    expect(status.stdout).not.toMatch(/\b0\/\d+ candidates/)

    // Resumed to the end: the reuse line, every epoch's log line whole above the block.
    const second = await onTerminal(args)
    const screen = playBack(second)
    // The kept candidates, and the score of the one in flight at Ctrl-C (concurrency 1), if it was journaled.
    const resumedWith = screen.find((line) => line.startsWith("found: "))
    expect(resumedWith).toMatch(/^found: \d+ of 30 candidates from the store$/)
    const fromStore = Number(resumedWith!.split(" ")[1])
    expect(fromStore - kept).toBeGreaterThanOrEqual(0)
    expect(fromStore - kept).toBeLessThanOrEqual(1)
    for (const rate of searchRates(second)) expect(rate).toBeLessThanOrEqual((2 * 1000) / sleepMs)
    expectWholeLogLines(screen)
    const epochLines = screen.filter((line) => line.includes("fit: epoch"))
    expect(epochLines.map((line) => line.replace(timeOfDay, ""))).toEqual(
      Array.from({ length: epochs }, (_, i) => `fit: epoch ${i + 1}/${epochs}`)
    )
    // The block is gone at the end: the finished steps, then the summary.
    expect(screen.at(-1)).toBe("exit=0")
    expect(screen.filter((line) => /^\[\d\/6\] /.test(line))).toEqual([
      "[1/6] cached  data",
      expect.stringMatching(
        new RegExp(
          `^\\[2/6\\] found {2}search {2}computed {2}\\S+ {2}30 candidates, ${fromStore} from the store$`
        )
      ),
      expect.stringMatching(/^\[3\/6\] again {2}search {2}computed {2}\S+ {2}5 candidates$/),
      expect.stringMatching(/^\[4\/6\] top {2}select {2}computed/),
      expect.stringMatching(/^\[5\/6\] fit {2}train {2}computed {2}\S+ {2}4 epochs$/),
      expect.stringMatching(/^\[6\/6\] summary {2}report {2}computed/)
    ])
    expect(screen.at(-2)).toMatch(/^6 steps: 5 computed, 1 cached; run \S+ in \S+ \(wall time \d+\.\d s\)$/)

    // Off a terminal: plain lines; reruns that compute nothing are one line in `status`.
    for (let i = 0; i < 2; i++) {
      const rerun = spikernel(args)
      expect(rerun.status).toBe(0)
      expect(plain(rerun.stderr)).toBe(true)
      expect(rerun.stderr.trim()).toBe("[6/6] cached  data, found, again, top, fit, summary")
      expect(rerun.stdout.trim()).toMatch(/^6 steps: 6 cached; run \S+ in \S+ \(wall time \d+\.\d s\)$/)
    }
    const after = spikernel(["status", file, "--store", store]).stdout.split("\n")
    expect(after.filter((line) => line.includes("computed nothing"))).toEqual([
      expect.stringMatching(
        / finished .* computed nothing \(all 6 steps cached\); so did the 1 rerun before it, back to \S+$/
      )
    ])
  })

  it("prints plain lines when stderr is not a terminal", { timeout: 120_000 }, () => {
    const project = toyProject()
    const file = join(project.dir, "live.ts")
    writeFileSync(file, pipelineSource())
    const run = spikernel([
      "run",
      file,
      "--store",
      join(project.dir, "store"),
      "--backend",
      "cpu",
      "--no-typecheck"
    ])
    expect(run.status).toBe(0)
    expect(plain(run.stderr)).toBe(true)
    const lines = run.stderr.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^\[1\/6\] data {2}load {2}computed {2}\d+\.\ds$/)
    expect(lines).toContainEqual(expect.stringMatching(/^found {2}1\/30 candidates {2}3% {2}/))
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[2\/6\] found {2}search {2}computed {2}\S+ {2}30 candidates$/)
    )
    expect(lines.filter((line) => line.includes("fit: epoch"))).toEqual(
      Array.from({ length: epochs }, (_, i) =>
        expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d fit: epoch ${i + 1}/${epochs}$`))
      )
    )
    expect(lines).toContainEqual(expect.stringMatching(/^fit {2}4\/4 epochs {2}100% {2}\S+\/s {2}ETA 0\.0s$/))
    expect(run.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^6 steps: 6 computed; run \S+ in \S+ \(wall time \d+\.\d s\)$/)
    ])
  })
})
