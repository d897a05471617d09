/**
 * Optimizers against PyTorch's update rules written out in float64 (torch.optim.SGD / Adam, single-tensor
 * path), the official-bug switch, and the schedules' closed forms.
 */
import { describe, expect, it } from "@effect/vitest"
import { learningRate, Optimizer, ScheduleConfig, TrainConfig } from "@spikernel/training"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { beforeAll } from "vitest"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const grads = [
  [0.5, -1, 2],
  [0.25, 0.75, -0.5],
  [-1, 0.1, 0.3]
]
const p0 = [1, -2, 0.5]

/** torch.optim.SGD.step for one parameter over the gradient sequence, in float64. */
const torchSgd = (lr: number, momentum: number, dampening: number, wd: number, nesterov: boolean) => {
  const p = [...p0]
  let buf: Array<number> | undefined
  for (const g of grads) {
    const d = g.map((gi, i) => gi + wd * p[i])
    let step = d
    if (momentum !== 0) {
      buf = buf === undefined ? [...d] : buf.map((b, i) => momentum * b + (1 - dampening) * d[i])
      step = nesterov ? d.map((di, i) => di + momentum * buf![i]) : buf
    }
    for (let i = 0; i < p.length; i++) p[i] -= lr * step[i]
  }
  return p
}

const torchAdam = (lr: number, b1: number, b2: number, eps: number, wd: number) => {
  const p = [...p0]
  const m = [0, 0, 0]
  const v = [0, 0, 0]
  grads.forEach((g0, k) => {
    const t = k + 1
    const g = g0.map((gi, i) => gi + wd * p[i])
    for (let i = 0; i < 3; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i]
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps
      p[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom)
    }
  })
  return p
}

const run = (config: Optimizer.OptimizerConfig) => {
  const optimizer = Optimizer.make(config)
  const w = tf.variable(tf.tensor1d(p0))
  const weights = new Map([["w", w]])
  for (const g of grads) {
    const gt = tf.tensor1d(g)
    optimizer.apply(weights, new Map([["w", gt]]), config.lr)
    gt.dispose()
  }
  const out = Array.from(w.dataSync())
  const buffers = [...optimizer.buffers().keys()]
  optimizer.dispose()
  w.dispose()
  return { out, buffers, steps: optimizer.steps() }
}

const decodeSgd = Schema.decodeUnknownSync(Optimizer.SgdConfig)

describe("SGD", () => {
  it("defaults to SNASNet's intended recipe with weight decay really applied", () => {
    const c = decodeSgd({ kind: "sgd" })
    expect(c).toEqual({
      kind: "sgd",
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      dampening: 0,
      nesterov: false,
      officialBug: false
    })
    expect(Optimizer.effectiveSgd(c)).toEqual({ weightDecay: 5e-4, dampening: 0 })
  })

  it("matches torch.optim.SGD (momentum 0.9, wd 5e-4, first step without dampening)", () => {
    const { out, buffers, steps } = run(
      decodeSgd({ kind: "sgd", lr: 0.1, weightDecay: 5e-4, dampening: 0.3 })
    )
    const want = torchSgd(0.1, 0.9, 0.3, 5e-4, false)
    out.forEach((x, i) => {
      expect(x).toBeCloseTo(want[i], 5)
    })
    expect(buffers).toEqual(["momentum_buffer/w"])
    expect(steps).toBe(3)
  })

  it("officialBug: weight decay 0 and dampening = the weight decay value, as SNASNet's positional call", () => {
    const config = decodeSgd({ kind: "sgd", lr: 0.1, weightDecay: 0.05, officialBug: true })
    expect(Optimizer.effectiveSgd(config)).toEqual({ weightDecay: 0, dampening: 0.05 })
    const { out } = run(config)
    const want = torchSgd(0.1, 0.9, 0.05, 0, false)
    out.forEach((x, i) => {
      expect(x).toBeCloseTo(want[i], 5)
    })
    // ...and it is not the intended recipe.
    const intended = torchSgd(0.1, 0.9, 0, 0.05, false)
    expect(Math.abs(out[0] - intended[0])).toBeGreaterThan(1e-3)
  })

  it("Nesterov and plain SGD (momentum 0) follow the same rules", () => {
    const nesterov = run(decodeSgd({ kind: "sgd", lr: 0.05, nesterov: true }))
    torchSgd(0.05, 0.9, 0, 5e-4, true).forEach((x, i) => {
      expect(nesterov.out[i]).toBeCloseTo(x, 5)
    })
    const plain = run(decodeSgd({ kind: "sgd", lr: 0.05, momentum: 0 }))
    torchSgd(0.05, 0, 0, 5e-4, false).forEach((x, i) => {
      expect(plain.out[i]).toBeCloseTo(x, 5)
    })
    expect(plain.buffers).toEqual([])
  })
})

