import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as ClusterSettings from "../src/ClusterSettings.ts"
import * as CodeVersion from "../src/CodeVersion.ts"

const fails = (url: string) => {
  const exit = Effect.runSyncExit(ClusterSettings.parseUrl(url))
  if (Exit.isSuccess(exit)) throw new Error(`${url} parsed`)
  return String(exit.cause)
}

describe("cluster URL and settings", () => {
  it("parses postgres URLs and names what is wrong with others", () => {
    expect(Effect.runSync(ClusterSettings.parseUrl("postgres://spk@db.local:6543/runs"))).toEqual({
      host: "db.local",
      port: 6543,
      username: "spk",
      database: "runs"
    })
    expect(fails("mysql://a@b/c")).toMatch(/scheme "mysql" is not postgres/)
    expect(fails("postgres://db:5432/x")).toMatch(/no user/)
    expect(fails("postgres://u@db:5432/")).toMatch(/no database name/)
    expect(fails("not a url")).toMatch(/not a URL/)
  })

  it("takes overrides from the environment and refuses nonsense", () => {
    const settings = Effect.runSync(
      ClusterSettings.fromEnv({ SPIKERNEL_CLUSTER_LOCK_EXPIRATION_MS: "30000" })
    )
    expect(settings.lockExpiration).toBe(30_000)
    expect(settings.lockRefresh).toBe(ClusterSettings.defaults.lockRefresh)
    const bad = Effect.runSyncExit(ClusterSettings.fromEnv({ SPIKERNEL_CLUSTER_MESSAGE_POLL_MS: "soon" }))
    expect(String(Exit.isFailure(bad) ? bad.cause : "")).toMatch(/SPIKERNEL_CLUSTER_MESSAGE_POLL_MS=soon/)
    const inverted = Effect.runSyncExit(
      ClusterSettings.fromEnv({ SPIKERNEL_CLUSTER_LOCK_REFRESH_MS: "20000" })
    )
    expect(String(Exit.isFailure(inverted) ? inverted.cause : "")).toMatch(
      /must be shorter than lock expiration/
    )
  })

  it("says why a worker of another code version is not used", () => {
    const worker = { keyVersion: 2, plugins: ["Scorer/sahd@2", "SearchSpace/snasnet-backward@1"] }
    expect(
      CodeVersion.mismatch(worker, { keyVersion: 2, plugins: ["SearchSpace/snasnet-backward@1"] })
    ).toBeUndefined()
    expect(CodeVersion.mismatch(worker, { keyVersion: 2, plugins: ["Scorer/sahd@1"] })).toBe(
      "it has sahd@2, the run needs sahd@1"
    )
    expect(CodeVersion.mismatch(worker, { keyVersion: 3, plugins: [] })).toMatch(/cache keys are version 2/)
  })
})
