/**
 * NIR export of a network with non-trivial BatchNorm statistics, written as a `spikernel train`
 * checkpoint writes its weights (tfjs layout):
 *
 * - read back by an independent reader (python3 + h5py, `nir_dump.py`): node types, the edges
 *   (written out by hand for the architecture), shapes, dtypes and parameter values against the
 *   model's weights (BatchNorm folded here in float64);
 * - re-simulated from the file (`NirSimulator`, h5wasm reader): the same spikes per LIF layer and
 *   timestep and the same logits as the model's forward pass on Fashion-MNIST test images;
 * - refusals: an existing output, a missing or damaged model, weights of another network.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Architecture, type DatasetLoader, DatasetLoader as Loader, Rng, Safetensors } from "@spikernel/core"
import { layerFromSpec } from "@spikernel/datasets"
import { Lif } from "@spikernel/neurons"
import { Network, NetworkConfig, WeightLayout } from "@spikernel/spaces"
import { Backend } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Layer, Stream } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { float32Below } from "../src/Nir.ts"
import { exportNir, type ExportConfig } from "../src/NirExport.ts"
import * as NirFile from "../src/NirFile.ts"
import { simulate } from "./NirSimulator.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const eps = 1e-5

/** fwd 0→1 c3, 1→2 c1, 0→3 c3, 1→3 avg-pool; bwd 2→0 skip, 3→2 c3 (every op kind, a Delay chain). */
const mixed = "0303 0024 1000 0030"

const config = (): NetworkConfig.NetworkConfig => ({
  ...NetworkConfig.presets["fashion-mnist"],
  widths: [4, 8]
})

/** A network of `text` with random BatchNorm statistics (γ of both signs, β, mean, var ≠ 1). */
const randomNetwork = (
  text: string,
  cellType: "backward" | "forward",
  kernels: ReadonlyArray<number>,
  seed: number
) =>
  Effect.gen(function* () {
    const arch = yield* Architecture.parseArchitecture(text, { cellType, kernels })
    const net = Network.buildNetwork(arch, config(), { neuron: Lif.lif(), seed })
    const draws = Rng.draws({ seed, stream: "test/nir-bn", index: 0 })
    const u = (lo: number, hi: number) => lo + (hi - lo) * (draws.uint32() / 4294967296)
    for (const spec of net.specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1)
      const draw = (f: () => number) => Float32Array.from({ length: n }, f)
      if (spec.role === "bn-weight")
        Network.assignWeight(
          net,
          spec.name,
          draw(() => (u(0, 1) < 0.15 ? -1 : 1) * u(1.2, 3))
        )
      if (spec.role === "bn-bias")
        Network.assignWeight(
          net,
          spec.name,
          draw(() => u(-0.2, 0.8))
        )
      if (spec.role === "bn-running-mean")
        Network.assignWeight(
          net,
          spec.name,
          draw(() => u(-0.2, 0.2))
        )
      // the official N(0, 0.01²) leaves a random classifier silent
      if (spec.role === "linear-weight")
        Network.assignWeight(
          net,
          spec.name,
          draw(() => u(-0.3, 0.3))
        )
      if (spec.role === "bn-running-var")
        Network.assignWeight(
          net,
          spec.name,
          draw(() => u(0.4, 2.5))
        )
    }
    return { arch, net }
  })

/** The network's weights as a train checkpoint's `weights.safetensors` (tfjs layout) or PyTorch's. */
const weightsFile = (net: Network.Network, dir: string, layout: "tfjs" | "torch") =>
  Effect.gen(function* () {
    const tensors = net.specs.map((spec) => {
      const values = Float32Array.from((net.variables.get(spec.name) as tf.Variable).dataSync())
      return [
        spec.name,
        layout === "tfjs"
          ? { dtype: "F32" as const, shape: spec.shape, data: values }
          : { dtype: "F32" as const, shape: spec.torchShape, data: WeightLayout.toTorch(spec, values) }
      ] as const
    })
    const bytes = yield* Safetensors.encode(tensors, { format: "pt" })
    const file = path.join(dir, `weights-${layout}.safetensors`)
    fs.writeFileSync(file, bytes)
    return file
  })

