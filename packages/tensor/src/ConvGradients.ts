/**
 * Convolution and average-pool gradients composed of operations the wasm backend runs fast (XNNPACK
 * convolutions and GEMMs, 4-D transposes, pads). Plain functions over tf ops: they run on any backend and
 * are what the wasm kernels of `WasmKernels.ts` call. NHWC only, dilation 1 (as tfjs's own gradients).
 *
 * Conventions: x [B,H,W,Ci], filter w [kh,kw,Ci,Co], dy [B,Ho,Wo,Co]; forward
 *   y[b,o,p,co] = Σ_{r,t,ci} x[b, o·sh − top + r, p·sw − left + t, ci] · w[r,t,ci,co].
 */
import * as tf from "@tensorflow/tfjs-core"

export type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding
export type DimRoundingMode = "floor" | "round" | "ceil"
type Shape4 = [number, number, number, number]

/**
 * One spatial axis of the input gradient, split into its `s` phases (x index i = s·m + a). Phase a reads
 * dy[m + d] · w[tap] for a few (d, tap) pairs; all phases share one window d ∈ [dMin, dMin + size).
 * `taps[e][a]` is the filter index used at window offset e by phase a, or −1.
 */
export interface PhasePlan {
  readonly stride: number
  readonly dMin: number
  readonly size: number
  readonly taps: ReadonlyArray<ReadonlyArray<number>>
}

/** Derivation: s·m + a = o·s − p + r with r = s·q + ra, ra = (a+p) mod s, ca = ⌊(a+p)/s⌋ ⇒ o = m + ca − q. */
export const phasePlan = (kernel: number, stride: number, padBefore: number): PhasePlan => {
  const entries: Array<{ a: number; d: number; tap: number }> = []
  for (let a = 0; a < stride; a++) {
    const ra = (a + padBefore) % stride
    const ca = Math.floor((a + padBefore) / stride)
    for (let q = 0; stride * q + ra < kernel; q++) entries.push({ a, d: ca - q, tap: stride * q + ra })
  }
  const dMin = Math.min(...entries.map((e) => e.d))
  const dMax = Math.max(...entries.map((e) => e.d))
  const size = dMax - dMin + 1
  const taps = Array.from({ length: size }, () => Array.from({ length: stride }, () => -1))
  for (const e of entries) taps[e.d - dMin]![e.a] = e.tap
  return { stride, dMin, size, taps }
}

/** Crop `x` to rows [top, H − bottom) and columns [left, W − right) (all ≥ 0). */
const crop = (x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D =>
  top === 0 && bottom === 0 && left === 0 && right === 0
    ? x
    : tf.slice(
        x,
        [0, top, left, 0],
        [x.shape[0], x.shape[1] - top - bottom, x.shape[2] - left - right, x.shape[3]]
      )

/** Split a possibly negative padding into (pad ≥ 0, crop ≥ 0). */
const padOrCrop = (p: number): [number, number] => (p >= 0 ? [p, 0] : [0, -p])

/**
 * dL/dx of conv2d. All sh·sw phases are computed by one forward convolution of dy whose output channels
 * are (phase row, phase column, Ci); one 4-D transpose interleaves them. For stride 1 this is the classic
 * "conv of dy with the flipped, in/out-swapped filter".
 */
export const conv2dBackpropInputFast = (
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: DimRoundingMode
): tf.Tensor4D =>
  tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast"
    )
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co } = info
    const { outHeight: Ho, outWidth: Wo, filterHeight: kh, filterWidth: kw } = info
    const sh = info.strideHeight
    const sw = info.strideWidth
    const rows = phasePlan(kh, sh, info.padInfo.top)
    const cols = phasePlan(kw, sw, info.padInfo.left)
    const Hm = Math.ceil(H / sh)
    const Wm = Math.ceil(W / sw)

    // Filter [Dr, Dc, Co, sh·sw·Ci] gathered from rows of w viewed as [kh·kw, Co·Ci] (+ one zero row).
    const zeroRow = kh * kw
    const index = new Int32Array(rows.size * cols.size * sh * sw)
    let n = 0
    for (let er = 0; er < rows.size; er++) {
      for (let ec = 0; ec < cols.size; ec++) {
        for (let a = 0; a < sh; a++) {
          for (let b = 0; b < sw; b++) {
            const r = rows.taps[er]![a]!
            const t = cols.taps[ec]![b]!
            index[n++] = r < 0 || t < 0 ? zeroRow : r * kw + t
          }
        }
      }
    }
    const wRows = tf.concat([
      tf.reshape(tf.transpose(filter, [0, 1, 3, 2]), [kh * kw, Co * Ci]),
      tf.zeros([1, Co * Ci])
    ])
    const gathered = tf.gather(wRows, tf.tensor1d(index, "int32"))
    const phases = sh * sw
    const f =
      phases === 1
        ? tf.reshape(gathered, [rows.size, cols.size, Co, Ci])
        : tf.reshape(
            tf.transpose(tf.reshape(gathered, [rows.size * cols.size, phases, Co, Ci]), [0, 2, 1, 3]),
            [rows.size, cols.size, Co, phases * Ci]
          )

    // Window of dy rows read by output row m: m + dMin … m + dMin + size − 1.
    const [padT, cropT] = padOrCrop(-rows.dMin)
    const [padB, cropB] = padOrCrop(Hm + rows.dMin + rows.size - 1 - Ho)
    const [padL, cropL] = padOrCrop(-cols.dMin)
    const [padR, cropR] = padOrCrop(Wm + cols.dMin + cols.size - 1 - Wo)
    const dyIn = crop(dy, cropT, cropB, cropL, cropR)
    const y = tf.conv2d(dyIn, f as tf.Tensor4D, 1, [
      [0, 0],
      [padT, padB],
      [padL, padR],
      [0, 0]
    ])
    if (phases === 1) return y
    // [B, Hm, Wm, (a, b, ci)] → [B, Hm·sh, Wm·sw, Ci] with one 4-D transpose.
    const interleaved: tf.Tensor4D = tf.reshape(
      tf.transpose(tf.reshape(y, [B * Hm, Wm, sh, sw * Ci]), [0, 2, 1, 3]),
      [B, Hm * sh, Wm * sw, Ci]
    )
    return crop(interleaved, 0, Hm * sh - H, 0, Wm * sw - W)
  })

