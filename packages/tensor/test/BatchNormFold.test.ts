/**
 * BatchNorm folding: a convolution followed by an evaluation-mode BatchNorm gives the same outputs
 * as the one folded convolution (within 1e-5), for SNASNet's kernel sizes, a strided stem, a
 * convolution with a bias of its own, and a chain of two folded layers; no tensor is left behind.
 */
import { describe, expect, it } from "@effect/vitest"
import "@tensorflow/tfjs-backend-cpu"
import * as tf from "@tensorflow/tfjs-core"
import { batchNorm } from "../src/BatchNorm.ts"
import { foldBatchNorm, inferenceAffine } from "../src/BatchNormFold.ts"

const evaluation = { training: false, updateRunningStats: false }

/** A BatchNorm over `c` channels with non-trivial statistics (γ of both signs, var far from 1). */
const randomBn = (c: number, seed: number) => ({
  gamma: tf.randomUniform([c], -2, 2, "float32", seed),
  beta: tf.randomUniform([c], -1, 1, "float32", seed + 1),
  // tidy releases the initial values (a variable keeps a copy); variables outlive it
  runningMean: tf.tidy(() => tf.variable(tf.randomUniform([c], -0.5, 0.5, "float32", seed + 2), false)),
  runningVar: tf.tidy(() => tf.variable(tf.randomUniform([c], 0.05, 3, "float32", seed + 3), false))
})

type Bn = ReturnType<typeof randomBn>

const disposeBn = (bn: Bn) => tf.dispose([bn.gamma, bn.beta, bn.runningMean, bn.runningVar])

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])

describe("foldBatchNorm", () => {
  it("folds BN into the convolution before it (kernels 1, 3, 5, 7; stride 1 and 2; with and without a bias)", () => {
    tf.setBackend("cpu")
    const before = tf.memory().numTensors
    const cases = [
      { k: 1, stride: 1, cin: 8, cout: 8, bias: false },
      { k: 3, stride: 1, cin: 8, cout: 8, bias: false },
      { k: 3, stride: 2, cin: 3, cout: 16, bias: false },
      { k: 5, stride: 1, cin: 6, cout: 4, bias: true },
      { k: 7, stride: 1, cin: 4, cout: 6, bias: false }
    ]
    cases.forEach(({ k, stride, cin, cout, bias }, i) => {
      const x = tf.randomNormal([2, 12, 12, cin], 0, 1, "float32", 10 + i) as tf.Tensor4D
      const w = tf.randomUniform([k, k, cin, cout], -0.5, 0.5, "float32", 20 + i) as tf.Tensor4D
      const c = bias ? (tf.randomUniform([cout], -1, 1, "float32", 30 + i) as tf.Tensor1D) : undefined
      const bn = randomBn(cout, 40 + 4 * i)
      const pad = Math.floor(k / 2)
      const reference = tf.tidy(() => {
        const conv = tf.conv2d(x, w, stride, pad)
        return batchNorm(c === undefined ? conv : (tf.add(conv, c) as tf.Tensor4D), bn, evaluation)
      })
      const folded = foldBatchNorm(w, bn, c === undefined ? {} : { bias: c })
      const out = tf.tidy(() => tf.add(tf.conv2d(x, folded.weight, stride, pad), folded.bias))
      expect(out.shape).toEqual(reference.shape)
      expect(maxAbsDiff(out, reference)).toBeLessThan(1e-5)
      // the comparison is not vacuous: the BN moves the outputs far more than the tolerance
      expect(tf.tidy(() => tf.max(tf.abs(reference)).dataSync()[0])).toBeGreaterThan(0.5)
      tf.dispose([x, w, reference, folded.weight, folded.bias, out, ...(c === undefined ? [] : [c])])
      disposeBn(bn)
    })
    expect(tf.memory().numTensors).toBe(before)
  })

  it("a two-layer network (conv → BN → relu → conv → BN) equals its folded twin within 1e-5", () => {
    tf.setBackend("cpu")
    const before = tf.memory().numTensors
    const x = tf.randomNormal([3, 10, 10, 3], 0, 1, "float32", 1) as tf.Tensor4D
    const w1 = tf.randomUniform([3, 3, 3, 8], -0.6, 0.6, "float32", 2) as tf.Tensor4D
    const w2 = tf.randomUniform([1, 1, 8, 5], -0.6, 0.6, "float32", 3) as tf.Tensor4D
    const bn1 = randomBn(8, 4)
    const bn2 = randomBn(5, 8)
    const unfolded = tf.tidy(() => {
      const h = tf.relu(batchNorm(tf.conv2d(x, w1, 1, 1), bn1, evaluation)) as tf.Tensor4D
      return batchNorm(tf.conv2d(h, w2, 1, 0), bn2, evaluation)
    })
    const f1 = foldBatchNorm(w1, bn1)
    const f2 = foldBatchNorm(w2, bn2)
    const folded = tf.tidy(() => {
      const h = tf.relu(tf.add(tf.conv2d(x, f1.weight, 1, 1), f1.bias)) as tf.Tensor4D
      return tf.add(tf.conv2d(h, f2.weight, 1, 0), f2.bias)
    })
    expect(maxAbsDiff(folded, unfolded)).toBeLessThan(1e-5)
    tf.dispose([x, w1, w2, unfolded, folded, f1.weight, f1.bias, f2.weight, f2.bias])
    disposeBn(bn1)
    disposeBn(bn2)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("inferenceAffine is the evaluation-mode BN; a size mismatch is refused", () => {
    tf.setBackend("cpu")
    const before = tf.memory().numTensors
    const bn = randomBn(4, 50)
    const x = tf.randomNormal([2, 3, 3, 4], 0, 2, "float32", 51) as tf.Tensor4D
    const { scale, shift } = inferenceAffine(bn)
    const viaAffine = tf.tidy(() => tf.add(tf.mul(x, scale), shift))
    // batchNorm leaves its evaluation-mode intermediates to the caller's tidy
    const viaBn = tf.tidy(() => batchNorm(x, bn, evaluation))
    expect(maxAbsDiff(viaAffine, viaBn)).toBe(0)
    const w = tf.zeros([3, 3, 4, 6]) as tf.Tensor4D
    expect(() => foldBatchNorm(w, bn)).toThrow(/BatchNorm of 4 channels after a convolution of 6 outputs/)
    tf.dispose([x, scale, shift, viaAffine, viaBn, w])
    disposeBn(bn)
    expect(tf.memory().numTensors).toBe(before)
  })
})
