/**
 * The named weights of a network, as plain data (no tensors): every parameter and BatchNorm buffer
 * with its official PyTorch `state_dict` name, its TensorFlow.js shape and its PyTorch shape
 * (SNASNET_WEIGHTS.md). The parameter count, the memory model, the network builder and weight
 * import/export all read this one list, so they cannot disagree.
 *
 * Layouts: a conv weight is HWIO `[k, k, in, out]` here and OIHW `[out, in, k, k]` in PyTorch; a
 * Linear weight is `[in, out]` here and `[out, in]` in PyTorch. `classifier.1.weight` additionally
 * reads its input in NHWC-flatten order (h, w, c) here and channel-major (c, h, w) in PyTorch:
 * `WeightLayout` converts both ways.
 *
 * @since 0.1.0
 */
import { Architecture, KernelSet } from "@spikernel/core"
import { geometry, type NetworkConfig } from "./NetworkConfig.ts"

/**
 * The modules of METHOD.md §7.1's per-module split.
 *
 * @since 0.1.0
 */
export type ModuleName = "stem" | "cell1" | "downconv" | "cell2" | "lastAct" | "fc1" | "fc2"

/**
 * The modules in network order.
 *
 * @since 0.1.0
 */
export const moduleNames: ReadonlyArray<ModuleName> = [
  "stem",
  "cell1",
  "downconv",
  "cell2",
  "lastAct",
  "fc1",
  "fc2"
]

/**
 * What a tensor is, which fixes its initialisation and its layout conversion.
 *
 * @since 0.1.0
 */
export type WeightRole =
  | "conv"
  | "bn-weight"
  | "bn-bias"
  | "bn-running-mean"
  | "bn-running-var"
  | "linear-weight"
  | "linear-bias"

/**
 * One named tensor of the network.
 *
 * @since 0.1.0
 */
export interface WeightSpec {
  /** The official PyTorch `state_dict` key. */
  readonly name: string
  readonly module: ModuleName
  readonly role: WeightRole
  /** TensorFlow.js shape (HWIO for convs, [in, out] for linears). */
  readonly shape: ReadonlyArray<number>
  /** PyTorch shape (OIHW for convs, [out, in] for linears). */
  readonly torchShape: ReadonlyArray<number>
  /** Trained by backprop (parameters) or not (BN running statistics). */
  readonly trainable: boolean
  /** in·k·k of a conv, in of a linear (for initialisation); 0 otherwise. */
  readonly fanIn: number
  /** For `classifier.1.weight`: the [S, S, C2] map its input rows are flattened from. */
  readonly flattenedFrom?: readonly [number, number, number]
}

const size = (shape: ReadonlyArray<number>): number => shape.reduce((a, b) => a * b, 1)

/**
 * The number of values of a spec.
 *
 * @since 0.1.0
 */
export const specSize = (spec: WeightSpec): number => size(spec.shape)

const conv = (name: string, module: ModuleName, k: number, cin: number, cout: number): WeightSpec => ({
  name,
  module,
  role: "conv",
  shape: [k, k, cin, cout],
  torchShape: [cout, cin, k, k],
  trainable: true,
  fanIn: cin * k * k
})

const batchNorm = (prefix: string, module: ModuleName, c: number): Array<WeightSpec> =>
  (
    [
      ["weight", "bn-weight", true],
      ["bias", "bn-bias", true],
      ["running_mean", "bn-running-mean", false],
      ["running_var", "bn-running-var", false]
    ] as const
  ).map(([suffix, role, trainable]) => ({
    name: `${prefix}.${suffix}`,
    module,
    role,
    shape: [c],
    torchShape: [c],
    trainable,
    fanIn: 0
  }))

/**
 * A conv op slot of a cell: its module prefix (`cell1.cell_architecture.3`) and kernel size.
 *
 * @since 0.1.0
 */