/**
 * Largest kh·kw for which the stride-1 filter gradient is computed as per-tap GEMMs. Measured on tfjs 4.22
 * wasm (Xeon, 16 cores): with one thread the GEMM form beats the convolution form up to 3×3 (1×1 by
 * 2–3×) and loses from 5×5; with 8 threads only 1×1 still wins — the small GEMMs (Ci × Co outputs) do
 * not spread over threads as the convolution does. The wasm kernel passes the limit for its thread count.
 */
export const gemmFilterGradMaxTaps = (threads: number): number => (threads <= 1 ? 9 : 1)

/**
 * dL/dw of conv2d.
 * - stride 1, kh·kw ≤ `gemmMaxTaps`: one GEMM per tap. With x zero-padded to the (Ho+kh−1)×(Wo+kw−1)
 *   grid and flattened to xᵀ [Ci, N], tap (r,t) reads xᵀ shifted by r·Wp + t columns, so
 *   dw[r,t] = xᵀ[:, off : off+N] · dy_padded [N, Co]; dy is the GEMM weight operand of every tap, packed
 *   once (tfjs caches it per tensor).
 * - otherwise "batch as channels": a convolution of xᵀ [Ci,H,W,B] with dyᵀ [Ho,Wo,B,Co] as its filter,
 *   dilated by the stride, gives [Ci,kh,kw,Co].
 */
export const conv2dBackpropFilterFast = (
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: DimRoundingMode,
  gemmMaxTaps = gemmFilterGradMaxTaps(1)
): tf.Tensor4D =>
  tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast"
    )
    const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo, filterHeight: kh, filterWidth: kw } = info
    const sh = info.strideHeight
    const sw = info.strideWidth
    const top = info.padInfo.top
    const left = info.padInfo.left
    if (sh === 1 && sw === 1 && kh * kw <= gemmMaxTaps) {
      return filterGradGemm(x, dy, info)
    }
    // Rows of x read: (Ho−1)·sh − top + kh − 1 at most; rows below are cropped, rows above padded.
    const [padB, cropB] = padOrCrop(kh + (Ho - 1) * sh - H - top)
    const [padR, cropR] = padOrCrop(kw + (Wo - 1) * sw - W - left)
    const xT = channelsFirstBatchLast(crop(x, 0, cropB, 0, cropR))
    const dyT = tf.transpose(dy, [1, 2, 0, 3])
    const out = tf.conv2d(
      xT,
      dyT,
      1,
      [
        [0, 0],
        [top, padB],
        [left, padR],
        [0, 0]
      ],
      "NHWC",
      [sh, sw]
    )
    return tf.transpose(out, [1, 2, 0, 3])
  })

/**
 * [B,H,W,C] → [C,H,W,B] as two transposes that tfjs 4.22's wasm kernel runs fast ([3,0,1,2], then the
 * inner two axes of a 3-D view): 5.8 ms instead of 9.9 ms for the single [3,1,2,0] at 64×32×32×32.
 */
const channelsFirstBatchLast = (x: tf.Tensor4D): tf.Tensor4D => {
  const [B, H, W, C] = x.shape
  const cbhw = tf.reshape(tf.transpose(x, [3, 0, 1, 2]), [C, B, H * W])
  return tf.reshape(tf.transpose(cbhw, [0, 2, 1]), [C, H, W, B])
}

