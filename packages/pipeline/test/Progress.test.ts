/**
 * The progress writer (issue 17): on a terminal, one live block (a line per running step, an overall
 * line) with everything else printed above it and never into it; plain lines elsewhere; a stopped
 * run says what was kept and how to resume. Played back through `@spikernel/testing`'s Screen.
 */
import { assert, describe, it } from "@effect/vitest"
import { playBack } from "@spikernel/testing"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Progress from "../src/Progress.ts"

const plan: Progress.RunPlan = {
  steps: [
    { name: "data", kind: "load", willCompute: false, estimateSeconds: undefined },
    { name: "found", kind: "search", willCompute: true, estimateSeconds: undefined },
    { name: "top", kind: "select", willCompute: true, estimateSeconds: 0 }
  ]
}

const searchAt = (done: number, rate: number | undefined): Progress.ProgressEvent => ({
  step: "found",
  kind: "search",
  done,
  total: 40,
  unit: "candidates",
  ratePerSecond: rate,
  etaSeconds: rate === undefined ? undefined : (40 - done) / rate,
  best: 0.5
})

/** Runs `body` against a writer in `mode`, returning each write. */
const written = <A>(mode: Progress.WriterOptions["mode"], body: Effect.Effect<A, never, Progress.Progress>) =>
  Effect.gen(function* () {
    const writes: Array<string> = []
    yield* body.pipe(
      Effect.provide(
        Layer.fresh(
          Progress.layerWriter({
            mode,
            write: (text) => void writes.push(text),
            columns: () => 60,
            intervalMs: 0,
            resumeCommand: "spikernel run toy.ts --store s"
          })
        )
      )
    )
    return writes
  })

const time = /^\d\d:\d\d:\d\d /

