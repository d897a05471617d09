/**
 * Loads `@spikernel/onednn`, the optional addon running oneDNN convolutions on the wasm backend's memory.
 *
 * The addon is an optional dependency built at install (node-gyp against `libdnnl-dev`); when it is not
 * installed, not built, or its shared library does not load (no libdnnl at run time, Deno without
 * `--allow-ffi`), `loadOnednn` says why in one line and the wasm kernels run instead. `require` caches the
 * loaded module, so loading twice is free and gives the same binding.
 */
import { createRequire } from "node:module"

/** The addon's functions (`packages/onednn/index.d.cts`). */
export interface OnednnBinding {
  /** 0 forward (x, w → y), 1 backward-data (dy, w → dx), 2 backward-weights (x, dy → dw); see `convDims`. */
  readonly conv: (
    kind: 0 | 1 | 2,
    dims: ReadonlyArray<number>,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array
  ) => void
  readonly setThreads: (threads: number) => number
  readonly threads: () => number
  readonly cacheSize: () => number
  readonly clearCache: () => void
  readonly version: () => string
}

export type OnednnLoad =
  | { readonly _tag: "Loaded"; readonly binding: OnednnBinding; readonly version: string }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const firstLine = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).split("\n")[0] ?? ""

const codeOf = (cause: unknown): unknown =>
  typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined

const isBinding = (value: unknown): value is OnednnBinding =>
  typeof value === "object" &&
  value !== null &&
  ["conv", "setThreads", "threads", "cacheSize", "clearCache", "version"].every(
    (name) => typeof (value as Record<string, unknown>)[name] === "function"
  )

/**
 * The addon, or the one-line reason it is unavailable. Never throws. `load` is Node's `require` from this
 * package (tests pass one that fails as an absent or unbuilt addon does).
 */
export const loadOnednn = (
  load: (specifier: string) => unknown = createRequire(import.meta.url)
): OnednnLoad => {
  try {
    const binding: unknown = load("@spikernel/onednn")
    if (!isBinding(binding)) return { _tag: "Unavailable", reason: "@spikernel/onednn exports no conv()" }
    return { _tag: "Loaded", binding, version: binding.version() }
  } catch (cause) {
    const code = codeOf(cause)
    const message = firstLine(cause)
    if (
      (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") &&
      message.includes("@spikernel/onednn")
    )
      return { _tag: "Unavailable", reason: "@spikernel/onednn is not installed" }
    // ONEDNN_NOT_BUILT carries the install step's reason; anything else is a load failure of the .node file.
    return { _tag: "Unavailable", reason: code === "ONEDNN_NOT_BUILT" ? message : `load failed: ${message}` }
  }
}

/** How to get the native kernels, for messages. */
export const onednnHint =
  "install oneDNN (Debian/Ubuntu: apt-get install -y libdnnl-dev), then `npm rebuild @spikernel/onednn`"
