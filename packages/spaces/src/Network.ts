/**
 * The SNASNet network of an architecture (METHOD.md §1.1–§1.2) as a plain TensorFlow.js model: a
 * value holding named variables and a pure `forward` function (no tf.layers, no globals).
 *
 * ```
 * static = BN(Conv3x3(stride s0)(image))                    # stem, once (direct encoding)
 * for t in 1..T:
 *   x = Cell1(static)
 *   x = AvgPool2(BN(Conv3x3(LIF(BN(x)))))                   # downconv1, then the first pool
 *   x = Cell2(x)
 *   x = AvgPool_p2(LIF(BN(x)))                              # last_act, then the second pool
 *   h = LIF(Linear(dropout(flatten(x))))                    # classifier.1, classifier.2
 *   out_t = groupMean(Linear(h) + b)                        # classifier.3, boost
 * logits = mean_t out_t
 * ```
 *
 * The last Linear and the group mean are linear, so the mean over T is taken of the hidden spikes
 * first and they run once: the same logits with T − 1 fewer matMuls.
 *
 * Weights are named as the official PyTorch `state_dict` (`cell1.cell_architecture.0.1.weight`, …)
 * and stored in tfjs layout (see `WeightSpecs`, `WeightLayout`). Every LIF keeps its membrane
 * across the T steps of one call and starts at 0 in every call; feedback buffers too.
 *
 * @since 0.1.0
 */
import { batchNorm, type BatchNormMode } from "@spikernel/tensor"
import * as tf from "@tensorflow/tfjs-core"
import { type Architecture, type Encoder, type NeuronModel, Rng } from "@spikernel/core"
import { cellStep, type Feedback, noFeedback } from "./Cell.ts"
import { initialValues } from "./Initialisation.ts"
import { geometry, type NetworkConfig } from "./NetworkConfig.ts"
import { toTfjs } from "./WeightLayout.ts"
import { type WeightSpec, weightSpecs } from "./WeightSpecs.ts"

/**
 * A built network: its architecture, configuration, neuron, and named variables.
 *
 * @since 0.1.0
 */
export interface Network {
  readonly arch: Architecture.Architecture
  readonly config: NetworkConfig
  readonly neuron: NeuronModel.Neuron
  /** The named tensors in `state_dict` order. */
  readonly specs: ReadonlyArray<WeightSpec>
  /** Every named tensor (parameters and BN running statistics), by official name, tfjs layout. */
  readonly variables: ReadonlyMap<string, tf.Variable>
  /** The trainable variables, in `specs` order (pass these to `tf.variableGrads`). */
  readonly trainable: ReadonlyArray<tf.Variable>
  readonly dispose: () => void
}

/**
 * How to build a network: the neuron of every LIF layer and the initialisation stream key.
 *
 * @since 0.1.0
 */
export interface BuildOptions {
  readonly neuron: NeuronModel.Neuron
  readonly seed: number
  /** Stream index of the initial values (e.g. the candidate index); 0 by default. */
  readonly index?: number
}

/**
 * Builds the network of an architecture with freshly initialised weights (METHOD.md §1.1).
 *
 * @since 0.1.0
 */
export const buildNetwork = (
  arch: Architecture.Architecture,
  config: NetworkConfig,
  options: BuildOptions
): Network => {
  const specs = weightSpecs(arch, config)
  const key = { seed: options.seed, index: options.index ?? 0 }
  const variables = new Map<string, tf.Variable>()
  for (const spec of specs) {
    const initial = tf.tensor(initialValues(spec, key), spec.shape as Array<number>)
    variables.set(spec.name, tf.variable(initial, spec.trainable))
    initial.dispose()
  }
  return {
    arch,
    config,
    neuron: options.neuron,
    specs,
    variables,
    trainable: specs.filter((s) => s.trainable).map((s) => variables.get(s.name) as tf.Variable),
    dispose: () => {
      for (const v of variables.values()) v.dispose()
    }
  }
}

/**
 * Overwrites one named tensor, from values in tfjs layout or in the official PyTorch layout.
 *
 * @since 0.1.0
 */
export const assignWeight = (
  network: Network,
  name: string,
  values: Float32Array,
  layout: "tfjs" | "torch" = "tfjs"
): void => {
  const spec = network.specs.find((s) => s.name === name)
  const variable = network.variables.get(name)
  if (spec === undefined || variable === undefined)
    throw new RangeError(`the network has no weight "${name}"`)
  const data = layout === "torch" ? toTfjs(spec, values) : values
  if (data.length !== variable.size)
    throw new RangeError(`"${name}" has ${variable.size} values, got ${data.length}`)
  tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)))
}

/**
 * A dropout stream key: the mask of a call is drawn from (seed, "network/dropout", index).
 *
 * @since 0.1.0
 */
export interface DropoutKey {
  readonly seed: number
  readonly index: number
}

