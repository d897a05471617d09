/**
 * A trained SNASNet network as an NIR graph (Neuromorphic Intermediate Representation,
 * neuromorphs/NIR), as plain data: named nodes with their NIR type and parameters, and edges. The
 * HDF5 file is `NirFile`'s business; this module only decides what maps to what.
 *
 * Layout: NIR's (and PyTorch's) channel-first — a feature map is [C, H, W], a conv weight OIHW
 * [out, in, kh, kw], a Linear/Affine weight [out, in]; the flatten before `classifier.1` is
 * channel-major. Node names are the official module names (SNASNET_WEIGHTS.md).
 *
 * What maps to what (one NIR timestep = one SNASNet timestep):
 *
 * | SNASNet (METHOD.md §1)                    | NIR                                                         |
 * |-------------------------------------------|-------------------------------------------------------------|
 * | image, the same at every step (direct)    | `input` (Input [Cin, H, W]); the stem runs at every step     |
 * | Conv(no bias) → BN (stem, conv ops, downconv1.2–3) | one Conv2d, BN folded in: weight·s, bias b (`foldBatchNorm`) |
 * | BN → LIF (`downconv1.0–1`, `last_act.0–1`) | one LIF with r = s, v_leak = b per channel (exact, see below)   |
 * | LIF (conv ops' `.0`, `classifier.2`)       | LIF (τ = 4/3·dt, r = 1, v_leak = 0, v_reset = 0)             |
 * | skip op                                   | edges (NIR sums a node's inputs)                             |
 * | avg-pool op, AvgPool2d(3,1,1), count_include_pad | AvgPool2d kernel 3, stride 1, padding 1 (NIR: sum / k²)  |
 * | zero op                                   | nothing                                                      |
 * | backward edge j→i (value of step t−1)     | the op, then a Delay of one dt, into node i: a cycle          |
 * | resdownsample1/2                          | AvgPool2d (2, 2, 0) and (p2, p2, 0)                          |
 * | flatten → dropout (off) → classifier.1    | Flatten (start 0) → Linear                                   |
 * | classifier.3 (+bias) → boost AvgPool1d(g) | Affine → Linear with entries 1/g (the group mean)            |
 * | logits = mean over T                      | the mean over T steps of `output` (not a node: NIR has none) |
 *
 * A node that sums several contributions (a cell's node value e_j) is not a node: every consumer
 * gets an edge from every contribution; one repeated k times (two skip paths) goes through a Scale
 * node of k, since edges are a set.
 *
 * Units and the neuron: NIR's LIF is τ·dv/dt = (v_leak − v) + R·I, spike when v > v_threshold,
 * then v ← v_reset. Integrated by forward Euler with the step dt, v[t] = v[t−1] + (dt/τ)·(v_leak −
 * v[t−1] + R·I[t]); with τ = (4/3)·dt, R = 1, v_leak = 0 this is SpikingJelly's
 * v[t] = 0.25·v[t−1] + 0.75·x[t] exactly, and with R = s, v_leak = b it is that LIF after a BN
 * y = s·x + b. Time is in milliseconds (NIR's unit for τ and delays), dt = 1 ms per timestep, so
 * τ = 4/3 ms and every Delay is 1 ms; voltages are the model's dimensionless units (θ = 1) and R is
 * dimensionless. SpikingJelly fires at v ≥ θ (H(0) = 1), NIR at v > v_threshold: v_threshold is the
 * largest float32 below θ (0.99999994), which makes the two the same test on float32 membranes.
 *
 * @since 0.1.0
 */
import { Architecture, KernelSet } from "@spikernel/core"
import { type Network, WeightLayout } from "@spikernel/spaces"
import { foldBatchNorm, inferenceAffine } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"

// ------------------------------------------------------------------------------------ the data

/**
 * An array parameter: float32 or int64, row-major with its shape.
 *
 * @since 0.1.0
 */
export type NirArray =
  | { readonly kind: "f32"; readonly shape: ReadonlyArray<number>; readonly data: Float32Array }
  | { readonly kind: "i64"; readonly shape: ReadonlyArray<number>; readonly data: BigInt64Array }

/**
 * A parameter: an array or a string.
 *
 * @since 0.1.0
 */
export type NirValue = NirArray | string

/**
 * One node: its NIR type (`Conv2d`, `LIF`, …) and parameters by NIR's field names.
 *
 * @since 0.1.0
 */
export interface NirNode {
  readonly type: string
  readonly params: Readonly<Record<string, NirValue>>
}

