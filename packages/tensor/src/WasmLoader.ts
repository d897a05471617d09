/**
 * Loads the tfjs wasm backend and makes it the active backend, multi-threaded where possible.
 *
 * tfjs-backend-wasm only runs its threaded build in browsers: under Node it hands `worker_threads` a
 * `blob:` URL, which Node refuses. So this module instantiates the Emscripten module itself — the threaded
 * SIMD build with its pthread worker given as a `data:` URL module, else the single-threaded SIMD (or
 * plain) build — and registers a `wasm` backend factory that wraps it in tfjs's own `BackendWasm`.
 *
 * The `.wasm` binaries and Emscripten glue ship inside the npm package; their folder is resolved through
 * `createRequire`, which works under tsx, Node and Deno. Emscripten's Node glue installs process-wide
 * `uncaughtException` / `unhandledRejection` listeners that rethrow and print the whole minified module;
 * they are removed again once the module is up (Node's default behaviour is the same, minus the dump).
 */
import * as tf from "@tensorflow/tfjs-core"
import { createRequire } from "node:module"
import * as path from "node:path"

export interface LoadedWasm {
  /** Threads XNNPACK actually runs with (1 for the single-threaded build). */
  readonly threadsCount: () => number
  /** Which Emscripten build runs. */
  readonly build: "threaded-simd" | "simd" | "plain"
  /** Why the threaded build was not used, when threads > 1 were asked for. */
  readonly threadedFailure?: string
}

/**
 * The threaded build sizes XNNPACK's pool as min(requested, 8, logical cores / 2), reading the core count
 * (Node: `os.cpus().length`) once, while the module starts. It assumes two hyperthreads per core, which
 * on a VM whose vCPUs are the cores halves the pool (1 thread on 2 vCPUs). 8 is the number of pthread
 * workers the build creates up front.
 */
export const maxWasmThreads = 8

/** Make `os.cpus()` report `2·threads` entries while `f` runs, so the build grants `threads`. */
const withReportedCores = async <A>(threads: number, f: () => Promise<A>): Promise<A> => {
  const require = createRequire(import.meta.url)
  const os = require("node:os") as { cpus: () => Array<unknown> }
  const original = os.cpus
  const cpus = original()
  try {
    os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)])
  } catch {
    return f()
  }
  try {
    return await f()
  } finally {
    os.cpus = original
  }
}

/** The package folder of `@tensorflow/tfjs-backend-wasm`. */
const wasmPackageDir = (): string => {
  const require = createRequire(import.meta.url)
  return path.dirname(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")))
}

/** The folder holding `tfjs-backend-wasm*.wasm`. */
export const wasmBinaryDir = (): string => path.join(wasmPackageDir(), "dist")

type Listener = (...args: Array<unknown>) => void

const events = ["uncaughtException", "unhandledRejection"] as const

const listenersOf = (event: (typeof events)[number]): Array<Listener> =>
  event === "uncaughtException"
    ? (process.listeners("uncaughtException") as Array<Listener>)
    : (process.listeners("unhandledRejection") as Array<Listener>)

/** Run `f`, then drop the process listeners it added. */
const withoutAddedListeners = async <A>(f: () => Promise<A>): Promise<A> => {
  const before = new Map(events.map((event) => [event, new Set(listenersOf(event))]))
  try {
    return await f()
  } finally {
    for (const event of events) {
      for (const listener of listenersOf(event)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener)
      }
    }
  }
}

/** The parts of an Emscripten module tfjs's `BackendWasm` needs (it reads the rest itself). */
interface EmscriptenModule {
  cwrap(
    name: string,
    returnType: string | null,
    argTypes: ReadonlyArray<string>
  ): (...args: Array<number>) => number
  tfjs?: Record<string, (...args: Array<number>) => number>
  PThread?: { readonly runningWorkers: Array<WorkerLike> }
}

interface WorkerLike {
  unref(): void
}

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>

/** What tfjs's `init()` adds to the module before `new BackendWasm(module)`. */
const bindTfjs = (module: EmscriptenModule): EmscriptenModule => {
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, [])
  }
  return module
}

/**
 * The pthread worker as an ES module `data:` URL: the package's worker script expects CommonJS globals
 * (`require`, `__filename`), given here, and evaluates the main glue file by path.
 */
