/**
 * Weights between the official PyTorch layout (as in a SNASNet `state_dict`, SNASNET_WEIGHTS.md)
 * and the TensorFlow.js layout of our network. Names are the official module names unchanged
 * (`stem.0.weight`, `cell1.cell_architecture.0.1.weight`, `classifier.1.weight`, …); only the
 * layouts differ:
 *
 * | tensor | PyTorch | TensorFlow.js | conversion |
 * |---|---|---|---|
 * | conv weight (rank 4) | OIHW [out, in, kh, kw] | HWIO [kh, kw, in, out] | transpose (2, 3, 1, 0) |
 * | linear weight (rank 2) | [out, in] | [in, out] | transpose |
 * | `classifier.1.weight` | [Hfc, C·S·S], inputs in C, H, W order | [S·S·C, Hfc], inputs in H, W, C order | transpose + permute the inputs CHW → HWC |
 * | BN weight/bias/running stats, linear bias (rank 1) | [C] | [C] | none |
 * | `num_batches_tracked` (I64 scalar) | [] | — | not a weight: skipped on import, written as 0 on export |
 *
 * `classifier.1` reads the pooled `last_act` spikes flattened; PyTorch flattens NCHW as c·S·S + h·S
 * + w, our NHWC tensors flatten as (h·S + w)·C + c, so its input columns are permuted.
 *
 * @since 0.1.0
 */
import type { SafeTensor } from "./Safetensors.ts"

/**
 * [C, S, S] of the tensor `classifier.1` reads (C2 channels, S×S after the second pool).
 *
 * @since 0.1.0
 */
export interface ClassifierInput {
  readonly channels: number
  readonly height: number
  readonly width: number
}

/**
 * A tensor in the TensorFlow.js layout.
 *
 * @since 0.1.0
 */
export interface TfWeight {
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}

/** The classifier's first linear layer: the only weight whose inputs are spatially flattened. */
export const classifierInputWeight = "classifier.1.weight"

const f16ToF32 = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

/**
 * A floating tensor's values as float32; undefined for integer and boolean dtypes.
 *
 * @since 0.1.0
 */
export const floatValues = (tensor: SafeTensor): Float32Array | undefined => {
  switch (tensor.dtype) {
    case "F32":
      return tensor.data as Float32Array
    case "F64":
      return Float32Array.from(tensor.data as Float64Array)
    case "BF16": {
      const raw = tensor.data as Uint16Array
      const bits = new Uint32Array(raw.length)
      for (let i = 0; i < raw.length; i++) bits[i] = raw[i] << 16
      return new Float32Array(bits.buffer)
    }
    case "F16":
      return Float32Array.from(tensor.data as Uint16Array, f16ToF32)
    default:
      return undefined
  }
}

/**
 * OIHW → HWIO.
 *
 * @since 0.1.0
 */
export const oihwToHwio = (values: Float32Array, shape: ReadonlyArray<number>): TfWeight => {
  const [o, i, h, w] = shape
  const out = new Float32Array(values.length)
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = values[((a * i + b) * h + y) * w + x]
  return { shape: [h, w, i, o], values: out }
}

/**
 * HWIO → OIHW.
 *
 * @since 0.1.0
 */
export const hwioToOihw = (values: Float32Array, shape: ReadonlyArray<number>): TfWeight => {
  const [h, w, i, o] = shape
  const out = new Float32Array(values.length)
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((a * i + b) * h + y) * w + x] = values[((y * w + x) * i + b) * o + a]
  return { shape: [o, i, h, w], values: out }
}

/**
 * The input index of NHWC position (h, w, c) in PyTorch's NCHW flattening.
 *
 * @since 0.1.0
 */
const chwIndex = (input: ClassifierInput, hwc: number): number => {
  const c = hwc % input.channels
  const hw = (hwc - c) / input.channels
  return c * input.height * input.width + hw
}

/**
 * PyTorch linear [out, in] → tfjs [in, out]; with `input`, the inputs are also permuted CHW → HWC.
 *
 * @since 0.1.0
 */
export const linearToTf = (
  values: Float32Array,
  shape: ReadonlyArray<number>,
  input?: ClassifierInput
): TfWeight => {
  const [outs, ins] = shape
  const out = new Float32Array(values.length)
  for (let r = 0; r < ins; r++) {
    const source = input === undefined ? r : chwIndex(input, r)
    for (let o = 0; o < outs; o++) out[r * outs + o] = values[o * ins + source]
  }
  return { shape: [ins, outs], values: out }
}

/**
 * tfjs [in, out] → PyTorch [out, in]; with `input`, the inputs go back HWC → CHW.
 *
 * @since 0.1.0
 */
export const linearToTorch = (
  values: Float32Array,
  shape: ReadonlyArray<number>,
  input?: ClassifierInput
): TfWeight => {
  const [ins, outs] = shape
  const out = new Float32Array(values.length)
  for (let r = 0; r < ins; r++) {
    const target = input === undefined ? r : chwIndex(input, r)
    for (let o = 0; o < outs; o++) out[o * ins + target] = values[r * outs + o]
  }
  return { shape: [outs, ins], values: out }
}

/**
 * A PyTorch-layout tensor converted to the tfjs layout, by rank (see the table above).
 *
 * @since 0.1.0
 */
export const torchToTf = (
  name: string,
  values: Float32Array,
  shape: ReadonlyArray<number>,
  classifierInput?: ClassifierInput
): TfWeight => {
  if (shape.length === 4) return oihwToHwio(values, shape)
  if (shape.length === 2)
    return linearToTf(values, shape, name === classifierInputWeight ? classifierInput : undefined)
  return { shape, values }
}

/**
 * A tfjs-layout tensor converted to the PyTorch layout.
 *
 * @since 0.1.0
 */
export const tfToTorch = (
  name: string,
  values: Float32Array,
  shape: ReadonlyArray<number>,
  classifierInput?: ClassifierInput
): TfWeight => {
  if (shape.length === 4) return hwioToOihw(values, shape)
  if (shape.length === 2)
    return linearToTorch(values, shape, name === classifierInputWeight ? classifierInput : undefined)
  return { shape, values }
}
