/**
 * NIR graphs in HDF5, the layout of NIR's `nir/serialization.py` (written with h5wasm, the HDF5 C
 * library compiled to WebAssembly):
 *
 * ```
 * /version                  string, the NIR release ("1.0.7")
 * /node/type                "NIRGraph"
 * /node/edges               strings [n, 2]: (source, target) per row
 * /node/metadata/…          informative only
 * /node/nodes/<name>/type   "Conv2d", "LIF", …
 * /node/nodes/<name>/<field>  float32 or int64 datasets (gzip), by NIR's field names
 * ```
 *
 * `write` goes to a temporary file beside the target and renames it into place, so a failed
 * export leaves no partial file; it refuses an existing target unless told to overwrite it.
 * `read` gives the graph back (what the tests re-simulate).
 *
 * @since 0.1.0
 */
import h5wasm from "h5wasm/node"
import * as nodePath from "node:path"
import { Effect, FileSystem, Schema } from "effect"
import { f32, type NirArray, type NirGraph, type NirNode, type NirValue, nirVersion } from "./Nir.ts"

/**
 * What went wrong with an NIR file or an export: one line naming the file.
 *
 * @since 0.1.0
 */
export class NirError extends Schema.TaggedError<NirError>()("NirError", {
  /** The file concerned. */
  path: Schema.String,
  reason: Schema.Literals(["exists", "missing", "damaged", "mismatch", "write", "read"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}

const ready = Effect.tryPromise({
  try: () => h5wasm.ready,
  catch: (cause) =>
    new NirError({
      path: "h5wasm",
      reason: "write",
      detail: `the HDF5 library did not load: ${String(cause)}`
    })
})

type Group = ReturnType<InstanceType<typeof h5wasm.File>["create_group"]>

const writeValue = (group: Group, key: string, value: NirValue) => {
  if (typeof value === "string") {
    group.create_dataset({ name: key, data: value })
    return
  }
  const shape = [...value.shape]
  // gzip needs chunks; one chunk per dataset (our largest is one Linear weight)
  const compressed = shape.length > 0 && value.data.length > 64 ? { chunks: shape, compression: 4 } : {}
  group.create_dataset({
    name: key,
    data: value.data,
    shape,
    dtype: value.kind === "f32" ? "<f" : "<q",
    ...compressed
  })
}

/**
 * Fails when `path` exists and `overwrite` is not set (checked again by `write`; call it first to
 * refuse before any work).
 *
 * @since 0.1.0
 */
export const refuseExisting = (
  path: string,
  options: { readonly overwrite: boolean }
): Effect.Effect<void, NirError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    if (options.overwrite) return
    const fs = yield* FileSystem.FileSystem
    if (yield* fs.exists(nodePath.resolve(path)).pipe(Effect.orElseSucceed(() => false))) {
      return yield* new NirError({
        path,
        reason: "exists",
        detail: "already exists; pass --force to overwrite it"
      })
    }
  })

/**
 * Writes `graph` to `path` (a temporary file, then a rename); refuses an existing `path` unless
 * `overwrite`.
 *
 * @since 0.1.0
 */
export const write = (
  graph: NirGraph,
  path: string,
  options: { readonly overwrite: boolean }
): Effect.Effect<void, NirError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const target = nodePath.resolve(path)
    yield* refuseExisting(path, options)
    yield* ready
    const temp = `${nodePath.dirname(target)}/.${nodePath.basename(target)}.${process.pid}.tmp`
    yield* Effect.try({
      try: () => {
        const file = new h5wasm.File(temp, "w")
        try {
          file.create_dataset({ name: "version", data: nirVersion })
          const root = file.create_group("node")
          root.create_dataset({ name: "type", data: "NIRGraph" })
          root.create_dataset({
            name: "edges",
            data: graph.edges.flat(),
            shape: [graph.edges.length, 2]
          })
          const metadata = root.create_group("metadata")
          for (const [key, value] of Object.entries(graph.metadata)) writeValue(metadata, key, value)
          const nodes = root.create_group("nodes")
          for (const [name, node] of graph.nodes) {
            const group = nodes.create_group(name)
            group.create_dataset({ name: "type", data: node.type })
            for (const [key, value] of Object.entries(node.params)) writeValue(group, key, value)
          }
        } finally {
          file.close()
        }
      },
      catch: (cause) =>
        new NirError({ path, reason: "write", detail: `writing HDF5 failed: ${String(cause)}` })
    }).pipe(
      Effect.flatMap(() => fs.rename(temp, target)),
      Effect.mapError((error) =>
        error instanceof NirError ? error : new NirError({ path, reason: "write", detail: error.message })
      ),
      Effect.onError(() => fs.remove(temp).pipe(Effect.ignore))
    )
  })