const workerUrl = (packageDir: string): URL => {
  const require = createRequire(import.meta.url)
  const glue = path.join(packageDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.js")
  const { wasmWorkerContents } = require(
    path.join(packageDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.worker.js")
  ) as {
    wasmWorkerContents: string
  }
  const prelude =
    `import { createRequire as __cr } from "node:module";` +
    `const require = __cr(${JSON.stringify(glue)}); const __filename = ${JSON.stringify(glue)};`
  // As tfjs does for its Blob: the template literal turned "\n" escapes into real newlines.
  // Deno's worker global has a read-only `location`; the script only assigns it, so it is dropped.
  const body = wasmWorkerContents
    .replace(/\n/g, "\\n")
    .replace(/^"use strict";/, "")
    .replace("location:{href:__filename},", "")
  return new URL(`data:text/javascript,${encodeURIComponent(prelude + body)}`)
}

const loadThreaded = async (threads: number): Promise<EmscriptenModule> => {
  const require = createRequire(import.meta.url)
  const dir = wasmPackageDir()
  const glue = path.join(dir, "wasm-out", "tfjs-backend-wasm-threaded-simd.js")
  const factory = require(glue) as EmscriptenFactory
  const worker = workerUrl(dir)
  const module = await withReportedCores(threads, () =>
    factory({
      locateFile: (file: string) =>
        file.endsWith(".worker.js") ? worker : path.join(dir, "dist", "tfjs-backend-wasm-threaded-simd.wasm"),
      mainScriptUrlOrBlob: glue
    })
  )
  return bindTfjs(module)
}

const loadSingle = async (simd: boolean): Promise<EmscriptenModule> => {
  const require = createRequire(import.meta.url)
  const dir = wasmPackageDir()
  const factory = require(path.join(dir, "wasm-out", "tfjs-backend-wasm.js")) as EmscriptenFactory
  const binary = path.join(dir, "dist", simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm")
  return bindTfjs(await factory({ locateFile: () => binary }))
}

const firstLine = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).split("\n")[0] ?? ""

/**
 * Import the wasm backend, instantiate its module (threaded when `threads` > 1 and it works here), and
 * activate it. When the wasm backend is already initialised (a second layer in the same process) it is
 * only re-activated: a wasm instance's thread count is fixed at its creation.
 */
export const loadWasmBackend = async (threads: number): Promise<LoadedWasm> => {
  const wasm = await import("@tensorflow/tfjs-backend-wasm")
  // Not tf.findBackend: it would start tfjs's own (browser-only threaded) initialisation as a side effect.
  if (tf.engine().registry.wasm === undefined) {
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true
    const loaded = await withoutAddedListeners(async () => {
      let failure: string | undefined
      if (threads > 1 && simd) {
        try {
          return {
            module: await loadThreaded(Math.min(threads, maxWasmThreads)),
            build: "threaded-simd" as const,
            failure
          }
        } catch (cause) {
          failure = firstLine(cause)
        }
      }
      return { module: await loadSingle(simd), build: simd ? ("simd" as const) : ("plain" as const), failure }
    })
    const { module, build } = loaded
    wasm.setThreadsCount(build === "threaded-simd" ? Math.min(threads, maxWasmThreads) : 1)
    tf.removeBackend("wasm")
    // The backend tfjs-backend-wasm registered would run its browser-only loader; this one wraps ours.
    tf.registerBackend("wasm", () => new wasm.BackendWasm(module as never), 2)
    const ok = await tf.setBackend("wasm")
    if (!ok) throw new Error("tf.setBackend('wasm') returned false (see the warning above)")
    // Running pthreads hold a reference on the event loop; a finished program must still exit.
    for (const worker of module.PThread?.runningWorkers ?? []) worker.unref()
    return {
      threadsCount: () => wasm.getThreadsCount(),
      build,
      ...(loaded.failure === undefined ? {} : { threadedFailure: loaded.failure })
    }
  }
  const ok = await tf.setBackend("wasm")
  if (!ok) throw new Error("tf.setBackend('wasm') returned false")
  const count = wasm.getThreadsCount()
  return { threadsCount: () => count, build: count > 1 ? "threaded-simd" : "simd" }
}