/** The stride-1 per-tap GEMM form of `conv2dBackpropFilterFast`. */
const filterGradGemm = (x: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D => {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co } = info
  const { outHeight: Ho, outWidth: Wo, filterHeight: kh, filterWidth: kw } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  const Hp = Ho + kh - 1
  const Wp = Wo + kw - 1
  const n = B * Hp * Wp
  const offMax = (kh - 1) * Wp + (kw - 1)
  // xᵀ on the Hp×Wp grid [Ci, B+1, Hp, Wp]: padded by the conv's own top/left padding, cropped or padded at
  // the far side, plus one zero image that the largest tap offset reads into. One transpose, one pad.
  const [padB, cropB] = padOrCrop(Hp - H - top)
  const [padR, cropR] = padOrCrop(Wp - W - left)
  const xT = tf.transpose(crop(x, 0, cropB, 0, cropR), [3, 0, 1, 2])
  const xGrid = tf.pad(xT, [
    [0, 0],
    [0, offMax === 0 ? 0 : 1],
    [top, padB],
    [left, padR]
  ])
  const xTail = tf.reshape(xGrid, [Ci, xGrid.size / Ci])
  const dyGrid =
    kh === 1 && kw === 1
      ? dy
      : tf.pad(dy, [
          [0, 0],
          [0, kh - 1],
          [0, kw - 1],
          [0, 0]
        ])
  const dy2 = tf.reshape(dyGrid, [n, Co])
  const taps: Array<tf.Tensor> = []
  for (let r = 0; r < kh; r++) {
    for (let t = 0; t < kw; t++) {
      const a = offMax === 0 ? xTail : tf.slice(xTail, [0, r * Wp + t], [Ci, n])
      taps.push(tf.matMul(a, dy2))
    }
  }
  return tf.reshape(taps.length === 1 ? taps[0]! : tf.stack(taps), [kh, kw, Ci, Co])
}

/**
 * Insert s−1 zero rows/columns after every row/column of dy (pads of reshaped views, no strided writes):
 * [B,Ho,Wo,C] → [B,Ho·sh,Wo·sw,C].
 */
const zeroInsert = (dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D => {
  const [B, Ho, Wo, C] = dy.shape
  let u: tf.Tensor = dy
  if (sw > 1) {
    u = tf.reshape(
      tf.pad(tf.reshape(u, [B * Ho * Wo, 1, C]), [
        [0, 0],
        [0, sw - 1],
        [0, 0]
      ]),
      [B, Ho, Wo * sw, C]
    )
  }
  if (sh > 1) {
    u = tf.reshape(
      tf.pad(tf.reshape(u, [B * Ho, 1, Wo * sw * C]), [
        [0, 0],
        [0, sh - 1],
        [0, 0]
      ]),
      [B, Ho * sh, Wo * sw, C]
    )
  }
  return u as tf.Tensor4D
}

/**
 * dL/dx of avgPool with tfjs's semantics (every window divides by kh·kw, padding included — as
 * PyTorch's count_include_pad): a depthwise convolution of the zero-inserted dy with a constant filter.
 */
export const avgPoolGradFast = (
  dy: tf.Tensor4D,
  inputShape: Shape4,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: DimRoundingMode
): tf.Tensor4D =>
  tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(inputShape, filterSize, strides, 1, pad, dimRoundingMode)
    const { inHeight: H, inWidth: W, inChannels: C, filterHeight: kh, filterWidth: kw } = info
    const sh = info.strideHeight
    const sw = info.strideWidth
    if (info.outHeight === 1 && info.outWidth === 1) {
      // One window (global pooling): dx is dy/(kh·kw) broadcast over the window's part of the input. A
      // depthwise conv with an H×W filter would cost H·W multiply-adds per element (≈1.3 s at 32×28×28×32).
      const r0 = Math.max(0, -info.padInfo.top)
      const r1 = Math.min(H, kh - info.padInfo.top)
      const c0 = Math.max(0, -info.padInfo.left)
      const c1 = Math.min(W, kw - info.padInfo.left)
      const mask = tf.pad(tf.fill([1, r1 - r0, c1 - c0, 1], 1 / (kh * kw)), [
        [0, 0],
        [r0, H - r1],
        [c0, W - c1],
        [0, 0]
      ])
      return tf.mul(tf.reshape(dy, [dy.shape[0], 1, 1, C]), mask) as tf.Tensor4D
    }
    const u = zeroInsert(dy, sh, sw)
    // dx[i] = Σ u[v] over v ∈ [i + top − kh + 1, i + top]: a correlation with pad (kh − 1 − top).
    const [padT, cropT] = padOrCrop(kh - 1 - info.padInfo.top)
    const [padB, cropB] = padOrCrop(H - u.shape[1] + info.padInfo.top)
    const [padL, cropL] = padOrCrop(kw - 1 - info.padInfo.left)
    const [padR, cropR] = padOrCrop(W - u.shape[2] + info.padInfo.left)
    const ones = tf.fill([kh, kw, C, 1], 1 / (kh * kw)) as tf.Tensor4D
    return tf.depthwiseConv2d(crop(u, cropT, cropB, cropL, cropR), ones, 1, [
      [0, 0],
      [padT, padB],
      [padL, padR],
      [0, 0]
    ])
  })
