/**
 * Fixed SAHD cases shared by the Node and Deno tests: both runtimes must give the same log-dets to
 * the bit (stored in sahd-vectors.json as hex IEEE-754 words).
 */
import { Rng } from "@spikernel/core"
import { gram, makeSahdKernel, makeWasmGram, type Normaliser, packCodes } from "../src/index.ts"

export interface SahdVector {
  readonly name: string
  readonly normaliser: Normaliser
  /** log|det(K/n)| as the hex of its IEEE-754 bits. */
  readonly logdet: string
}

const hex = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  return view.getBigUint64(0).toString(16).padStart(16, "0")
}

/** The log-dets of three cases (B = 32, layers of 96, 250 and 1024 neurons) under both gram paths. */
export const computeVectors = (): ReadonlyArray<SahdVector & { readonly wasm: string }> => {
  const batch = 32
  const out: Array<SahdVector & { readonly wasm: string }> = []
  for (const [name, seed, rate] of [
    ["sparse", 1, 0.05],
    ["medium", 2, 0.2],
    ["dense", 3, 0.5]
  ] as const) {
    for (const normaliser of ["official", "no-N"] as const) {
      const js = makeSahdKernel(batch, normaliser, gram)
      const wasm = makeSahdKernel(batch, normaliser, makeWasmGram())
      ;[96, 250, 1024].forEach((neurons, layer) => {
        const draws = Rng.draws({ seed, stream: "test/sahd-vectors", index: layer })
        const values = Float32Array.from({ length: batch * neurons }, () => (draws.float() < rate ? 1 : 0))
        const codes = packCodes(values, batch, neurons)
        js.add(codes)
        wasm.add(codes)
      })
      out.push({ name, normaliser, logdet: hex(js.logDet().logAbsDet), wasm: hex(wasm.logDet().logAbsDet) })
    }
  }
  return out
}
