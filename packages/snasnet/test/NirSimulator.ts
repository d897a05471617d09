/**
 * A small NIR simulator for the tests: runs a graph read back from its HDF5 file for T steps of
 * dt, on NHWC tensors, knowing nothing of SNASNet. Each node computes from the sum of its inputs
 * (NIR's rule); a Delay node outputs what it received one dt earlier (zero at the first step), so
 * it is what breaks a cycle; the other nodes run in topological order of the edges that do not
 * leave a Delay. The LIF is NIR's τ·dv/dt = (v_leak − v) + R·I by forward Euler with the step dt,
 * spike when v > v_threshold, then v ← v_reset; AvgPool2d sums its window and divides by k².
 */
import { avgPool2dIncludePad } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import type { NirArray, NirGraph, NirValue } from "../src/Nir.ts"

const array = (value: NirValue | undefined, what: string): NirArray => {
  if (value === undefined || typeof value === "string") throw new TypeError(`${what} is missing or a string`)
  return value
}
const ints = (value: NirValue | undefined, what: string): Array<number> =>
  Array.from(array(value, what).data, Number)
const floats = (value: NirValue | undefined, what: string): Float32Array => {
  const a = array(value, what)
  if (a.kind !== "f32") throw new TypeError(`${what} is not float32`)
  return a.data
}

/** A [C, H, W] (or [N]) parameter as a tensor that broadcasts over NHWC (or [B, N]) values. */
const broadcastable = (value: NirValue | undefined, what: string): tf.Tensor => {
  const a = array(value, what)
  const data = a.kind === "f32" ? a.data : Float32Array.from(a.data, Number)
  if (a.shape.length === 3)
    return tf.tidy(() => tf.transpose(tf.tensor3d(data, a.shape as [number, number, number]), [1, 2, 0]))
  return tf.tensor(data, [...a.shape])
}

/** What a run gives: logits (mean over T of the output) and each LIF node's spike count per step. */
export interface Simulation {
  readonly logits: Float32Array
  readonly spikes: ReadonlyMap<string, ReadonlyArray<number>>
}

type Op = {
  /** The value from the summed input (undefined = no input, i.e. zero). */
  readonly run: (input: tf.Tensor | undefined) => tf.Tensor | undefined
  readonly dispose: () => void
}

/**
 * Runs `graph` on `images` (NHWC, the same at every step) for `timesteps` steps of `dt`.
 */
