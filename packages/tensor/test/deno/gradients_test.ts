// Runs under Deno (`npm run test:deno`): the wasm backend loads from the npm package, its gradient
// kernels match the cpu backend's, and they leak no tensor.
import assert from "node:assert/strict"
import { test } from "node:test"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { Backend, type BackendInfo } from "../../src/index.ts"
import { avgPoolGradient, convCases, convGradients, liveMemory, relativeError } from "../Gradients.ts"

const cases = convCases(14, 11)

const withBackend = <A>(layer: typeof Backend.layerCpu, f: (info: BackendInfo) => A): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const backend = yield* Backend
      return f(backend.info)
    }).pipe(Effect.provide(layer))
  )

test("wasm conv and avg-pool gradients equal the cpu backend's under Deno", async () => {
  const run = () => cases.map((c) => ({ ...convGradients(c), pool: avgPoolGradient(c) }))
  const reference = await withBackend(Backend.layerCpu, run)
  const wasm = await withBackend(Backend.layer({ backend: "wasm" }), (info) => {
    assert.equal(info.backend, "wasm")
    assert.equal(info.simd, true)
    const before = liveMemory()
    const result = run()
    assert.deepEqual(liveMemory(), before)
    return result
  })
  cases.forEach((c, i) => {
    const where = JSON.stringify(c)
    assert.ok(relativeError(wasm[i]!.dx, reference[i]!.dx) < 1e-4, `dx ${where}`)
    assert.ok(relativeError(wasm[i]!.dw, reference[i]!.dw) < 1e-4, `dw ${where}`)
    assert.ok(relativeError(wasm[i]!.pool, reference[i]!.pool) < 1e-4, `pool ${where}`)
  })
  assert.equal(tf.getBackend(), "wasm")
})
