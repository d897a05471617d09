/**
 * The SAHD log-dets of fixed cases equal the stored vectors bit for bit under Node, with the JS and
 * the wasm Gram (the Deno test checks the same file).
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { computeVectors, type SahdVector } from "./SahdVectors.ts"

describe("SAHD vectors", () => {
  it("match sahd-vectors.json bit for bit", () => {
    const expected: ReadonlyArray<SahdVector> = JSON.parse(
      readFileSync(new URL("./sahd-vectors.json", import.meta.url), "utf8")
    )
    const actual = computeVectors()
    expect(actual.map(({ name, normaliser, logdet }) => ({ name, normaliser, logdet }))).toEqual(expected)
    for (const vector of actual) expect(vector.wasm).toBe(vector.logdet)
  })
})
