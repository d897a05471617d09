/**
 * `spikernel export --format nir`: a trained model's weights → its network → the NIR graph
 * (`Nir.nirGraph`) → an HDF5 file (`NirFile.write`).
 *
 * The model is a safetensors file of the network's weights and BatchNorm running statistics by
 * official name: the `weights.safetensors` a `spikernel train` checkpoint holds (tfjs layout), or a
 * checkpoint directory (its `latest.json` names the newest checkpoint), or a file in the PyTorch
 * layout (a pipeline train step's weights, `score --weights`, PyTorch's `state_dict`). The layout
 * is recognised from the shapes (`auto`) unless given. The file does not say which network it is:
 * the architecture and network flags that trained it say so, as for `spikernel score --weights`.
 *
 * @since 0.1.0
 */
import { type Architecture, ConfigError, Safetensors } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Network, type NetworkConfig } from "@spikernel/spaces"
import { Effect, FileSystem, Schema } from "effect"
import * as nodePath from "node:path"
import { nirGraph } from "./Nir.ts"
import { NirError, refuseExisting, write } from "./NirFile.ts"

/**
 * What an export is asked to do.
 *
 * @since 0.1.0
 */
export const ExportConfig = Schema.Struct({
  format: Schema.Literal("nir"),
  /** The safetensors file or a checkpoint directory. */
  model: Schema.NonEmptyString,
  out: Schema.NonEmptyString,
  /** Replace an existing `out`. */
  overwrite: Schema.Boolean,
  /** The weights' layout: recognised from the shapes, tfjs (HWIO, [in, out]) or PyTorch. */
  layout: Schema.Literals(["auto", "tfjs", "torch"]),
  /** Recorded in the graph's metadata: the readout averages the output over T steps. */
  timesteps: Schema.Int.check(Schema.isGreaterThan(0))
})

/**
 * @since 0.1.0
 */
export type ExportConfig = typeof ExportConfig.Type

/**
 * Decodes an export config; unknown keys are an error.
 *
 * @since 0.1.0
 */
export const decodeExportConfig = (input: unknown): Effect.Effect<ExportConfig, ConfigError> =>
  Schema.decodeUnknownEffect(ExportConfig)(input, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError(
      (error) => new ConfigError({ source: "export options", reason: error.message.split("\n").join("; ") })
    )
  )

/**
 * What an export wrote.
 *
 * @since 0.1.0
 */
export const ExportSummary = Schema.Struct({
  /** The weights file read. */
  model: Schema.String,
  out: Schema.String,
  layout: Schema.Literals(["tfjs", "torch"]),
  nodes: Schema.Int,
  edges: Schema.Int,
  /** Nodes per NIR type. */
  types: Schema.Record(Schema.String, Schema.Int),
  /** Delay nodes: the backward (feedback) edges. */
  delays: Schema.Int
})

/**
 * @since 0.1.0
 */
export type ExportSummary = typeof ExportSummary.Type

const LatestCheckpoint = Schema.fromJsonString(Schema.Struct({ name: Schema.String }))

/** The weights file of `model`: itself, or the newest checkpoint's of a checkpoint directory. */
const weightsFile = (model: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs
      .stat(model)
      .pipe(Effect.mapError(() => new NirError({ path: model, reason: "missing", detail: "no such file" })))
    if (info.type !== "Directory") return model
    const latest = nodePath.join(model, "latest.json")
    const text = yield* fs.readFileString(latest).pipe(
      Effect.mapError(
        () =>
          new NirError({
            path: model,
            reason: "missing",
            detail:
              "is a directory without latest.json (not a checkpoint directory): name a weights.safetensors file"
          })
      )
    )
    const { name } = yield* Schema.decodeUnknownEffect(LatestCheckpoint)(text).pipe(
      Effect.mapError(
        () => new NirError({ path: latest, reason: "damaged", detail: 'is not { "name": … } JSON' })
      )
    )
    return nodePath.join(model, name, "weights.safetensors")
  })

type Weights = ReadonlyMap<string, { readonly shape: ReadonlyArray<number>; readonly values: Float32Array }>