/**
 * Called once per LIF layer per timestep, in METHOD.md §3's hook order, with the layer's official
 * module name (`cell1.cell_architecture.0.0`, `downconv1.1`, `cell2.…`, `last_act.1`,
 * `classifier.2`), the 0-based timestep and the spikes ([B, H, W, C] or [B, Hfc]). The spikes are
 * released when the timestep ends: read them, or `tf.keep` what must outlive the call.
 *
 * @since 0.1.0
 */
export type SpikeHook = (layer: string, t: number, spikes: tf.Tensor) => void

/**
 * Options of a forward pass.
 *
 * - `training: true`: BatchNorm uses each call's batch statistics (and updates the running ones
 *   unless `updateRunningStats` is false) and dropout is active with the mask drawn from `dropout`
 *   (or off with `"off"`), as PyTorch's train mode; the SAHD scorer runs in this mode.
 * - `training: false`: running statistics, no dropout.
 *
 * @since 0.1.0
 */
export type ForwardOptions = {
  readonly timesteps: number
  readonly onSpikes?: SpikeHook
} & (
  | { readonly training: false }
  | { readonly training: true; readonly dropout: DropoutKey | "off"; readonly updateRunningStats?: boolean }
)

/**
 * The first problem with an input shape, or `undefined`.
 *
 * @since 0.1.0
 */
export const inputProblem = (config: NetworkConfig, shape: ReadonlyArray<number>): string | undefined => {
  const expected = [config.inputSize, config.inputSize, config.inputChannels]
  return shape.length === 4 && shape.slice(1).every((d, i) => d === expected[i])
    ? undefined
    : `expected input [B, ${expected.join(", ")}], got [${shape.join(", ")}]`
}

const TWO_32 = 4294967296

/**
 * The dropout mask: Bernoulli(1 − p) per sample and feature, scaled by 1/(1 − p), drawn once per
 * call and used at every step (SpikingJelly's `layer.Dropout`).
 *
 * @since 0.1.0
 */
export const dropoutMask = (batch: number, features: number, p: number, key: DropoutKey): tf.Tensor2D => {
  const draws = Rng.draws({ seed: key.seed, stream: "network/dropout", index: key.index })
  const keep = (1 - p) * TWO_32
  const scale = 1 / (1 - p)
  const mask = new Float32Array(batch * features)
  for (let i = 0; i < mask.length; i++) mask[i] = draws.uint32() < keep ? scale : 0
  return tf.tensor2d(mask, [batch, features])
}

type State = Record<string, tf.Tensor>

const feedbackKeys = (cell: string): ReadonlyArray<string> => [0, 1, 2].map((i) => `${cell}/F${i}`)

/**
 * Runs the network on a batch for `timesteps` steps and returns the logits [B, classes]: the
 * output-group mean of the last Linear, averaged over the steps.
 *
 * `input` is an NHWC image batch (direct encoding: the stem runs once) or an encoded input; a
 * non-static encoding runs the stem at every step. Safe inside `tf.tidy` and `tf.variableGrads`;
 * intermediate tensors are released step by step.
 *
 * @since 0.1.0
 */