describe("Adam", () => {
  it("matches torch.optim.Adam with bias correction and L2 weight decay", () => {
    const config = Schema.decodeUnknownSync(Optimizer.AdamConfig)({
      kind: "adam",
      lr: 0.01,
      weightDecay: 0.01
    })
    const { out, buffers } = run(config)
    const want = torchAdam(0.01, 0.9, 0.999, 1e-8, 0.01)
    out.forEach((x, i) => {
      expect(x).toBeCloseTo(want[i], 5)
    })
    expect(buffers.sort()).toEqual(["exp_avg/w", "exp_avg_sq/w"])
  })

  it("restore replaces the state: continuing from restored buffers equals never stopping", () => {
    const config = Schema.decodeUnknownSync(Optimizer.AdamConfig)({ kind: "adam", lr: 0.01 })
    const a = Optimizer.make(config)
    const w = tf.variable(tf.tensor1d(p0))
    const weights = new Map([["w", w]])
    const step = (o: Optimizer.Optimizer, g: Array<number>) => {
      const gt = tf.tensor1d(g)
      o.apply(weights, new Map([["w", gt]]), 0.01)
      gt.dispose()
    }
    step(a, grads[0])
    const b = Optimizer.make(config)
    b.restore(a.steps(), new Map([...a.buffers()].map(([k, t]) => [k, tf.clone(t)])))
    const saved = tf.clone(w)
    step(a, grads[1])
    const fromA = Array.from(w.dataSync())
    w.assign(saved)
    step(b, grads[1])
    expect(Array.from(w.dataSync())).toEqual(fromA)
    for (const t of [saved, w]) t.dispose()
    a.dispose()
    b.dispose()
  })
})

describe("schedules", () => {
  const decode = Schema.decodeUnknownSync(ScheduleConfig)

  it("cosine starts at lr and decays towards lr × 0.01 (CosineAnnealingLR, eta_min = 0.001 at lr 0.1)", () => {
    const cosine = decode({ kind: "cosine" })
    expect(learningRate(cosine, 0.1, 0, 300)).toBeCloseTo(0.1, 12)
    expect(learningRate(cosine, 0.1, 150, 300)).toBeCloseTo(0.0505, 12)
    expect(learningRate(cosine, 0.1, 300, 300)).toBeCloseTo(0.001, 12)
    // PyTorch's recursive form gives the same values: check one step of it.
    const e = 7
    const prev = learningRate(cosine, 0.1, e - 1, 20)
    const recursive =
      0.001 + ((prev - 0.001) * (1 + Math.cos((Math.PI * e) / 20))) / (1 + Math.cos((Math.PI * (e - 1)) / 20))
    expect(learningRate(cosine, 0.1, e, 20)).toBeCloseTo(recursive, 12)
  })

  it("step multiplies by 0.1 at 50% and 75% of the epochs; constant is constant", () => {
    const step = decode({ kind: "step" })
    expect([0, 49, 50, 74, 75, 99].map((e) => learningRate(step, 0.1, e, 100))).toEqual([
      0.1,
      0.1,
      0.1 * 0.1,
      0.1 * 0.1,
      0.1 * 0.1 ** 2,
      0.1 * 0.1 ** 2
    ])
    expect(learningRate(decode({ kind: "constant" }), 0.3, 17, 20)).toBe(0.3)
  })

  it("the training config decodes with SNASNet's defaults and rejects nonsense", () => {
    const c = Schema.decodeUnknownSync(TrainConfig)({ epochs: 3 })
    expect(c.batchSize).toBe(64)
    expect(c.timesteps).toBe(5)
    expect(c.optimizer).toMatchObject({ kind: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 5e-4 })
    expect(c.schedule).toEqual({ kind: "cosine", minFactor: 0.01 })
    expect(() => Schema.decodeUnknownSync(TrainConfig)({ epochs: 0 })).toThrow()
    expect(() =>
      Schema.decodeUnknownSync(TrainConfig)({ epochs: 2, optimizer: { kind: "rmsprop" } })
    ).toThrow()
  })
})
