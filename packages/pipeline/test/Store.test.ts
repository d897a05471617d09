import { spawnSync } from "node:child_process"
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schema } from "effect"
import { Digest } from "@spikernel/core"

const { sha256Hex } = Digest
import { encodeLine, parseJournal } from "../src/Journal.ts"
import * as Store from "../src/Store.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Option.Option<Uint8Array>) =>
  Option.isSome(data) ? new TextDecoder().decode(data.value) : undefined
const big = (seed: string) => seed.repeat(Math.ceil(5000 / seed.length))

const tempStore = () => mkdtempSync(join(tmpdir(), "spikernel-store-"))

/** Opens a store in `root`, collecting its one-line reports. */
const open = (root: string, mode: "write" | "read" = "write") => {
  const lines: Array<string> = []
  const layer = Store.layer({ root, mode, report: (line) => Effect.sync(() => void lines.push(line)) }).pipe(
    Layer.provide(NodeServices.layer)
  )
  return { lines, layer }
}

const withStore = <A, E>(
  root: string,
  body: Effect.Effect<A, E, Store.Store>,
  mode: "write" | "read" = "write"
) => {
  const { lines, layer } = open(root, mode)
  return Effect.map(Effect.provide(body, layer), (value) => ({ value, lines }))
}

const blobFiles = (root: string): Array<string> =>
  readdirSync(join(root, "blobs")).flatMap((prefix) =>
    readdirSync(join(root, "blobs", prefix)).map((name) => join(root, "blobs", prefix, name))
  )

describe("Journal", () => {
  it("verifies each line's checksum and treats an unterminated tail as torn", () => {
    const good = encodeLine({ op: "inline", key: "a", tag: "t", value: "1" }, "")
    // A flipped byte in the JSON leaves the line's checksum text, which the next line was written after.
    const flipped = encodeLine({ op: "inline", key: "z", tag: "t", value: "1" }, good.checksum)
    const damaged = flipped.line.replace('"1"', '"7"')
    const other = encodeLine({ op: "inline", key: "b", tag: "t", value: "2" }, flipped.checksum)
    const parsed = parseJournal(
      bytes(good.line + damaged + other.line + "garbage\n" + other.line.slice(0, 30))
    )
    assert.deepStrictEqual(
      parsed.records.map((r) => r.record.key),
      ["a", "b"]
    )
    assert.deepStrictEqual(
      parsed.problems.map((p) => [p.line, p.reason]),
      [
        [2, "checksum mismatch"],
        [4, "not a checksummed record"]
      ]
    )
    assert.deepStrictEqual(parsed.outOfOrder, [])
    assert.isTrue(parsed.torn)
    assert.strictEqual(parsed.completeBytes, bytes(good.line + damaged + other.line + "garbage\n").length)
  })

  it("chains each record to the line before it: reordered, replayed and removed lines are out of order", () => {
    const chain = (values: ReadonlyArray<string>) => {
      let prev = ""
      return values.map((value) => {
        const encoded = encodeLine({ op: "inline", key: value, tag: "t", value }, prev)
        prev = encoded.checksum
        return encoded.line
      })
    }
    const [a, b, c, d] = chain(["a", "b", "c", "d"])
    const keys = (text: string) => {
      const parsed = parseJournal(bytes(text))
      return {
        records: parsed.records.map((r) => r.record.key),
        outOfOrder: parsed.outOfOrder.map((p) => [p.line, p.record.key])
      }
    }
    assert.deepStrictEqual(keys(a + b + c + d), { records: ["a", "b", "c", "d"], outOfOrder: [] })
    // Two lines swapped: both are out of order.
    assert.deepStrictEqual(keys(a + c + b + d), {
      records: ["a"],
      outOfOrder: [
        [2, "c"],
        [3, "b"],
        [4, "d"]
      ]
    })
    // An earlier line copied over the last one (a replay).
    assert.deepStrictEqual(keys(a + b + c + b), { records: ["a", "b", "c"], outOfOrder: [[4, "b"]] })
    // A line removed from the middle: the one after the gap is out of order.
    assert.deepStrictEqual(keys(a + b + d), { records: ["a", "b"], outOfOrder: [[3, "d"]] })
    // Lines written before the chain existed (no prev) are taken as they are.
    const legacy = (value: string) => {
      const json = `{"key":"${value}","op":"inline","tag":"t","value":"${value}"}`
      return `${Digest.sha256Hex(json)} ${json}\n`
    }
    assert.deepStrictEqual(keys(legacy("x") + legacy("y")), { records: ["x", "y"], outOfOrder: [] })
  })
})

