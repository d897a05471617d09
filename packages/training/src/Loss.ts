/**
 * Cross-entropy on the network's logits (already averaged over output groups and timesteps, METHOD.md
 * §2) and the top-1 count, as PyTorch's `CrossEntropyLoss` (mean over the batch) computes them.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * Mean over the batch of −log softmax(logits)[label].
 *
 * @since 0.1.0
 */
export const crossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => {
    const classes = logits.shape[1]
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels, classes)), 1)
    return tf.neg(tf.mean(picked)) as tf.Scalar
  })

/**
 * How many rows have their largest logit at the label (ties go to the first index, as `argmax`).
 *
 * @since 0.1.0
 */
export const correctCount = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "int32")) as tf.Scalar)
