// Runs under Deno (`deno test`): the SAHD log-dets are the same doubles as under Node.
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { test } from "node:test"
import { computeVectors, type SahdVector } from "../SahdVectors.ts"

test("SAHD log-dets under Deno equal the Node vectors bit for bit (JS and wasm Gram)", () => {
  const expected: ReadonlyArray<SahdVector> = JSON.parse(
    readFileSync(new URL("../sahd-vectors.json", import.meta.url), "utf8")
  )
  const actual = computeVectors()
  assert.equal(actual.length, 6)
  actual.forEach((vector, i) => {
    assert.equal(vector.logdet, expected[i].logdet, `${vector.name}/${vector.normaliser}`)
    assert.equal(vector.wasm, expected[i].logdet, `${vector.name}/${vector.normaliser} (wasm)`)
  })
})
