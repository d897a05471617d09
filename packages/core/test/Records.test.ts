import { describe, expect, it } from "@effect/vitest"
import { schemaContract } from "@spikernel/testing"
import { Cause, Effect, Exit, Schema } from "effect"
import { CandidateRecord } from "../src/CandidateRecord.ts"
import { canonicalJson } from "../src/CanonicalJson.ts"
import { formatDatasetSpec, parseDatasetSpec } from "../src/DatasetSpec.ts"
import { JsonNumber } from "../src/Numbers.ts"
import { decodeStrict, identityOf } from "../src/Plugin.ts"
import { RunManifest } from "../src/RunManifest.ts"

const arch = {
  cellType: "backward" as const,
  kernels: [1, 3],
  matrix: [
    [0, 3, 0, 2],
    [0, 0, 3, 0],
    [3, 0, 0, 3],
    [0, 0, 0, 0]
  ]
}

schemaContract("CandidateRecord", CandidateRecord, {
  valid: [
    {
      index: 0,
      architecture: arch,
      canonical: "0302 0030 3003 0000",
      scores: [
        { scorer: "sahd@1", value: -161.25, details: { logdet0: -160.5, logdet1: -162, hookCalls: 65 } }
      ],
      params: 20_624_500,
      bytes: 82_498_000,
      seconds: 1.5,
      cached: false
    },
    {
      index: 12,
      architecture: arch,
      canonical: "0302 0030 3003 0000",
      scores: [
        { scorer: "sahd@1", value: -Infinity, details: { logdet0: -Infinity }, note: "K is singular" }
      ],
      params: 1,
      bytes: 4,
      seconds: 0,
      cached: true
    }
  ],
  invalid: [
    {
      name: "a negative index",
      input: {
        index: -1,
        architecture: { cellType: "backward", kernels: [1, 3], matrix: "0302 0030 3003 0000" },
        canonical: "x",
        scores: [],
        params: 1,
        bytes: 4,
        seconds: 0,
        cached: false
      },
      message: /Expected a value greater than or equal to 0\n {2}at \["index"\]/
    },
    {
      name: "a score that is not a number",
      input: {
        index: 0,
        architecture: { cellType: "backward", kernels: [1, 3], matrix: "0302 0030 3003 0000" },
        canonical: "x",
        scores: [{ scorer: "s", value: "-Inf", details: {} }],
        params: 1,
        bytes: 4,
        seconds: 0,
        cached: false
      },
      message: /value/
    }
  ]
})

schemaContract("RunManifest", RunManifest, {
  valid: [
    {
      pipelineFile: "pipelines/quickstart.ts",
      pipelineHash: "ab".repeat(32),
      seed: 1,
      plugins: [{ kind: "SearchStrategy", id: "random", version: 1 }],
      backend: { backend: "wasm", tfjsVersion: "4.22.0", threads: 2, simd: true },
      runtime: { name: "node", version: "20.20.2" },
      store: ".spikernel",
      startedAt: "2026-11-27T12:00:00.000Z",
      steps: [{ name: "search", kind: "search", key: "cd".repeat(32), status: "computed", seconds: 3 }]
    }
  ],
  invalid: [{ name: "an unknown runtime", input: { runtime: { name: "bun" } }, message: /./ }]
})

describe("JsonNumber", () => {
  it("encodes non-finite values as strings and back", () => {
    const encode = Schema.encodeSync(JsonNumber)
    const decode = Schema.decodeUnknownSync(JsonNumber)
    expect(encode(-Infinity)).toBe("-Infinity")
    expect(decode("-Infinity")).toBe(-Infinity)
    expect(Number.isNaN(decode("NaN"))).toBe(true)
    expect(decode(2.5)).toBe(2.5)
    expect(() => decode("-inf")).toThrow()
  })
})

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: "x" }, e: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":0}]},"b":1}'
    )
  })
  it("refuses non-finite numbers instead of writing null", () => {
    expect(() => canonicalJson({ a: Infinity })).toThrow(/cannot hold the number Infinity/)
  })
  it("makes a plugin identity from id, version and the encoded config", () => {
    const plugin = {
      id: "sahd",
      version: 2,
      config: Schema.Struct({ batch: Schema.Int, repeats: Schema.Int })
    }
    const identity = identityOf(plugin, { repeats: 2, batch: 256 })
    expect(identity).toEqual({ id: "sahd", version: 2, config: { batch: 256, repeats: 2 } })
    expect(canonicalJson(identity)).toBe('{"config":{"batch":256,"repeats":2},"id":"sahd","version":2}')
  })

  it("decodes configs strictly: every unknown key named with the known ones, at any depth", () => {
    const Config = Schema.Struct({
      population: Schema.optionalKey(Schema.Int),
      sample: Schema.optionalKey(Schema.Int),
      network: Schema.optionalKey(Schema.Struct({ widths: Schema.optionalKey(Schema.Array(Schema.Int)) }))
    })
    const fail = (input: unknown) => {
      const exit = Effect.runSyncExit(decodeStrict(Config, input, "use(regularizedEvolution)"))
      return Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : "decoded"
    }
    expect(fail({ populationSize: 8 })).toBe(
      'ConfigError: use(regularizedEvolution): unknown key "populationSize" (known: network, population, sample)'
    )
    expect(fail({ network: { width: [8, 16] }, sampel: 2 })).toBe(
      'ConfigError: use(regularizedEvolution): unknown key "sampel" (known: network, population, sample); unknown key "network.width" (known: widths)'
    )
    expect(fail({ population: "8" })).toMatch(/^ConfigError: use\(regularizedEvolution\): Expected number/)
    expect(fail({ population: 8 })).toBe("decoded")
  })
})

describe("DatasetSpec", () => {
  const parse = (text: string) => {
    const exit = Effect.runSyncExit(parseDatasetSpec(text))
    return Exit.isSuccess(exit) ? formatDatasetSpec(exit.value) : String(exit.cause)
  }
  it("parses name:path and bundled names", () => {
    expect(parse("cifar10:/data/cifar")).toBe("cifar10:/data/cifar")
    expect(parse("tinyimagenet:C:/x")).toBe("tinyimagenet:C:/x")
    expect(parse("fashion-mnist-mini")).toBe("fashion-mnist-mini")
  })
  it("names the problem with a bad spec", () => {
    expect(parse("cifar10")).toMatch(/"cifar10" needs a directory: write cifar10:DIR/)
    expect(parse("imagenet:/x")).toMatch(/unknown dataset "imagenet"/)
    expect(parse("synthetic:/x")).toMatch(/"synthetic" is bundled and takes no path/)
    expect(parse("mnist:")).toMatch(/empty path/)
  })
})