describe("Store (directory)", () => {
  it.effect("keeps inline and blob values across reopening", () =>
    Effect.gen(function* () {
      const root = tempStore()
      yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          yield* store.put("small", "t", bytes("hello"))
          yield* store.put("large", "t", bytes(big("x")))
          yield* store.put("small", "t", bytes("hello again"))
        })
      )
      const { value } = yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          return [text(yield* store.get("small")), text(yield* store.get("large")), store.entries("").length]
        }),
        "read"
      )
      assert.deepStrictEqual(value, ["hello again", big("x"), 2])
      assert.strictEqual(blobFiles(root).length, 1)
      assert.strictEqual(blobFiles(root)[0].endsWith(sha256Hex(big("x"))), true)
    })
  )

  it.effect("drops a torn last record and keeps appending after it", () =>
    Effect.gen(function* () {
      const root = tempStore()
      yield* withStore(
        root,
        Effect.flatMap(Store.Store, (store) => store.put("a", "t", bytes("1")))
      )
      appendFileSync(
        join(root, "journal"),
        encodeLine({ op: "inline", key: "b", tag: "t", value: "2" }, "").line.slice(0, 40)
      )
      const { value, lines } = yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          yield* store.put("c", "t", bytes("3"))
          return [text(yield* store.get("a")), text(yield* store.get("b")), text(yield* store.get("c"))]
        })
      )
      assert.deepStrictEqual(value, ["1", undefined, "3"])
      assert.deepStrictEqual(lines, [])
      const parsed = parseJournal(readFileSync(join(root, "journal")))
      assert.deepStrictEqual([parsed.problems.length, parsed.torn, parsed.records.length], [0, false, 2])
    })
  )

  it.effect("reports a garbage line in the middle once, ignores its entry and repairs the journal", () =>
    Effect.gen(function* () {
      const root = tempStore()
      yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          for (const key of ["a", "b", "c"]) yield* store.put(key, "t", bytes(key.toUpperCase()))
        })
      )
      const lines = readFileSync(join(root, "journal"), "utf8").split("\n")
      lines[1] = lines[1].replace('"B"', '"X"')
      writeFileSync(join(root, "journal"), lines.join("\n"))
      const first = yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          return [text(yield* store.get("a")), text(yield* store.get("b")), text(yield* store.get("c"))]
        })
      )
      assert.deepStrictEqual(first.value, ["A", undefined, "C"])
      assert.strictEqual(first.lines.length, 1)
      assert.match(first.lines[0], /journal line 2 is corrupt \(checksum mismatch\)/)
      const second = yield* withStore(root, Effect.void)
      assert.deepStrictEqual(second.lines, [])
      assert.match(readFileSync(join(root, "journal.rejected"), "utf8"), /"X"/)
    })
  )

  for (const [name, damage] of [
    ["truncated", (path: string) => truncateSync(path, 100)],
    [
      "byte-flipped",
      (path: string) => {
        const data = readFileSync(path)
        data[2500] ^= 0x01
        writeFileSync(path, data)
      }
    ]
  ] as const) {
    it.effect(`never returns a ${name} blob: reported, removed, absent until put again`, () =>
      Effect.gen(function* () {
        const root = tempStore()
        yield* withStore(
          root,
          Effect.flatMap(Store.Store, (store) => store.put("v", "t", bytes(big("abc"))))
        )
        const [blob] = blobFiles(root)
        damage(blob)
        const { value, lines } = yield* withStore(
          root,
          Effect.gen(function* () {
            const store = yield* Store.Store
            const before = text(yield* store.get("v"))
            const known = Option.isSome(store.entry("v"))
            yield* store.put("v", "t", bytes(big("abc")))
            return { before, known, after: text(yield* store.get("v")) }
          })
        )
        assert.deepStrictEqual(value, { before: undefined, known: false, after: big("abc") })
        assert.strictEqual(lines.length, 1)
        assert.match(lines[0], /corrupt \(SHA-256 mismatch/)
        assert.strictEqual(sha256Hex(readFileSync(blob)), sha256Hex(big("abc")))
      })
    )
  }

  it.effect("lets one writer at a time hold a store, and a reader alongside", () =>
    Effect.gen(function* () {
      const root = tempStore()
      const exit = yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          yield* store.put("a", "t", bytes("1"))
          const reader = yield* withStore(
            root,
            Effect.map(Store.Store, (s) => text(s.entry("a").pipe(Option.map(() => bytes("seen"))))),
            "read"
          )
          const second = yield* Effect.exit(withStore(root, Effect.void))
          return { reader: reader.value, second }
        })
      )
      assert.strictEqual(exit.value.reader, "seen")
      assert.isTrue(Exit.isFailure(exit.value.second))
      assert.match(String(exit.value.second), new RegExp(`in use by pid ${process.pid} on ${hostname()}`))
      // Released when the scope closed.
      const again = yield* Effect.exit(withStore(root, Effect.void))
      assert.isTrue(Exit.isSuccess(again))
    })
  )

  it.effect("takes over a stale lock left by a dead process, and says so", () =>
    Effect.gen(function* () {
      const root = tempStore()
      const dead = spawnSync(process.execPath, ["-e", ""]).pid!
      writeFileSync(
        join(root, "lock"),
        JSON.stringify({
          pid: dead,
          hostname: hostname(),
          startedAt: "2020-01-01T00:00:00.000Z",
          command: "run x"
        })
      )
      const { lines } = yield* withStore(
        root,
        Effect.flatMap(Store.Store, (store) => store.put("a", "t", bytes("1")))
      )
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0], new RegExp(`took over the stale lock of pid ${dead} on ${hostname()}`))
    })
  )

  it.effect("gc keeps the latest entry per key and removes unreferenced blobs", () =>
    Effect.gen(function* () {
      const root = tempStore()
      const { value } = yield* withStore(
        root,
        Effect.gen(function* () {
          const store = yield* Store.Store
          yield* store.put("a", "t", bytes(big("1")))
          yield* store.put("a", "t", bytes(big("2")))
          yield* store.put("b", "t", bytes(big("3")))
          const report = yield* store.gc
          yield* store.put("c", "t", bytes("after gc"))
          return { report, a: text(yield* store.get("a")) }
        })
      )
      assert.strictEqual(value.report.removedBlobs, 1)
      assert.strictEqual(value.report.keptEntries, 2)
      assert.isBelow(value.report.journalBytesAfter, value.report.journalBytesBefore)
      assert.strictEqual(value.a, big("2"))
      assert.strictEqual(blobFiles(root).length, 2)
      const reopened = yield* withStore(
        root,
        Effect.map(Store.Store, (s) => s.entries("").map((e) => e.key)),
        "read"
      )
      assert.deepStrictEqual(reopened.value, ["a", "b", "c"])
    })
  )
})

describe("Store values", () => {
  const Value = Schema.Struct({ n: Schema.Int, label: Schema.String })
  for (const [name, layer] of [
    ["memory", Store.layerMemory],
    ["directory", open(tempStore()).layer]
  ] as const) {
    it.effect(`round-trips Schema'd values as canonical JSON (${name})`, () =>
      Effect.gen(function* () {
        yield* Store.putValue(Value, "k", "t", { label: "x", n: 3 })
        const value = yield* Store.getValue(Value, "k")
        assert.deepStrictEqual(value, Option.some({ n: 3, label: "x" }))
        const store = yield* Store.Store
        assert.strictEqual(text(yield* store.get("k")), '{"label":"x","n":3}')
        yield* store.put("k", "t", bytes('{"n":"three"}'))
        assert.isTrue(Option.isNone(yield* Store.getValue(Value, "k")))
      }).pipe(Effect.provide(layer))
    )
  }
})