/**
 * A graph: nodes by name (in network order), edges (source, target), and metadata (informative
 * only, as NIR requires: the graph is executable without it).
 *
 * @since 0.1.0
 */
export interface NirGraph {
  readonly nodes: ReadonlyMap<string, NirNode>
  readonly edges: ReadonlyArray<readonly [string, string]>
  readonly metadata: Readonly<Record<string, NirValue>>
}

/**
 * The NIR release whose HDF5 layout the files follow (`nir/serialization.py`).
 *
 * @since 0.1.0
 */
export const nirVersion = "1.0.7"

/**
 * Milliseconds per timestep (NIR's time unit is the millisecond).
 *
 * @since 0.1.0
 */
export const timestepMs = 1

/**
 * The largest float32 below a positive float32 `x`: NIR's `v > θ'` equals `v ≥ x` on float32 `v`.
 *
 * @since 0.1.0
 */
export const float32Below = (x: number): number => {
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, x)
  view.setUint32(0, view.getUint32(0) - 1)
  return view.getFloat32(0)
}

/**
 * A float32 array of `shape`.
 *
 * @since 0.1.0
 */
export const f32 = (shape: ReadonlyArray<number>, data: Float32Array): NirArray => ({
  kind: "f32",
  shape,
  data
})

/**
 * An int64 vector, or a scalar with `shape` [].
 *
 * @since 0.1.0
 */
export const i64 = (
  values: ReadonlyArray<number>,
  shape: ReadonlyArray<number> = [values.length]
): NirArray => ({
  kind: "i64",
  shape,
  data: BigInt64Array.from(values.map((v) => BigInt(v)))
})

const size = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, 1)

const filled = (shape: ReadonlyArray<number>, value: number): NirArray =>
  f32(shape, new Float32Array(size(shape)).fill(value))

/** A per-channel vector [C] repeated over [C, H, W]. */
const perChannel = (values: Float32Array, shape: readonly [number, number, number]): NirArray => {
  const [c, h, w] = shape
  const out = new Float32Array(c * h * w)
  for (let k = 0; k < c; k++) out.fill(values[k], k * h * w, (k + 1) * h * w)
  return f32(shape, out)
}

// --------------------------------------------------------------------------------- the neuron

/**
 * The LIF the graph's neurons are (METHOD.md §2: τ = 4/3 steps, θ = 1, hard reset to 0).
 *
 * @since 0.1.0
 */
export interface LifParameters {
  /** In timesteps. */
  readonly tau: number
  readonly threshold: number
}

/**
 * A LIF node over `shape` with per-neuron R and v_leak (1 and 0 without a BatchNorm before it).
 *
 * @since 0.1.0
 */
const lifNode = (
  lif: LifParameters,
  shape: ReadonlyArray<number>,
  input: { readonly r: NirArray; readonly vLeak: NirArray } | undefined
): NirNode => ({
  type: "LIF",
  params: {
    tau: filled(shape, lif.tau * timestepMs),
    r: input?.r ?? filled(shape, 1),
    v_leak: input?.vLeak ?? filled(shape, 0),
    v_threshold: filled(shape, float32Below(lif.threshold)),
    v_reset: filled(shape, 0)
  }
})

// ----------------------------------------------------------------------------------- the graph

/**
 * The NIR graph of a network with its current weights (BatchNorm in evaluation mode: running
 * statistics). `timesteps` is recorded in the metadata (the readout averages over it).
 *
 * @since 0.1.0
 */
