/**
 * Average pooling with PyTorch's default `count_include_pad=True` (every window divides by k·k, padding
 * included). tfjs's `avgPool` with padding divides by the number of real elements instead, so SNASNet's
 * AvgPool2d(3, 1, 1) is written as an explicit zero pad followed by a 'valid' pool. Both the pool's
 * gradient (AvgPoolGrad) and the pad's (Slice) have fast wasm kernels in this package.
 */
import * as tf from "@tensorflow/tfjs-core"

export const avgPool2dIncludePad = (
  x: tf.Tensor4D,
  size: number | [number, number],
  stride: number | [number, number],
  pad: number | [number, number]
): tf.Tensor4D =>
  tf.tidy(() => {
    const [ph, pw] = typeof pad === "number" ? [pad, pad] : pad
    const padded =
      ph === 0 && pw === 0
        ? x
        : tf.pad(x, [
            [0, 0],
            [ph, ph],
            [pw, pw],
            [0, 0]
          ])
    return tf.avgPool(padded, size, stride, "valid")
  })