/** The layout the weights are in, checking names and shapes against the network. */
const layoutOf = (
  network: Network.Network,
  weights: Weights,
  file: string,
  wanted: ExportConfig["layout"]
): Effect.Effect<"tfjs" | "torch", NirError> =>
  Effect.gen(function* () {
    const fail = (detail: string) => new NirError({ path: file, reason: "mismatch", detail })
    const known = new Set(network.specs.map((spec) => spec.name))
    for (const name of weights.keys()) {
      if (!known.has(name) && !name.endsWith(".num_batches_tracked")) {
        return yield* fail(
          `has a tensor "${name}" the network of this architecture does not (check --arch and the network flags)`
        )
      }
    }
    for (const spec of network.specs) {
      if (!weights.has(spec.name)) {
        return yield* fail(`has no tensor "${spec.name}" (check --arch and the network flags)`)
      }
    }
    const fits = (layout: "tfjs" | "torch") =>
      network.specs.every(
        (spec) =>
          weights.get(spec.name)?.shape.join() === (layout === "tfjs" ? spec.shape : spec.torchShape).join()
      )
    const candidates = wanted === "auto" ? (["tfjs", "torch"] as const) : ([wanted] as const)
    const fitting = candidates.filter(fits)
    if (fitting.length === 1) return fitting[0]
    if (fitting.length === 2) {
      return yield* fail(
        "its shapes fit both the tfjs and the PyTorch layout: pass --layout tfjs or --layout torch"
      )
    }
    const layout = candidates[0]
    const spec = network.specs.find(
      (sp) => weights.get(sp.name)?.shape.join() !== (layout === "tfjs" ? sp.shape : sp.torchShape).join()
    )
    const given = spec === undefined ? [] : (weights.get(spec.name)?.shape ?? [])
    return yield* fail(
      spec === undefined
        ? "does not fit the network"
        : `tensor "${spec.name}" has shape [${given.join(", ")}], the network expects ` +
            `[${spec.shape.join(", ")}] (tfjs layout) or [${spec.torchShape.join(", ")}] (PyTorch layout)`
    )
  })

/**
 * Exports weights (safetensors bytes read from `source`, named in errors) of network `network` of
 * `arch` as an NIR graph in HDF5 at `config.out` (`config.model` is not read).
 *
 * @since 0.1.0
 */
export const exportNirWeights = (
  config: ExportConfig,
  arch: Architecture.Architecture,
  network: NetworkConfig.NetworkConfig,
  weightsBytes: { readonly bytes: Uint8Array; readonly source: string }
): Effect.Effect<ExportSummary, NirError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    yield* refuseExisting(config.out, { overwrite: config.overwrite })
    const file = weightsBytes.source
    const tensors = yield* Safetensors.decode(weightsBytes.bytes, file).pipe(
      Effect.mapError(
        (error) =>
          new NirError({
            path: file,
            reason: "damaged",
            detail: `is not a readable safetensors file (${error.message})`
          })
      )
    )
    const weights = new Map<string, { shape: ReadonlyArray<number>; values: Float32Array }>()
    for (const [name, tensor] of tensors.tensors) {
      const values = Safetensors.floatValues(tensor)
      if (values !== undefined) weights.set(name, { shape: tensor.shape, values })
    }
    const net = yield* Effect.acquireRelease(
      Effect.sync(() => Network.buildNetwork(arch, network, { neuron: Lif.lif(), seed: 0 })),
      (built) => Effect.sync(built.dispose)
    )
    const layout = yield* layoutOf(net, weights, file, config.layout)
    const graph = yield* Effect.try({
      try: () => {
        for (const spec of net.specs) {
          Network.assignWeight(
            net,
            spec.name,
            (weights.get(spec.name) as { values: Float32Array }).values,
            layout
          )
        }
        return nirGraph(net, {
          timesteps: config.timesteps,
          lif: { tau: Lif.snasnetLif.tau, threshold: Lif.snasnetLif.threshold }
        })
      },
      catch: (cause) => new NirError({ path: file, reason: "mismatch", detail: String(cause) })
    })
    yield* write(graph, config.out, { overwrite: config.overwrite })
    const types: Record<string, number> = {}
    for (const node of graph.nodes.values()) types[node.type] = (types[node.type] ?? 0) + 1
    return {
      model: file,
      out: config.out,
      layout,
      nodes: graph.nodes.size,
      edges: graph.edges.length,
      types,
      delays: types.Delay ?? 0
    }
  }).pipe(Effect.scoped)

/**
 * Exports the trained model of `config.model` (a safetensors file or a checkpoint directory), the
 * weights of network `network` of `arch`, as an NIR graph in HDF5 at `config.out`.
 *
 * @since 0.1.0
 */
export const exportNir = (
  config: ExportConfig,
  arch: Architecture.Architecture,
  network: NetworkConfig.NetworkConfig
): Effect.Effect<ExportSummary, NirError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    yield* refuseExisting(config.out, { overwrite: config.overwrite })
    const fs = yield* FileSystem.FileSystem
    const file = yield* weightsFile(config.model)
    const bytes = yield* fs
      .readFile(file)
      .pipe(
        Effect.mapError((error) => new NirError({ path: file, reason: "missing", detail: error.message }))
      )
    return yield* exportNirWeights(config, arch, network, { bytes, source: file })
  })
