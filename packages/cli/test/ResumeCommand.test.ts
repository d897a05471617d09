/**
 * The command a stopped run prints to resume (issue 17): the way it was started — `npm start` with
 * the arguments given after `--`, `npx spikernel …`, or `spikernel …` — with arguments quoted for
 * a POSIX shell.
 */
import { describe, expect, it } from "vitest"
import { resumeCommand, shellQuote } from "../src/ResumeCommand.ts"

const start = {
  npm_command: "start",
  npm_lifecycle_event: "start",
  npm_lifecycle_script: "node packages/cli/bin/spikernel.js run pipelines/quickstart.ts"
}

describe("resumeCommand", () => {
  it("is `npm start` under npm start, with the arguments given after --", () => {
    expect(resumeCommand(["run", "pipelines/quickstart.ts"], start)).toBe("npm start")
    expect(resumeCommand(["run", "pipelines/quickstart.ts", "--backend", "wasm"], start)).toBe(
      "npm start -- --backend wasm"
    )
  })

  it("is `npm run NAME` under another package script", () => {
    const env = {
      npm_command: "run-script",
      npm_lifecycle_event: "strategies",
      npm_lifecycle_script: "spikernel run pipelines/compare-strategies.ts"
    }
    expect(resumeCommand(["run", "pipelines/compare-strategies.ts"], env)).toBe("npm run strategies")
  })

  it("is `spikernel …` under a package script that does not run spikernel itself (a test runner)", () => {
    const env = {
      npm_command: "run-script",
      npm_lifecycle_event: "test",
      npm_lifecycle_script: "node ../../scripts/vitest.mjs run --passWithNoTests"
    }
    expect(resumeCommand(["run", "/tmp/live.ts", "--backend", "cpu"], env)).toBe(
      "spikernel run /tmp/live.ts --backend cpu"
    )
  })

  it("is `npx spikernel …` under npx and `spikernel …` otherwise, quoted where a shell needs it", () => {
    expect(resumeCommand(["run", "p.ts", "--store", "/tmp/my runs"], { npm_command: "exec" })).toBe(
      "npx spikernel run p.ts --store '/tmp/my runs'"
    )
    expect(resumeCommand(["run", "/data/x.ts", "--backend", "cpu"], {})).toBe(
      "spikernel run /data/x.ts --backend cpu"
    )
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
  })
})
