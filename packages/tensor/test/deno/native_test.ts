// Runs under Deno (`npm run test:deno`, with -A so --allow-ffi): the oneDNN addon loads through
// createRequire as under Node, and its convolutions equal the cpu backend's. Where the addon is not
// built, the backend falls back to the wasm kernels and says so.
import assert from "node:assert/strict"
import { test } from "node:test"
import { Effect } from "effect"
import { Backend, type BackendInfo, loadOnednn } from "../../src/index.ts"
import { convCases, convGradients, liveMemory, relativeError } from "../Gradients.ts"

const cases = convCases(14, 5)

const withBackend = <A>(layer: typeof Backend.layerCpu, f: (info: BackendInfo) => A): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const backend = yield* Backend
      return f(backend.info)
    }).pipe(Effect.provide(layer))
  )

test("under Deno the oneDNN kernels load (or the wasm ones run) and equal the cpu backend's", async () => {
  const loaded = loadOnednn()
  const reference = await withBackend(Backend.layerCpu, () => cases.map(convGradients))
  const result = await withBackend(Backend.layer({ backend: "wasm" }), (info) => {
    assert.equal(info.kernels, loaded._tag === "Loaded" ? "native" : "wasm")
    const before = liveMemory()
    const out = cases.map(convGradients)
    assert.deepEqual(liveMemory(), before)
    return out
  })
  cases.forEach((c, i) => {
    assert.ok(relativeError(result[i]!.dx, reference[i]!.dx) < 1e-4, `dx ${JSON.stringify(c)}`)
    assert.ok(relativeError(result[i]!.dw, reference[i]!.dw) < 1e-4, `dw ${JSON.stringify(c)}`)
  })
})