const exportConfig = (model: string, out: string, extra: Partial<ExportConfig> = {}): ExportConfig => ({
  format: "nir",
  model,
  out,
  overwrite: false,
  layout: "auto",
  timesteps: 5,
  ...extra
})

const python = (): string => {
  const found = ["python3", "/usr/bin/python3"].find(
    (p) => spawnSync(p, ["-c", "import h5py"], { encoding: "utf8" }).status === 0
  )
  if (found === undefined) throw new Error("no python3 with h5py (apt-get install python3-h5py)")
  return found
}

interface Dumped {
  readonly dtype: string
  readonly shape: ReadonlyArray<number>
  readonly values: ReadonlyArray<number | string>
}
interface Dump {
  readonly version: string
  readonly type: string
  readonly edges: ReadonlyArray<readonly [string, string]>
  readonly metadata: Record<string, Dumped>
  readonly nodes: Record<string, { readonly type: string; readonly fields: Record<string, Dumped> }>
  readonly type_errors: ReadonlyArray<string>
}

/** The nodes and edges of one cell of `mixed`, written out from METHOD.md §1.2 by hand. */
const mixedCell = (c: string, input: string) => {
  const f = (k: number) => `${c}.cell_architecture.${k}`
  const b = (k: number) => `${c}.cell_architecture_back.${k}`
  const types: Record<string, string> = {
    [`${f(0)}.0`]: "LIF",
    [`${f(0)}.1`]: "Conv2d",
    [`${f(2)}.0`]: "LIF",
    [`${f(2)}.1`]: "Conv2d",
    [`${f(3)}.0`]: "LIF",
    [`${f(3)}.1`]: "Conv2d",
    [f(4)]: "AvgPool2d",
    [`${b(1)}.delay`]: "Delay",
    [`${b(5)}.0`]: "LIF",
    [`${b(5)}.1`]: "Conv2d",
    [`${b(5)}.delay`]: "Delay"
  }
  const edges: Array<[string, string]> = [
    // e0 = x_in + F0 (F0 = the skip 2→0 of step t−1)
    [input, `${f(0)}.0`],
    [`${b(1)}.delay`, `${f(0)}.0`],
    [`${f(0)}.0`, `${f(0)}.1`],
    // e1 = x1 = f01(e0) → f12 (conv1x1) and f13 (pool)
    [`${f(0)}.1`, `${f(2)}.0`],
    [`${f(2)}.0`, `${f(2)}.1`],
    [input, `${f(3)}.0`],
    [`${b(1)}.delay`, `${f(3)}.0`],
    [`${f(3)}.0`, `${f(3)}.1`],
    [`${f(0)}.1`, f(4)],
    // F0 <- b20(e2) = e2 = x2 + F2 (skip)
    [`${f(2)}.1`, `${b(1)}.delay`],
    [`${b(5)}.delay`, `${b(1)}.delay`],
    // F2 <- b32(x3), x3 = f03 + f13
    [`${f(3)}.1`, `${b(5)}.0`],
    [f(4), `${b(5)}.0`],
    [`${b(5)}.0`, `${b(5)}.1`],
    [`${b(5)}.1`, `${b(5)}.delay`]
  ]
  return { types, edges, output: [`${f(3)}.1`, f(4)] }
}

const layers = NodeServices.layer

