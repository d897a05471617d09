/**
 * Conversion of weight values between the official PyTorch layout and the TensorFlow.js layout the
 * network uses, for safetensors import and export (SNASNET_WEIGHTS.md):
 *
 * - conv: PyTorch OIHW `[out, in, kh, kw]` ↔ tfjs HWIO `[kh, kw, in, out]`;
 * - linear: PyTorch `[out, in]` ↔ tfjs `[in, out]`;
 * - `classifier.1.weight` also reorders its input index: PyTorch flattens the pooled spikes
 *   channel-major (c, h, w), the NHWC network flattens (h, w, c);
 * - BatchNorm vectors and biases are identical in both.
 *
 * @since 0.1.0
 */
import type { WeightSpec } from "./WeightSpecs.ts"

/**
 * For each tfjs flat index, the PyTorch flat index holding the same value.
 *
 * @since 0.1.0
 */
export const torchIndexOf = (spec: WeightSpec): Int32Array => {
  const n = spec.shape.reduce((a, b) => a * b, 1)
  const map = new Int32Array(n)
  if (spec.role === "conv") {
    const [kh, kw, cin, cout] = spec.shape
    let t = 0
    for (let h = 0; h < kh; h++)
      for (let w = 0; w < kw; w++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) map[t++] = ((o * cin + i) * kh + h) * kw + w
    return map
  }
  if (spec.role === "linear-weight") {
    const [fin, fout] = spec.shape
    const rowOf = (r: number): number => {
      if (spec.flattenedFrom === undefined) return r
      // tfjs row r = (h·S + w)·C + c  ↔  PyTorch column c·S·S + h·S + w
      const [sh, sw, c] = spec.flattenedFrom
      const channel = r % c
      const pixel = Math.floor(r / c)
      return channel * sh * sw + pixel
    }
    let t = 0
    for (let r = 0; r < fin; r++) {
      const torchColumn = rowOf(r)
      for (let o = 0; o < fout; o++) map[t++] = o * fin + torchColumn
    }
    return map
  }
  for (let i = 0; i < n; i++) map[i] = i
  return map
}

/**
 * PyTorch values → tfjs values.
 *
 * @since 0.1.0
 */
export const toTfjs = (spec: WeightSpec, torch: Float32Array): Float32Array => {
  const map = torchIndexOf(spec)
  const out = new Float32Array(map.length)
  for (let t = 0; t < map.length; t++) out[t] = torch[map[t]]
  return out
}

/**
 * tfjs values → PyTorch values.
 *
 * @since 0.1.0
 */
export const toTorch = (spec: WeightSpec, tfjs: Float32Array): Float32Array => {
  const map = torchIndexOf(spec)
  const out = new Float32Array(map.length)
  for (let t = 0; t < map.length; t++) out[map[t]] = tfjs[t]
  return out
}