export interface ConvSlot {
  readonly prefix: string
  readonly kernel: number
  /** The edge (from, to) and whether it is a backward (feedback) edge. */
  readonly from: number
  readonly to: number
  readonly backward: boolean
}

/**
 * The conv op slots of a cell in hook order: forward slots 0..5, then backward slots 0..5.
 *
 * @since 0.1.0
 */
export const convSlots = (
  arch: Architecture.Architecture,
  cell: "cell1" | "cell2"
): ReadonlyArray<ConvSlot> => {
  const out: Array<ConvSlot> = []
  Architecture.forwardEdges.forEach(([i, j], f) => {
    const kernel = KernelSet.kernelOfOp(arch.kernels, arch.matrix[i][j])
    if (kernel !== undefined)
      out.push({ prefix: `${cell}.cell_architecture.${f}`, kernel, from: i, to: j, backward: false })
  })
  if (arch.cellType === "backward") {
    Architecture.backwardEdges.forEach(([j, i], b) => {
      const kernel = KernelSet.kernelOfOp(arch.kernels, arch.matrix[j][i])
      if (kernel !== undefined)
        out.push({ prefix: `${cell}.cell_architecture_back.${b}`, kernel, from: j, to: i, backward: true })
    })
  }
  return out
}

/**
 * Every named tensor of the network for an architecture and configuration, in `state_dict` order
 * (`num_batches_tracked` is left out: with momentum 0.1 PyTorch never reads it).
 *
 * @since 0.1.0
 */
export const weightSpecs = (
  arch: Architecture.Architecture,
  config: NetworkConfig
): ReadonlyArray<WeightSpec> => {
  const [c1, c2] = config.widths
  const g = geometry(config)
  const cell = (name: "cell1" | "cell2", c: number): Array<WeightSpec> =>
    convSlots(arch, name).flatMap((slot) => [
      conv(`${slot.prefix}.1.weight`, name, slot.kernel, c, c),
      ...batchNorm(`${slot.prefix}.2`, name, c)
    ])
  return [
    conv("stem.0.weight", "stem", 3, config.inputChannels, c1),
    ...batchNorm("stem.1", "stem", c1),
    ...cell("cell1", c1),
    ...batchNorm("downconv1.0", "downconv", c1),
    conv("downconv1.2.weight", "downconv", 3, c1, c2),
    ...batchNorm("downconv1.3", "downconv", c2),
    ...cell("cell2", c2),
    ...batchNorm("last_act.0", "lastAct", c2),
    {
      name: "classifier.1.weight",
      module: "fc1",
      role: "linear-weight",
      shape: [g.features, config.hidden],
      torchShape: [config.hidden, g.features],
      trainable: true,
      fanIn: g.features,
      flattenedFrom: [g.s, g.s, c2]
    },
    {
      name: "classifier.3.weight",
      module: "fc2",
      role: "linear-weight",
      shape: [config.hidden, g.outputs],
      torchShape: [g.outputs, config.hidden],
      trainable: true,
      fanIn: config.hidden
    },
    {
      name: "classifier.3.bias",
      module: "fc2",
      role: "linear-bias",
      shape: [g.outputs],
      torchShape: [g.outputs],
      trainable: true,
      fanIn: 0
    }
  ]
}

/**
 * The LIF layers in the order they fire within one timestep (METHOD.md §3 "Hook order per
 * timestep"), named as the official modules: cell 1's conv-op LIFs (forward slots, then backward
 * slots), `downconv1.1`, cell 2's, `last_act.1`, `classifier.2`.
 *
 * @since 0.1.0
 */
export const lifLayers = (arch: Architecture.Architecture): ReadonlyArray<string> => [
  ...convSlots(arch, "cell1").map((slot) => `${slot.prefix}.0`),
  "downconv1.1",
  ...convSlots(arch, "cell2").map((slot) => `${slot.prefix}.0`),
  "last_act.1",
  "classifier.2"
]