export const nirGraph = (
  network: Network.Network,
  options: { readonly timesteps: number; readonly lif: LifParameters }
): NirGraph => {
  const { arch, config } = network
  const [c1, c2] = config.widths
  const h0 = Math.floor((config.inputSize - 1) / config.stemStride) + 1
  const h1 = Math.floor(h0 / 2)
  const s = Math.floor(h1 / config.secondPool)
  const nodes = new Map<string, NirNode>()
  const edges: Array<readonly [string, string]> = []
  const variable = (name: string): tf.Tensor => {
    const v = network.variables.get(name)
    if (v === undefined) throw new RangeError(`the network has no weight "${name}"`)
    return v
  }
  const bnOf = (prefix: string) => ({
    gamma: variable(`${prefix}.weight`),
    beta: variable(`${prefix}.bias`),
    runningMean: variable(`${prefix}.running_mean`),
    runningVar: variable(`${prefix}.running_var`)
  })
  const add = (name: string, node: NirNode) => {
    if (nodes.has(name)) throw new RangeError(`NIR node "${name}" defined twice`)
    nodes.set(name, node)
  }
  /** Edges into `target` from each term of a sum (a term repeated k times through a Scale of k). */
  const connect = (terms: ReadonlyArray<string>, target: string, shape: ReadonlyArray<number>) => {
    const counts = new Map<string, number>()
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1)
    for (const [term, k] of counts) {
      if (k === 1) {
        edges.push([term, target])
      } else {
        const scale = `${target}.input.${term}.x${k}`
        add(scale, { type: "Scale", params: { scale: filled(shape, k) } })
        edges.push([term, scale], [scale, target])
      }
    }
  }
  /** Conv(no bias) → BN folded into one Conv2d (weight OIHW). */
  const conv = (
    name: string,
    convWeight: string,
    bn: string,
    inputHw: number,
    stride: number,
    pad: number
  ) => {
    const spec = network.specs.find((sp) => sp.name === convWeight)
    if (spec === undefined) throw new RangeError(`the network has no weight "${convWeight}"`)
    const folded = foldBatchNorm(variable(convWeight) as tf.Tensor4D, bnOf(bn))
    try {
      const weight = WeightLayout.toTorch(spec, folded.weight.dataSync() as Float32Array)
      add(name, {
        type: "Conv2d",
        params: {
          weight: f32(spec.torchShape, weight),
          bias: f32([spec.torchShape[0]], Float32Array.from(folded.bias.dataSync())),
          stride: i64([stride, stride]),
          padding: i64([pad, pad]),
          dilation: i64([1, 1]),
          groups: i64([1], []),
          input_shape: i64([inputHw, inputHw])
        }
      })
    } finally {
      tf.dispose([folded.weight, folded.bias])
    }
  }
  /** BN → LIF as one LIF with R = s and v_leak = b per channel. */
  const bnLif = (name: string, bn: string, shape: readonly [number, number, number]) => {
    const affine = inferenceAffine(bnOf(bn))
    try {
      add(
        name,
        lifNode(options.lif, shape, {
          r: perChannel(affine.scale.dataSync() as Float32Array, shape),
          vLeak: perChannel(affine.shift.dataSync() as Float32Array, shape)
        })
      )
    } finally {
      tf.dispose([affine.scale, affine.shift])
    }
  }
  const avgPool = (name: string, k: number, stride: number, pad: number) =>
    add(name, {
      type: "AvgPool2d",
      params: { kernel_size: i64([k, k]), stride: i64([stride, stride]), padding: i64([pad, pad]) }
    })

  /** A cell's nodes; returns the terms whose sum is its output x3. */
  const cell = (name: "cell1" | "cell2", c: number, hw: number, inputTerms: ReadonlyArray<string>) => {
    const shape = [c, hw, hw] as const
    const m = arch.matrix
    const pool = KernelSet.avgPoolOp(arch.kernels)
    /** The op of one edge from a node whose value is the sum of `source`; returns its terms. */
    const op = (code: number, prefix: string, source: ReadonlyArray<string>): ReadonlyArray<string> => {
      if (code === 0) return []
      if (code === 1) return source
      if (code === pool) {
        avgPool(prefix, 3, 1, 1)
        connect(source, prefix, shape)
        return [prefix]
      }
      const kernel = KernelSet.kernelOfOp(arch.kernels, code)
      if (kernel === undefined) throw new RangeError(`op ${code} is not an op of kernel set ${arch.kernels}`)
      // LIF → Conv → BN; a conv op of an empty node still runs (its output is the folded bias).
      add(`${prefix}.0`, lifNode(options.lif, shape, undefined))
      connect(source, `${prefix}.0`, shape)
      conv(`${prefix}.1`, `${prefix}.1.weight`, `${prefix}.2`, hw, 1, Math.floor(kernel / 2))
      edges.push([`${prefix}.0`, `${prefix}.1`])
      return [`${prefix}.1`]
    }
    // F_i: the Delay nodes of the backward edges into node i, named before the forward pass uses them
    const backward = arch.cellType === "backward"
    const delayOf = (b: number) => `${name}.cell_architecture_back.${b}.delay`
    const feedback: Array<Array<string>> = [[], [], []]
    if (backward) {
      Architecture.backwardEdges.forEach(([j, i], b) => {
        if (m[j][i] !== 0) feedback[i].push(delayOf(b))
      })
    }
    const x: Array<ReadonlyArray<string>> = [inputTerms, [], [], []]
    const e: Array<ReadonlyArray<string>> = [[...inputTerms, ...feedback[0]], [], [], []]
    for (let j = 1; j <= 3; j++) {
      const incoming: Array<string> = []
      Architecture.forwardEdges.forEach(([i, to], f) => {
        if (to === j) incoming.push(...op(m[i][j], `${name}.cell_architecture.${f}`, e[i]))
      })
      x[j] = incoming
      e[j] = j < 3 ? [...incoming, ...feedback[j]] : incoming
    }
    if (backward) {
      Architecture.backwardEdges.forEach(([j, i], b) => {
        if (m[j][i] === 0) return
        const out = op(m[j][i], `${name}.cell_architecture_back.${b}`, j === 3 ? x[3] : e[j])
        // the value of step t reaches node i at step t + 1
        add(delayOf(b), { type: "Delay", params: { delay: filled(shape, timestepMs) } })
        connect(out, delayOf(b), shape)
      })
    }
    return x[3]
  }

  add("input", {
    type: "Input",
    params: { shape: i64([config.inputChannels, config.inputSize, config.inputSize]) }
  })
  conv("stem", "stem.0.weight", "stem.1", config.inputSize, config.stemStride, 1)
  edges.push(["input", "stem"])
  const cell1 = cell("cell1", c1, h0, ["stem"])
  bnLif("downconv1.1", "downconv1.0", [c1, h0, h0])
  connect(cell1, "downconv1.1", [c1, h0, h0])
  conv("downconv1.2", "downconv1.2.weight", "downconv1.3", h0, 1, 1)
  edges.push(["downconv1.1", "downconv1.2"])
  avgPool("resdownsample1", 2, 2, 0)
  edges.push(["downconv1.2", "resdownsample1"])
  const cell2 = cell("cell2", c2, h1, ["resdownsample1"])
  bnLif("last_act.1", "last_act.0", [c2, h1, h1])
  connect(cell2, "last_act.1", [c2, h1, h1])
  avgPool("resdownsample2", config.secondPool, config.secondPool, 0)
  edges.push(["last_act.1", "resdownsample2"])
  add("flatten", {
    type: "Flatten",
    params: { input_type: i64([c2, s, s]), start_dim: i64([0], []), end_dim: i64([-1], []) }
  })
  edges.push(["resdownsample2", "flatten"])
  const torchValues = (
    name: string
  ): { readonly shape: ReadonlyArray<number>; readonly data: Float32Array } => {
    const spec = network.specs.find((sp) => sp.name === name)
    if (spec === undefined) throw new RangeError(`the network has no weight "${name}"`)
    return {
      shape: spec.torchShape,
      data: WeightLayout.toTorch(spec, variable(name).dataSync() as Float32Array)
    }
  }
  const fc1 = torchValues("classifier.1.weight")
  add("classifier.1", { type: "Linear", params: { weight: f32(fc1.shape, fc1.data) } })
  edges.push(["flatten", "classifier.1"])
  add("classifier.2", lifNode(options.lif, [config.hidden], undefined))
  edges.push(["classifier.1", "classifier.2"])
  const fc2 = torchValues("classifier.3.weight")
  const fc2Bias = torchValues("classifier.3.bias")
  add("classifier.3", {
    type: "Affine",
    params: { weight: f32(fc2.shape, fc2.data), bias: f32(fc2Bias.shape, fc2Bias.data) }
  })
  edges.push(["classifier.2", "classifier.3"])
  // boost: AvgPool1d(g, g) over the class-major outputs (class k owns outputs k·g … k·g + g − 1)
  const g = config.groupSize
  const outputs = config.classes * g
  const boost = new Float32Array(config.classes * outputs)
  for (let k = 0; k < config.classes; k++) boost.fill(1 / g, k * outputs + k * g, k * outputs + (k + 1) * g)
  add("boost", { type: "Linear", params: { weight: f32([config.classes, outputs], boost) } })
  edges.push(["classifier.3", "boost"])
  add("output", { type: "Output", params: { shape: i64([config.classes]) } })
  edges.push(["boost", "output"])

  return {
    nodes,
    edges,
    metadata: {
      source: "spikernel",
      architecture: Architecture.formatArchitecture(arch),
      cell_type: arch.cellType,
      kernels: i64([...arch.kernels]),
      widths: i64([c1, c2]),
      timesteps: i64([options.timesteps], []),
      dt_ms: f32([], Float32Array.of(timestepMs)),
      input: "the normalised image, the same at every timestep (direct encoding)",
      readout: "logits = mean over the timesteps of output; prediction = argmax",
      neuron:
        "LIF by forward Euler with dt = 1 ms: v += dt/tau*(v_leak - v + r*I); spike if v > v_threshold; then v = v_reset"
    }
  }
}