export const forward = (
  network: Network,
  input: tf.Tensor4D | Encoder.EncodedInput,
  options: ForwardOptions
): tf.Tensor2D =>
  tf.tidy(() => {
    const { arch, config, neuron } = network
    const encoded = input instanceof tf.Tensor ? undefined : input
    const first = encoded === undefined ? (input as tf.Tensor4D) : encoded.at(0)
    const problem = inputProblem(config, first.shape)
    if (problem !== undefined) throw new RangeError(problem)
    const batch = first.shape[0]
    const T = options.timesteps
    const g = geometry(config)
    const weight = (name: string): tf.Tensor => network.variables.get(name) as tf.Tensor
    const mode: BatchNormMode = {
      training: options.training,
      updateRunningStats: options.training && options.updateRunningStats !== false
    }
    // per-call constants, built once and shared by every step; kept out of the step scopes and
    // released when the call ends
    const poolScales = new Map<number, tf.Tensor>()
    const poolScale = (h: number, w: number): tf.Tensor => {
      let scale = poolScales.get(h * 100003 + w)
      if (scale === undefined) {
        // AvgPool2d(3, 1, 1) counts the zero padding: 'same' pooling divides by the valid count,
        // so rescale by valid/9 per position.
        const values = new Float32Array(h * w)
        const span = (i: number, n: number) => Math.min(i + 1, n - 1) - Math.max(i - 1, 0) + 1
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) values[i * w + j] = (span(i, h) * span(j, w)) / 9
        scale = tf.keep(tf.tensor3d(values, [h, w, 1]))
        poolScales.set(h * 100003 + w, scale)
      }
      return scale
    }
    const bn = (prefix: string, x: tf.Tensor4D): tf.Tensor4D =>
      batchNorm(
        x,
        {
          gamma: weight(`${prefix}.weight`),
          beta: weight(`${prefix}.bias`),
          runningMean: network.variables.get(`${prefix}.running_mean`) as tf.Variable,
          runningVar: network.variables.get(`${prefix}.running_var`) as tf.Variable
        },
        mode
      )
    const stem = (image: tf.Tensor4D): tf.Tensor4D =>
      bn("stem.1", tf.conv2d(image, weight("stem.0.weight") as tf.Tensor4D, config.stemStride, 1))
    const mask =
      options.training && options.dropout !== "off" && config.dropout > 0
        ? dropoutMask(batch, g.features, config.dropout, options.dropout)
        : undefined
    const staticInput = encoded === undefined || encoded.static ? stem(first) : undefined
    // tensors that belong to the caller or to the whole call, never to one step's state
    const keepers = new Set<tf.Tensor>(staticInput === undefined ? [first] : [first, staticInput])

    let state: State = {}
    try {
      for (let t = 0; t < T; t++) {
        const previous = state
        const stepInput = staticInput === undefined ? (encoded as Encoder.EncodedInput).at(t) : undefined
        if (stepInput !== undefined) keepers.add(stepInput)
        state = tf.tidy(() => {
          const next: State = {}
          const lif = (layer: string, x: tf.Tensor): tf.Tensor => {
            const before = previous[layer]
            const out = neuron.step(before ?? neuron.init(x.shape), x)
            // The last step's membrane is read once, here: release it now rather than at the end of
            // the step, so the two steps' states do not both peak (tfjs keeps its own copy of what
            // a gradient needs).
            if (before !== undefined && !keepers.has(before)) before.dispose()
            next[layer] = out.membrane
            options.onSpikes?.(layer, t, out.spikes)
            return out.spikes
          }
          // One layer in its own scope: only its output and its neuron's membrane outlive it, so a
          // step's peak holds one layer's temporaries (spikes, convolution, BatchNorm) rather than
          // every layer's (at 32×32×3, widths 128/256, B = 256 that is the difference between a
          // forward that fits the 4 GiB wasm heap and one that does not).
          const scoped = <A extends tf.Tensor>(layer: string, f: () => A): A => {
            const [out, membrane] = tf.tidy(() => {
              const result = f()
              return [result, next[layer] as tf.Tensor]
            })
            next[layer] = membrane
            return out as A
          }
          const cell = (name: "cell1" | "cell2", x: tf.Tensor4D): tf.Tensor4D => {
            const keys = feedbackKeys(name)
            const feedback = keys.map((k) => previous[k]) as unknown as Feedback
            const out = cellStep(
              {
                arch,
                cell: name,
                conv: (slot, kernel, value) =>
                  scoped(`${slot}.0`, () =>
                    bn(
                      `${slot}.2`,
                      tf.conv2d(
                        lif(`${slot}.0`, value) as tf.Tensor4D,
                        weight(`${slot}.1.weight`) as tf.Tensor4D,
                        1,
                        Math.floor(kernel / 2)
                      )
                    )
                  ),
                pool: (value) =>
                  tf.tidy(
                    () =>
                      tf.mul(
                        tf.avgPool(value, 3, 1, "same"),
                        poolScale(value.shape[1], value.shape[2])
                      ) as tf.Tensor4D
                  )
              },
              x,
              t === 0 ? noFeedback : feedback
            )
            out.feedback.forEach((f, i) => {
              if (f !== undefined) next[keys[i]] = f
            })
            return out.output
          }
          const x0 = staticInput ?? stem(stepInput as tf.Tensor4D)
          const c1 = cell("cell1", x0)
          const d = scoped("downconv1.1", () =>
            tf.avgPool(
              bn(
                "downconv1.3",
                tf.conv2d(
                  lif("downconv1.1", bn("downconv1.0", c1)) as tf.Tensor4D,
                  weight("downconv1.2.weight") as tf.Tensor4D,
                  1,
                  1
                )
              ),
              2,
              2,
              "valid"
            )
          )
          const c2 = cell("cell2", d)
          const spikes = scoped("last_act.1", () => lif("last_act.1", bn("last_act.0", c2)) as tf.Tensor4D)
          const pooled = tf.avgPool(spikes, config.secondPool, config.secondPool, "valid")
          const flat = tf.reshape(pooled, [batch, g.features])
          const dropped = mask === undefined ? flat : tf.mul(flat, mask)
          const hidden = lif(
            "classifier.2",
            tf.matMul(dropped as tf.Tensor2D, weight("classifier.1.weight") as tf.Tensor2D)
          )
          next.hiddenSum = previous.hiddenSum === undefined ? hidden : tf.add(previous.hiddenSum, hidden)
          return next
        })
        const live = new Set(Object.values(state))
        for (const tensor of Object.values(previous))
          if (!live.has(tensor) && !keepers.has(tensor)) tensor.dispose()
      }
    } finally {
      tf.dispose([...poolScales.values()])
    }
    const hiddenMean = tf.div(state.hiddenSum, T) as tf.Tensor2D
    const outputs = tf.add(
      tf.matMul(hiddenMean, weight("classifier.3.weight") as tf.Tensor2D),
      weight("classifier.3.bias")
    )
    return tf.mean(tf.reshape(outputs, [batch, config.classes, config.groupSize]), 2) as tf.Tensor2D
  })