describe("NIR export", () => {
  it.effect(
    "an independent reader (python3 + h5py) finds the model's nodes, edges, shapes and folded parameters",
    () =>
      Effect.gen(function* () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-nir-"))
        const { arch, net } = yield* randomNetwork(mixed, "backward", [1, 3], 3)
        const model = yield* weightsFile(net, dir, "tfjs")
        const out = path.join(dir, "model.nir")
        const summary = yield* exportNir(exportConfig(model, out), arch, net.config)
        expect(summary.layout).toBe("tfjs")
        expect(summary.delays).toBe(4)

        const run = spawnSync(python(), [path.join(here, "nir_dump.py"), out], {
          encoding: "utf8",
          maxBuffer: 1 << 28
        })
        expect(run.stderr).toBe("")
        expect(run.status).toBe(0)
        const dump = JSON.parse(run.stdout) as Dump
        expect(dump.version).toBe("1.0.7")
        expect(dump.type).toBe("NIRGraph")
        // every edge's shapes agree by NIR's type rules (what nir.read's type check demands)
        expect(dump.type_errors).toEqual([])

        const cell1 = mixedCell("cell1", "stem")
        const cell2 = mixedCell("cell2", "resdownsample1")
        const types: Record<string, string> = {
          input: "Input",
          stem: "Conv2d",
          ...cell1.types,
          "downconv1.1": "LIF",
          "downconv1.2": "Conv2d",
          resdownsample1: "AvgPool2d",
          ...cell2.types,
          "last_act.1": "LIF",
          resdownsample2: "AvgPool2d",
          flatten: "Flatten",
          "classifier.1": "Linear",
          "classifier.2": "LIF",
          "classifier.3": "Affine",
          boost: "Linear",
          output: "Output"
        }
        expect(Object.fromEntries(Object.entries(dump.nodes).map(([n, node]) => [n, node.type]))).toEqual(
          types
        )
        const edges = [
          ["input", "stem"],
          ...cell1.edges,
          ...cell1.output.map((t) => [t, "downconv1.1"]),
          ["downconv1.1", "downconv1.2"],
          ["downconv1.2", "resdownsample1"],
          ...cell2.edges,
          ...cell2.output.map((t) => [t, "last_act.1"]),
          ["last_act.1", "resdownsample2"],
          ["resdownsample2", "flatten"],
          ["flatten", "classifier.1"],
          ["classifier.1", "classifier.2"],
          ["classifier.2", "classifier.3"],
          ["classifier.3", "boost"],
          ["boost", "output"]
        ]
        const key = (e: ReadonlyArray<string>) => e.join(" -> ")
        expect(dump.edges.map(key).sort()).toEqual(edges.map(key).sort())

        // parameters against the model (PyTorch layout; BN folded here in float64)
        const torch = new Map(
          net.specs.map((spec) => [
            spec.name,
            WeightLayout.toTorch(
              spec,
              Float32Array.from((net.variables.get(spec.name) as tf.Variable).dataSync())
            )
          ])
        )
        const w = (name: string) => torch.get(name) as Float32Array
        const affine = (bn: string) => {
          const gamma = w(`${bn}.weight`)
          const scale = Array.from(gamma, (g, c) => g / Math.sqrt(w(`${bn}.running_var`)[c] + eps))
          const shift = scale.map((s, c) => w(`${bn}.bias`)[c] - w(`${bn}.running_mean`)[c] * s)
          return { scale, shift }
        }
        const field = (node: string, name: string) => {
          const found = dump.nodes[node]?.fields[name]
          if (found === undefined) throw new Error(`${node} has no ${name}`)
          return found
        }
        const numbers = (node: string, name: string) => field(node, name).values as ReadonlyArray<number>
        const close = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>, what: string) => {
          expect(actual.length, what).toBe(expected.length)
          let worst = 0
          for (let i = 0; i < expected.length; i++)
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])))
          expect(worst, what).toBeLessThan(1e-6)
        }
        const checkConv = (
          node: string,
          weight: string,
          bn: string,
          shape: ReadonlyArray<number>,
          stride: number,
          pad: number,
          hw: number
        ) => {
          expect(field(node, "weight")).toMatchObject({ dtype: "float32", shape })
          const { scale, shift } = affine(bn)
          const per = shape[1] * shape[2] * shape[3]
          close(
            numbers(node, "weight"),
            Array.from(w(weight), (v, i) => v * scale[Math.floor(i / per)]),
            `${node}.weight`
          )
          close(numbers(node, "bias"), shift, `${node}.bias`)
          expect(field(node, "stride")).toEqual({ dtype: "int64", shape: [2], values: [stride, stride] })
          expect(field(node, "padding")).toEqual({ dtype: "int64", shape: [2], values: [pad, pad] })
          expect(field(node, "dilation").values).toEqual([1, 1])
          expect(field(node, "groups")).toEqual({ dtype: "int64", shape: [], values: [1] })
          expect(field(node, "input_shape").values).toEqual([hw, hw])
        }
        checkConv("stem", "stem.0.weight", "stem.1", [4, 1, 3, 3], 1, 1, 28)
        for (const [cell, c, hw] of [
          ["cell1", 4, 28],
          ["cell2", 8, 14]
        ] as const) {
          checkConv(
            `${cell}.cell_architecture.0.1`,
            `${cell}.cell_architecture.0.1.weight`,
            `${cell}.cell_architecture.0.2`,
            [c, c, 3, 3],
            1,
            1,
            hw
          )
          checkConv(
            `${cell}.cell_architecture.2.1`,
            `${cell}.cell_architecture.2.1.weight`,
            `${cell}.cell_architecture.2.2`,
            [c, c, 1, 1],
            1,
            0,
            hw
          )
          checkConv(
            `${cell}.cell_architecture_back.5.1`,
            `${cell}.cell_architecture_back.5.1.weight`,
            `${cell}.cell_architecture_back.5.2`,
            [c, c, 3, 3],
            1,
            1,
            hw
          )
          expect(field(`${cell}.cell_architecture.4`, "kernel_size").values).toEqual([3, 3])
          expect(field(`${cell}.cell_architecture.4`, "stride").values).toEqual([1, 1])
          expect(field(`${cell}.cell_architecture.4`, "padding").values).toEqual([1, 1])
          for (const delay of [1, 5]) {
            expect(field(`${cell}.cell_architecture_back.${delay}.delay`, "delay")).toMatchObject({
              dtype: "float32",
              shape: [c, hw, hw]
            })
            expect(new Set(numbers(`${cell}.cell_architecture_back.${delay}.delay`, "delay"))).toEqual(
              new Set([1])
            )
          }
        }
        checkConv("downconv1.2", "downconv1.2.weight", "downconv1.3", [8, 4, 3, 3], 1, 1, 28)
        // every LIF: τ = 4/3 ms, θ' = the float32 below 1, hard reset to 0
        const lifs = Object.entries(dump.nodes).filter(([, n]) => n.type === "LIF")
        expect(lifs).toHaveLength(2 * 4 + 3)
        for (const [name] of lifs) {
          expect(new Set(numbers(name, "tau")), name).toEqual(new Set([Math.fround(4 / 3)]))
          expect(new Set(numbers(name, "v_threshold")), name).toEqual(new Set([float32Below(1)]))
          expect(new Set(numbers(name, "v_reset")), name).toEqual(new Set([0]))
          for (const f of ["tau", "r", "v_leak", "v_threshold", "v_reset"])
            expect(field(name, f).dtype).toBe("float32")
        }
        expect(float32Below(1)).toBe(1 - 2 ** -24)
        expect(field("cell1.cell_architecture.0.0", "tau").shape).toEqual([4, 28, 28])
        expect(new Set(numbers("cell2.cell_architecture.3.0", "r"))).toEqual(new Set([1]))
        expect(new Set(numbers("classifier.2", "v_leak"))).toEqual(new Set([0]))
        expect(field("classifier.2", "tau").shape).toEqual([256])
        // BN → LIF: R = s, v_leak = b per channel
        for (const [lif, bn, c, hw] of [
          ["downconv1.1", "downconv1.0", 4, 28],
          ["last_act.1", "last_act.0", 8, 14]
        ] as const) {
          const { scale, shift } = affine(bn)
          expect(field(lif, "r").shape).toEqual([c, hw, hw])
          const perChannel = (v: ReadonlyArray<number>) =>
            Array.from({ length: c * hw * hw }, (_, i) => v[Math.floor(i / (hw * hw))])
          close(numbers(lif, "r"), perChannel(scale), `${lif}.r`)
          close(numbers(lif, "v_leak"), perChannel(shift), `${lif}.v_leak`)
        }
        expect(field("resdownsample1", "kernel_size").values).toEqual([2, 2])
        expect(field("resdownsample2", "stride").values).toEqual([2, 2])
        expect(field("resdownsample2", "padding").values).toEqual([0, 0])
        expect(field("flatten", "input_type")).toEqual({ dtype: "int64", shape: [3], values: [8, 7, 7] })
        expect(field("flatten", "start_dim").values).toEqual([0])
        expect(field("flatten", "end_dim").values).toEqual([-1])
        expect(field("classifier.1", "weight").shape).toEqual([256, 392])
        expect(numbers("classifier.1", "weight")).toEqual(Array.from(w("classifier.1.weight")))
        expect(field("classifier.3", "weight").shape).toEqual([100, 256])
        expect(numbers("classifier.3", "weight")).toEqual(Array.from(w("classifier.3.weight")))
        expect(numbers("classifier.3", "bias")).toEqual(Array.from(w("classifier.3.bias")))
        const boost = numbers("boost", "weight")
        expect(field("boost", "weight").shape).toEqual([10, 100])
        for (let k = 0; k < 10; k++)
          for (let o = 0; o < 100; o++)
            expect(boost[k * 100 + o]).toBe(Math.floor(o / 10) === k ? Math.fround(0.1) : 0)
        expect(field("input", "shape")).toEqual({ dtype: "int64", shape: [3], values: [1, 28, 28] })
        expect(field("output", "shape").values).toEqual([10])
        expect(dump.metadata.timesteps?.values).toEqual([5])
        expect(dump.metadata.architecture?.values).toEqual([mixed])
        net.dispose()
        fs.rmSync(dir, { recursive: true, force: true })
      }).pipe(Effect.provide(Layer.merge(layers, Backend.layerWasm()))),
    60_000
  )

  it.effect(
    "re-simulated from the file, the graph gives the model's spikes (per LIF layer and step) and logits on test images",
    () =>
      Effect.gen(function* () {
        const loader = yield* Loader.DatasetLoader
        const batch = (yield* Stream.runCollect(
          loader.batches({
            split: "test",
            batchSize: 4,
            seed: 0,
            epoch: 0,
            shuffle: false,
            augment: false,
            take: 1
          })
        ))[0] as DatasetLoader.ImageBatch
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-nir-sim-"))
        const cases = [
          { text: mixed, cellType: "backward", kernels: [1, 3], T: 5 },
          { text: "0302 0030 3003 0000", cellType: "backward", kernels: [3, 5], T: 4 },
          { text: "0314 0021 0003 0000", cellType: "forward", kernels: [1, 3], T: 3 },
          // two skip paths 0→2 and 0→1→2: node 2 sums the cell input twice (a Scale of 2)
          { text: "0113 0010 0002 0000", cellType: "forward", kernels: [1, 3], T: 3 }
        ] as const
        for (const [i, c] of cases.entries()) {
          const before = tf.memory().numTensors
          const { arch, net } = yield* randomNetwork(c.text, c.cellType, c.kernels, 10 + i)
          // the second case goes through the PyTorch layout
          const model = yield* weightsFile(net, dir, i === 1 ? "torch" : "tfjs")
          const out = path.join(dir, `model-${i}.nir`)
          const summary = yield* exportNir(exportConfig(model, out, { timesteps: c.T }), arch, net.config)
          expect(summary.layout).toBe(i === 1 ? "torch" : "tfjs")
          expect(summary.types.Scale ?? 0).toBe(i === 3 ? 2 : 0)
          const graph = yield* NirFile.read(out)
          const images = tf.tensor4d(batch.images, [batch.size, ...batch.imageShape])
          const modelSpikes = new Map<string, Array<number>>()
          const logits = Network.forward(net, images, {
            timesteps: c.T,
            training: false,
            onSpikes: (layer, _t, spikes) => {
              const list = modelSpikes.get(layer) ?? []
              list.push(tf.tidy(() => tf.sum(spikes).dataSync()[0]))
              modelSpikes.set(layer, list)
            }
          })
          const expected = Float32Array.from(logits.dataSync())
          logits.dispose()
          const sim = simulate(graph, images, c.T, 1)
          images.dispose()
          expect(new Map([...sim.spikes].sort()), c.text).toEqual(new Map([...modelSpikes].sort()))
          // not vacuous: every layer kind fires
          const total = (name: string) => (modelSpikes.get(name) ?? []).reduce((a, b) => a + b, 0)
          for (const name of ["downconv1.1", "last_act.1", "classifier.2"])
            expect(total(name), `${c.text} ${name}`).toBeGreaterThan(0)
          const cellSpikes = [...modelSpikes.keys()].filter((n) => n.startsWith("cell1.")).map(total)
          expect(Math.max(...cellSpikes), `${c.text} cell1`).toBeGreaterThan(0)
          expect(sim.logits.length).toBe(expected.length)
          let worst = 0
          for (let k = 0; k < expected.length; k++)
            worst = Math.max(worst, Math.abs(sim.logits[k] - expected[k]))
          expect(worst, c.text).toBeLessThan(1e-5)
          net.dispose()
          expect(tf.memory().numTensors).toBe(before)
        }
        fs.rmSync(dir, { recursive: true, force: true })
      }).pipe(
        Effect.provide(
          layerFromSpec({ name: "fashion-mnist-mini" }).pipe(
            Layer.provideMerge(Layer.merge(layers, Backend.layerWasm()))
          )
        )
      ),
    60_000
  )

  it.effect(
    "refuses an existing output, a missing or damaged model and weights of another network, naming the file",
    () =>
      Effect.gen(function* () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spikernel-nir-err-"))
        const { arch, net } = yield* randomNetwork(mixed, "backward", [1, 3], 5)
        const model = yield* weightsFile(net, dir, "tfjs")
        const out = path.join(dir, "model.nir")
        const failure = (effect: Effect.Effect<unknown, NirFile.NirError, never>) =>
          Effect.flip(effect).pipe(Effect.map((e) => ({ reason: e.reason, message: e.message })))
        const run = (cfg: ExportConfig, a = arch) =>
          exportNir(cfg, a, net.config).pipe(Effect.provide(layers))

        fs.writeFileSync(out, "keep me")
        expect(yield* failure(run(exportConfig(model, out)))).toEqual({
          reason: "exists",
          message: `${out}: already exists; pass --force to overwrite it`
        })
        expect(fs.readFileSync(out, "utf8")).toBe("keep me")
        yield* run(exportConfig(model, out, { overwrite: true }))
        expect(fs.readFileSync(out).subarray(1, 4).toString()).toBe("HDF")
        expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([])

        const missing = path.join(dir, "nope.safetensors")
        expect(yield* failure(run(exportConfig(missing, path.join(dir, "a.nir"))))).toEqual({
          reason: "missing",
          message: `${missing}: no such file`
        })
        const damaged = path.join(dir, "damaged.safetensors")
        fs.writeFileSync(damaged, fs.readFileSync(model).subarray(0, 100))
        const bad = yield* failure(run(exportConfig(damaged, path.join(dir, "b.nir"))))
        expect(bad.reason).toBe("damaged")
        expect(bad.message).toMatch(new RegExp(`^${damaged}: is not a readable safetensors file`))
        expect(bad.message).not.toContain("\n")
        const other = yield* Architecture.parseArchitecture("0302 0030 3003 0000", {
          cellType: "backward",
          kernels: [1, 3]
        })
        const mismatch = yield* failure(run(exportConfig(model, path.join(dir, "c.nir")), other))
        expect(mismatch.reason).toBe("mismatch")
        expect(mismatch.message).toMatch(new RegExp(`^${model}: has (a|no) tensor`))
        expect(
          fs.existsSync(path.join(dir, "a.nir")) ||
            fs.existsSync(path.join(dir, "b.nir")) ||
            fs.existsSync(path.join(dir, "c.nir"))
        ).toBe(false)
        net.dispose()
        fs.rmSync(dir, { recursive: true, force: true })
      }).pipe(Effect.provide(Layer.merge(layers, Backend.layerWasm())))
  )
})
