/**
 * Loads `@tensorflow/tfjs-backend-wasm` and makes it the active backend.
 *
 * The `.wasm` binaries ship inside the npm package (`dist/*.wasm`); their folder is resolved through
 * `createRequire` so the same code finds them under tsx, Node and Deno (whose CJS `__dirname` the package's
 * own lookup relies on). Emscripten's Node glue installs process-wide `uncaughtException` /
 * `unhandledRejection` listeners that rethrow and print the whole minified module; they are removed again
 * once the backend is up, which restores Node's default behaviour.
 */
import * as tf from "@tensorflow/tfjs-core"
import { createRequire } from "node:module"
import * as path from "node:path"

export interface LoadedWasm {
  /** Threads XNNPACK actually runs with (1 for the single-threaded build). */
  readonly threadsCount: () => number
}

/** The folder holding `tfjs-backend-wasm*.wasm`, with a trailing separator. */
export const wasmBinaryDir = (): string => {
  const require = createRequire(import.meta.url)
  const main = require.resolve("@tensorflow/tfjs-backend-wasm")
  return path.dirname(main) + path.sep
}

type Listener = (...args: Array<unknown>) => void

/** The rethrowing listeners emscripten adds; both events are handled alike. */
const listenersOf = (event: "uncaughtException" | "unhandledRejection"): Array<Listener> =>
  event === "uncaughtException"
    ? (process.listeners("uncaughtException") as Array<Listener>)
    : (process.listeners("unhandledRejection") as Array<Listener>)

const events = ["uncaughtException", "unhandledRejection"] as const

const listenerSnapshot = () => new Map(events.map((event) => [event, new Set(listenersOf(event))]))

const removeAddedListeners = (before: ReturnType<typeof listenerSnapshot>) => {
  for (const event of events) {
    const known = before.get(event)
    for (const listener of listenersOf(event)) {
      if (!known?.has(listener)) process.removeListener(event, listener)
    }
  }
}

/**
 * Import the wasm backend, point it at its binaries, set its thread count and activate it. When the wasm
 * backend is already initialised (a second layer in the same process) it is only re-activated: the thread
 * count of a wasm instance is fixed at its creation.
 */
export const loadWasmBackend = async (threads: number): Promise<LoadedWasm> => {
  const wasm = await import("@tensorflow/tfjs-backend-wasm")
  const initialised = tf.findBackend("wasm") !== null
  if (!initialised) {
    wasm.setWasmPaths(wasmBinaryDir())
    wasm.setThreadsCount(threads)
  }
  const before = listenerSnapshot()
  try {
    const ok = await tf.setBackend("wasm")
    if (!ok) throw new Error("tf.setBackend('wasm') returned false (see the warning above)")
  } finally {
    removeAddedListeners(before)
  }
  return { threadsCount: () => wasm.getThreadsCount() }
}
