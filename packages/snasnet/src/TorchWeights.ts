/**
 * Weights in the official PyTorch layout: a safetensors file of the official `state_dict` (names such
 * as `cell1.cell_architecture.0.1.weight`, OIHW conv weights, [out, in] linear weights with
 * `classifier.1`'s inputs in C, H, W order) — what `spikernel score --weights` reads, what a train
 * step stores, and what PyTorch's strict `load_state_dict` accepts. The conversion to and from the
 * tfjs layout is `@spikernel/spaces`' WeightLayout (OIHW ↔ HWIO, [out, in] ↔ [in, out], CHW ↔ HWC
 * for `classifier.1`).
 *
 * @since 0.1.0
 */
import { ConfigError, Safetensors, Scorer } from "@spikernel/core"
import { Network, WeightLayout } from "@spikernel/spaces"
import { Effect, FileSystem } from "effect"

const failure = (reason: string) => new Scorer.ScoreError({ scorer: "network", reason })

/**
 * The float tensors of safetensors bytes, by name (integer buffers such as `num_batches_tracked`
 * are left out). `source` names the bytes in errors.
 *
 * @since 0.1.0
 */
export const decodeTorchWeights = (
  bytes: Uint8Array,
  source: string
): Effect.Effect<Scorer.TorchWeights, Safetensors.SafetensorsError> =>
  Effect.map(Safetensors.decode(bytes, source), (file) => {
    const weights = new Map<string, { shape: ReadonlyArray<number>; values: Float32Array }>()
    for (const [name, tensor] of file.tensors) {
      const values = Safetensors.floatValues(tensor)
      if (values !== undefined) weights.set(name, { shape: tensor.shape, values })
    }
    return weights
  })

/**
 * Reads a safetensors file of PyTorch-layout weights (`--weights FILE`).
 *
 * @since 0.1.0
 */
export const readTorchWeights = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs
      .readFile(path)
      .pipe(Effect.mapError((error) => new ConfigError({ source: "--weights", reason: error.message })))
    return yield* decodeTorchWeights(bytes, path)
  })

/**
 * Checks PyTorch-layout weights against the network's weight list and assigns them: every weight
 * must be present with its PyTorch shape; `num_batches_tracked` buffers are ignored; any other extra
 * tensor is an error.
 *
 * @since 0.1.0
 */
export const assignTorchWeights = (
  network: Network.Network,
  weights: Scorer.TorchWeights
): Effect.Effect<void, Scorer.ScoreError> =>
  Effect.gen(function* () {
    const known = new Set(network.specs.map((spec) => spec.name))
    for (const name of weights.keys()) {
      if (!known.has(name) && !name.endsWith(".num_batches_tracked")) {
        return yield* failure(
          `unexpected tensor "${name}": the network of this architecture has no such weight`
        )
      }
    }
    for (const spec of network.specs) {
      const given = weights.get(spec.name)
      if (given === undefined) return yield* failure(`missing tensor "${spec.name}"`)
      if (given.shape.join() !== spec.torchShape.join()) {
        return yield* failure(
          `tensor "${spec.name}" has shape [${given.shape.join(", ")}], the network expects [${spec.torchShape.join(", ")}] (PyTorch layout)`
        )
      }
    }
    for (const spec of network.specs) {
      Network.assignWeight(
        network,
        spec.name,
        (weights.get(spec.name) as { values: Float32Array }).values,
        "torch"
      )
    }
  })

/**
 * A network's weights as safetensors in the official PyTorch layout and names, with a zero
 * `num_batches_tracked` (I64) per BatchNorm so that PyTorch's strict `load_state_dict` accepts it.
 *
 * @since 0.1.0
 */
export const exportTorchWeights = (
  network: Network.Network
): Effect.Effect<Uint8Array, Safetensors.SafetensorsError> => {
  const tensors: Array<readonly [string, Safetensors.SafeTensor]> = []
  for (const spec of network.specs) {
    const variable = network.variables.get(spec.name) as { readonly dataSync: () => ArrayLike<number> }
    const values = WeightLayout.toTorch(spec, Float32Array.from(variable.dataSync()))
    tensors.push([spec.name, { dtype: "F32", shape: spec.torchShape, data: values }])
    if (spec.role === "bn-running-var") {
      const prefix = spec.name.slice(0, -".running_var".length)
      tensors.push([`${prefix}.num_batches_tracked`, { dtype: "I64", shape: [], data: new BigInt64Array(1) }])
    }
  }
  return Safetensors.encode(tensors, { format: "pt" })
}
