// Runs under Deno (`deno test`): the counter-based generator gives the same values as under Node.
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { test } from "node:test"
import { draws, philox4x32 } from "../../src/Rng.ts"

interface Vector {
  readonly key: { seed: number; stream: string; index: number }
  readonly uint32: ReadonlyArray<number>
  readonly float: ReadonlyArray<number>
  readonly int10: ReadonlyArray<number>
}

test("Philox4x32-10 known-answer vector under Deno", () => {
  assert.deepEqual([...philox4x32([0, 0, 0, 0], [0, 0])], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8])
})

test("draws reproduce the vectors the Node tests check", () => {
  const vectors: ReadonlyArray<Vector> = JSON.parse(
    readFileSync(new URL("../rng-vectors.json", import.meta.url), "utf8")
  )
  assert.equal(vectors.length, 3)
  for (const vector of vectors) {
    const d = draws(vector.key)
    assert.deepEqual(
      Array.from({ length: 6 }, () => d.uint32()),
      vector.uint32
    )
    assert.deepEqual([d.float(), d.float()], vector.float)
    assert.deepEqual(
      Array.from({ length: 4 }, () => d.int(10)),
      vector.int10
    )
  }
})