describe("Progress.layerWriter", () => {
  it.effect("tty: log lines go above the live block, never into it; the block goes at the end", () =>
    Effect.gen(function* () {
      const screens: Array<ReadonlyArray<string>> = []
      const writes = yield* written(
        "tty",
        Effect.gen(function* () {
          const progress = yield* Progress.Progress
          yield* progress.planned(plan)
          yield* progress.step({ step: "data", kind: "load", key: "k0", status: "cached", seconds: 0 })
          yield* progress.started({ step: "found", kind: "search" })
          yield* progress.reused({ step: "found", kind: "search", reused: 10, total: 40, unit: "candidates" })
          yield* progress.update(searchAt(11, undefined))
          yield* TestClock.adjust("2 seconds")
          yield* progress.update(searchAt(31, 10))
          yield* Effect.logInfo("tensor backend: cpu")
          yield* Effect.logWarning("store s: a damaged line")
          yield* progress.update(searchAt(40, 10))
          yield* progress.step({ step: "found", kind: "search", key: "k1", status: "computed", seconds: 3 })
          yield* progress.step({ step: "top", kind: "select", key: "k2", status: "computed", seconds: 0 })
          yield* progress.ended({ outcome: "finished", done: 3, total: 3 })
        })
      )
      let output = ""
      for (const text of writes) {
        output += text
        screens.push(playBack(output))
      }
      // While the search ran, with both log lines printed: they sit above the block, whole.
      const during = screens.find((screen) => screen.some((line) => line.includes("a damaged line")))!
      assert.deepStrictEqual(during.slice(0, 2), [
        "[1/3] cached  data",
        "found: 10 of 40 candidates from the store"
      ])
      assert.match(during[2], time)
      assert.strictEqual(during[2].replace(time, ""), "tensor backend: cpu")
      assert.strictEqual(during[3].replace(time, ""), "warning: store s: a damaged line")
      assert.deepStrictEqual(during.slice(4), [
        "found  31/40 candidates  77%  10.0/s  ETA 0.9s  best 0.5000",
        "steps 1/3 done  elapsed 2.0s  ETA 0.9s"
      ])
      // The first update after a resume has no rate: nothing was paid for yet.
      const first = screens.find((screen) => screen.some((line) => line.startsWith("found  11/40")))!
      assert.strictEqual(first.at(-2), "found  11/40 candidates  27%  best 0.5000")
      // At the end the block is gone and each finished step has one line.
      assert.deepStrictEqual(screens.at(-1)!.slice(4), [
        "[2/3] found  search  computed  3.0s  40 candidates, 10 from the store",
        "[3/3] top  select  computed  0.0s"
      ])
      // No line on any screen holds a log line after other text.
      for (const screen of screens)
        for (const line of screen) assert.isFalse(/\S.*\d\d:\d\d:\d\d /.test(line), line)
    })
  )

  it.effect("tty: Ctrl-C erases the block and says what was kept and how to resume", () =>
    Effect.gen(function* () {
      const writes = yield* written(
        "tty",
        Effect.gen(function* () {
          const progress = yield* Progress.Progress
          yield* progress.planned(plan)
          yield* progress.step({ step: "data", kind: "load", key: "k0", status: "computed", seconds: 0 })
          yield* progress.update(searchAt(35, 5))
          yield* progress.ended({
            outcome: "interrupted",
            done: 1,
            total: 3,
            stopped: {
              step: "found",
              kind: "search",
              checkpoint: true,
              kept: { done: 35, total: 40, unit: "candidates" }
            }
          })
        })
      )
      assert.deepStrictEqual(playBack(writes.join("")), [
        "[1/3] data  load  computed  0.0s",
        "interrupted: kept 35 of 40 candidates of found; 1 of 3 steps done",
        "resume with: spikernel run toy.ts --store s"
      ])
    })
  )

  it.effect("lines: plain lines without escapes, log lines on their own", () =>
    Effect.gen(function* () {
      const writes = yield* written(
        "lines",
        Effect.gen(function* () {
          const progress = yield* Progress.Progress
          yield* progress.planned(plan)
          yield* progress.started({ step: "found", kind: "search" })
          yield* progress.update(searchAt(1, undefined))
          yield* Effect.logInfo("tensor backend: cpu")
          yield* progress.update(searchAt(40, 8))
          yield* progress.step({ step: "found", kind: "search", key: "k1", status: "computed", seconds: 5 })
          yield* progress.ended({
            outcome: "failed",
            done: 2,
            total: 3,
            stopped: { step: "top", kind: "select", checkpoint: false }
          })
        })
      )
      const output = writes.join("")
      assert.notInclude(output, "\x1b")
      assert.notInclude(output, "\r")
      const lines = output.trimEnd().split("\n")
      assert.strictEqual(lines[0], "found  1/40 candidates  2%  best 0.5000")
      assert.strictEqual(lines[1].replace(time, ""), "tensor backend: cpu")
      assert.deepStrictEqual(lines.slice(2), [
        "found  40/40 candidates  100%  8.0/s  ETA 0.0s  best 0.5000",
        "[1/3] found  search  computed  5.0s  40 candidates",
        "failed: 2 of 3 steps done; top starts again",
        "once fixed, resume with: spikernel run toy.ts --store s"
      ])
    })
  )

  it("formats slow rates per unit and long times in minutes", () => {
    assert.strictEqual(Progress.formatRate(0.25, "candidates"), "4.0 s/candidate")
    assert.strictEqual(Progress.formatRate(412.4, "images"), "412/s")
    assert.strictEqual(Progress.formatSeconds(3 * 60 + 59.7), "4m00s")
    assert.strictEqual(Progress.formatSeconds(2 * 3600 + 61), "2h01m")
    const evaluated = { step: "eval", kind: "evaluate", done: 1, total: 1, unit: "models" }
    assert.strictEqual(
      Progress.formatStep(
        { step: "eval", kind: "evaluate", key: "k", status: "computed", seconds: 1.6 },
        { done: 5, total: 6 },
        { ...evaluated, ratePerSecond: undefined, etaSeconds: undefined, best: undefined },
        undefined
      ),
      "[5/6] eval  evaluate  computed  1.6s  1 model"
    )
  })
})