const asValue = (dataset: { readonly value: unknown; readonly shape: Array<number> | null }): NirValue => {
  const value = dataset.value
  const shape = dataset.shape ?? []
  if (typeof value === "string") return value
  if (value instanceof Float32Array) return f32(shape, value)
  if (value instanceof Float64Array) return f32(shape, Float32Array.from(value))
  if (value instanceof BigInt64Array) return { kind: "i64", shape, data: value } satisfies NirArray
  if (typeof value === "bigint") return { kind: "i64", shape: [], data: BigInt64Array.of(value) }
  if (typeof value === "number") return f32([], Float32Array.of(value))
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const numbers = Array.from(value as unknown as ArrayLike<number | bigint>, (v) => BigInt(v))
    return { kind: "i64", shape, data: BigInt64Array.from(numbers) }
  }
  throw new TypeError(`unsupported dataset value ${Object.prototype.toString.call(value)}`)
}

/**
 * Reads the NIR graph of an HDF5 file written in NIR's layout.
 *
 * @since 0.1.0
 */
export const read = (path: string): Effect.Effect<NirGraph, NirError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const target = nodePath.resolve(path)
    if (!(yield* fs.exists(target).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new NirError({ path, reason: "missing", detail: "no such file" })
    }
    yield* ready
    return yield* Effect.try({
      try: () => {
        const file = new h5wasm.File(target, "r")
        try {
          type Entity = ReturnType<typeof file.get>
          const dataset = (entity: Entity, what: string) => {
            if (!(entity instanceof h5wasm.Dataset)) throw new TypeError(`${what} is not a dataset`)
            return entity
          }
          const group = (entity: Entity, what: string) => {
            if (!(entity instanceof h5wasm.Group)) throw new TypeError(`${what} is not a group`)
            return entity
          }
          const root = group(file.get("node"), "/node")
          const type = dataset(root.get("type"), "/node/type").value
          if (type !== "NIRGraph") throw new TypeError(`/node/type is ${String(type)}, not NIRGraph`)
          const edgeValues = dataset(root.get("edges"), "/node/edges").value as Array<string>
          const edges: Array<readonly [string, string]> = []
          for (let k = 0; k + 1 < edgeValues.length; k += 2) edges.push([edgeValues[k], edgeValues[k + 1]])
          const nodesGroup = group(root.get("nodes"), "/node/nodes")
          const nodes = new Map<string, NirNode>()
          for (const name of nodesGroup.keys()) {
            const g = group(nodesGroup.get(name), `/node/nodes/${name}`)
            const params: Record<string, NirValue> = {}
            let nodeType: string | undefined
            for (const key of g.keys()) {
              const entity = g.get(key)
              if (!(entity instanceof h5wasm.Dataset)) continue // node metadata groups
              const value = asValue(entity)
              if (key === "type") nodeType = String(value)
              else params[key] = value
            }
            if (nodeType === undefined) throw new TypeError(`node ${name} has no type`)
            nodes.set(name, { type: nodeType, params })
          }
          const metadata: Record<string, NirValue> = {}
          const meta = root.get("metadata")
          if (meta instanceof h5wasm.Group) {
            for (const key of meta.keys()) {
              const entity = meta.get(key)
              if (entity instanceof h5wasm.Dataset) metadata[key] = asValue(entity)
            }
          }
          return { nodes, edges, metadata } satisfies NirGraph
        } finally {
          file.close()
        }
      },
      catch: (cause) =>
        new NirError({
          path,
          reason: "read",
          detail: `not an NIR graph in HDF5: ${String(cause).split("\n")[0]}`
        })
    })
  })