export const simulate = (graph: NirGraph, images: tf.Tensor4D, timesteps: number, dt: number): Simulation => {
  const batch = images.shape[0]
  const state = new Map<string, tf.Tensor | undefined>()
  const spikes = new Map<string, Array<number>>()
  const ops = new Map<string, Op>()
  const constants: Array<tf.Tensor> = []
  const keep = <T extends tf.Tensor>(t: T): T => {
    constants.push(t)
    return t
  }
  const zerosOf = (shape: ReadonlyArray<number>): tf.Tensor =>
    shape.length === 3 ? tf.zeros([batch, shape[1], shape[2], shape[0]]) : tf.zeros([batch, ...shape])
  for (const [name, node] of graph.nodes) {
    const p = node.params
    const what = (field: string) => `${name}.${field}`
    switch (node.type) {
      case "Input": {
        const shape = ints(p.shape, what("shape"))
        const given = [images.shape[3], images.shape[1], images.shape[2]]
        if (shape.join() !== given.join()) throw new RangeError(`Input ${shape} but images ${given}`)
        ops.set(name, { run: () => images, dispose: () => {} })
        break
      }
      case "Output":
        ops.set(name, { run: (x) => x, dispose: () => {} })
        break
      case "Conv2d": {
        const w = array(p.weight, what("weight"))
        if (
          ints(p.groups, what("groups"))[0] !== 1 ||
          ints(p.dilation, what("dilation")).some((d) => d !== 1)
        )
          throw new RangeError(`${name}: only groups 1, dilation 1`)
        const [out, cin, kh, kw] = w.shape
        const weight = keep(
          tf.tidy(() => tf.transpose(tf.tensor4d(floats(w, "weight"), [out, cin, kh, kw]), [2, 3, 1, 0]))
        ) as tf.Tensor4D
        const bias = keep(tf.tensor1d(floats(p.bias, what("bias"))))
        const [sh, sw] = ints(p.stride, what("stride"))
        const [ph, pw] = ints(p.padding, what("padding"))
        const [ih, iw] = ints(p.input_shape, what("input_shape"))
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [
          [0, 0],
          [ph, ph],
          [pw, pw],
          [0, 0]
        ]
        ops.set(name, {
          run: (x) =>
            tf.add(
              tf.conv2d((x ?? tf.zeros([batch, ih, iw, cin])) as tf.Tensor4D, weight, [sh, sw], pad),
              bias
            ),
          dispose: () => {}
        })
        break
      }
      case "AvgPool2d": {
        const k = ints(p.kernel_size, what("kernel_size"))
        const stride = ints(p.stride, what("stride"))
        const pad = ints(p.padding, what("padding"))
        ops.set(name, {
          run: (x) =>
            x === undefined
              ? undefined
              : avgPool2dIncludePad(x as tf.Tensor4D, [k[0], k[1]], [stride[0], stride[1]], [pad[0], pad[1]]),
          dispose: () => {}
        })
        break
      }
      case "LIF": {
        const shape = array(p.tau, what("tau")).shape
        const tau = broadcastable(p.tau, what("tau"))
        const dtOverTau = keep(tf.tidy(() => tf.div(dt, tau)))
        tau.dispose()
        const r = keep(broadcastable(p.r, what("r")))
        const vLeak = keep(broadcastable(p.v_leak, what("v_leak")))
        const threshold = keep(broadcastable(p.v_threshold, what("v_threshold")))
        const reset = keep(broadcastable(p.v_reset, what("v_reset")))
        spikes.set(name, [])
        ops.set(name, {
          run: (x) => {
            const input = x ?? zerosOf(shape)
            const v = state.get(name) ?? tf.zerosLike(input)
            const charged = tf.add(v, tf.mul(dtOverTau, tf.add(tf.sub(vLeak, v), tf.mul(r, input))))
            const z = tf.greater(charged, threshold)
            const next = tf.where(z, tf.broadcastTo(reset, charged.shape), charged)
            state.set(name, tf.keep(next))
            v.dispose()
            spikes.get(name)?.push(tf.sum(tf.cast(z, "float32")).dataSync()[0])
            return tf.cast(z, "float32")
          },
          dispose: () => {}
        })
        break
      }
      case "Flatten": {
        const shape = ints(p.input_type, what("input_type"))
        if (ints(p.start_dim, what("start_dim"))[0] !== 0 || ints(p.end_dim, what("end_dim"))[0] !== -1)
          throw new RangeError(`${name}: only start_dim 0, end_dim -1`)
        const total = shape.reduce((a, b) => a * b, 1)
        ops.set(name, {
          // NIR flattens channel-first [C, H, W]: NHWC → NCHW, then rows
          run: (x) =>
            x === undefined ? undefined : tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [batch, total]),
          dispose: () => {}
        })
        break
      }
      case "Linear":
      case "Affine": {
        const w = array(p.weight, what("weight"))
        const weight = keep(tf.tensor2d(floats(w, "weight"), [w.shape[0], w.shape[1]]))
        const bias = node.type === "Affine" ? keep(tf.tensor1d(floats(p.bias, what("bias")))) : undefined
        ops.set(name, {
          run: (x) => {
            if (x === undefined) throw new RangeError(`${name} has no input`)
            const y = tf.matMul(x as tf.Tensor2D, weight, false, true)
            return bias === undefined ? y : tf.add(y, bias)
          },
          dispose: () => {}
        })
        break
      }
      case "Scale": {
        const scale = keep(broadcastable(p.scale, what("scale")))
        ops.set(name, { run: (x) => (x === undefined ? undefined : tf.mul(x, scale)), dispose: () => {} })
        break
      }
      case "Delay": {
        const delay = floats(p.delay, what("delay"))
        if (delay.some((d) => Math.abs(d - dt) > 1e-9)) throw new RangeError(`${name}: only delays of one dt`)
        ops.set(name, { run: () => state.get(name), dispose: () => {} })
        break
      }
      default:
        throw new RangeError(`node ${name}: NIR type ${node.type} is not simulated`)
    }
  }
  // predecessors; the order of the nodes whose inputs are of this step (Delay outputs are known)
  const inputs = new Map<string, Array<string>>([...graph.nodes.keys()].map((n) => [n, []]))
  for (const [a, b] of graph.edges) {
    if (!graph.nodes.has(a) || !graph.nodes.has(b)) throw new RangeError(`edge ${a} → ${b}: no such node`)
    inputs.get(b)?.push(a)
  }
  const isDelay = (n: string) => graph.nodes.get(n)?.type === "Delay"
  const order: Array<string> = []
  const done = new Set<string>()
  const visiting = new Set<string>()
  const visit = (n: string) => {
    if (done.has(n)) return
    if (visiting.has(n)) throw new RangeError(`a cycle without a Delay through ${n}`)
    visiting.add(n)
    for (const from of inputs.get(n) ?? []) if (!isDelay(from)) visit(from)
    visiting.delete(n)
    done.add(n)
    order.push(n)
  }
  for (const n of graph.nodes.keys()) visit(n)
  const outputs = [...graph.nodes].filter(([, node]) => node.type === "Output").map(([n]) => n)
  if (outputs.length !== 1) throw new RangeError(`${outputs.length} Output nodes`)

  let sum: tf.Tensor | undefined
  try {
    for (let t = 0; t < timesteps; t++) {
      const delayed = new Map<string, tf.Tensor | undefined>()
      tf.tidy(() => {
        const values = new Map<string, tf.Tensor | undefined>()
        const summed = (n: string): tf.Tensor | undefined => {
          const terms = (inputs.get(n) ?? []).map((from) => values.get(from)).filter((v) => v !== undefined)
          return terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : tf.addN(terms)
        }
        // a Delay's output is known at the start of the step (what it received one step earlier)
        for (const n of order) if (isDelay(n)) values.set(n, state.get(n))
        for (const n of order) if (!isDelay(n)) values.set(n, (ops.get(n) as Op).run(summed(n)))
        for (const n of graph.nodes.keys()) {
          if (!isDelay(n)) continue
          const next = summed(n)
          delayed.set(n, next === undefined ? undefined : tf.keep(next.clone()))
        }
        const out = values.get(outputs[0])
        if (out === undefined) throw new RangeError("the output has no value")
        const total = sum === undefined ? out.clone() : tf.add(sum, out)
        sum?.dispose()
        sum = tf.keep(total)
      })
      for (const [n, v] of delayed) {
        state.get(n)?.dispose()
        state.set(n, v)
      }
    }
    const logits = tf.tidy(() => tf.div(sum as tf.Tensor, timesteps))
    const values = Float32Array.from(logits.dataSync())
    logits.dispose()
    return { logits: values, spikes }
  } finally {
    sum?.dispose()
    for (const v of state.values()) v?.dispose()
    tf.dispose(constants)
    for (const op of ops.values()) op.dispose()
  }
}
