/**
 * Initialises one tfjs backend by name: imports its package (dynamically, so nothing happens at module
 * load), sets it active, and registers the wasm kernels. `auto` tries node-gpu, node, wasm in that order
 * and falls back to cpu.
 *
 * All tfjs state is process-wide (one engine, one active backend): the Backend layer is the only caller.
 */
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import * as os from "node:os"
import { type BackendChoice, type BackendName, autoOrder } from "./BackendChoice.ts"
import {
  BackendError,
  BackendInitFailed,
  BackendUnavailable,
  NativeKernelsUnavailable
} from "./BackendError.ts"
import type { BackendInfo } from "./BackendInfo.ts"
import type { KernelsChoice } from "./KernelsChoice.ts"
import { loadOnednn, onednnHint } from "./Onednn.ts"
import { loadWasmBackend } from "./WasmLoader.ts"
import { registerWasmKernels } from "./WasmKernels.ts"

const nativePackages = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node"
} as const

/**
 * One line on how to get a native backend. CUDA/cuDNN versions: tfjs-node README for 4.x (Linux GPU
 * "CUDA 11.2 w/ cuDNN v8", table: CUDA Toolkit 11.2, cuDNN SDK 8.1.0, NVIDIA driver > 450.x).
 */
export const installHint: Record<"node-gpu" | "node", string> = {
  "node-gpu":
    "install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0`; it needs Linux or Windows x86-64, " +
    "an NVIDIA driver >= 450, CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8 on the library path)",
  node:
    "install it with `npm install @tensorflow/tfjs-node@4.22.0` (prebuilt libtensorflow 2.x for Linux, " +
    "macOS and Windows x86-64; downloaded at install time)"
}

const firstLine = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).split("\n")[0] ?? ""

const isNotInstalled = (cause: unknown): boolean => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true
  return /cannot find (module|package)|could not find|not found/i.test(firstLine(cause))
}

/** Every core the OS reports; wasm takes this many threads unless told otherwise. */
export const defaultThreads = (): number =>
  typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length

/** Gradients and chained ops: the `@tensorflow/tfjs` bundle registers them (also under Deno). */
const loadGradients = (backend: BackendName) =>
  Effect.tryPromise({
    try: () => import("@tensorflow/tfjs"),
    catch: (cause) =>
      new BackendError({
        reason: new BackendInitFailed({
          backend,
          message: `could not load @tensorflow/tfjs (gradients): ${firstLine(cause)}`
        })
      })
  })

const activate = (backend: BackendName, tfName: string) =>
  Effect.tryPromise({
    try: () => tf.setBackend(tfName),
    catch: (cause) => cause
  }).pipe(
    Effect.flatMap((ok) => (ok ? Effect.void : Effect.fail("tf.setBackend returned false"))),
    Effect.mapError(
      (cause) =>
        new BackendError({
          reason: new BackendInitFailed({
            backend,
            message: `backend ${backend} failed to initialise: ${firstLine(cause)}`
          })
        })
    )
  )

const initNative = Effect.fnUntraced(function* (backend: "node-gpu" | "node") {
  const pkg = nativePackages[backend]
  yield* Effect.tryPromise({
    // A variable specifier: the packages are optional and absent from type checking.
    try: () => import(pkg),
    catch: (cause) =>
      new BackendError({
        reason: new BackendUnavailable({
          backend,
          message: isNotInstalled(cause)
            ? `--backend ${backend}: ${pkg} is not installed; ${installHint[backend]}`
            : `--backend ${backend}: ${pkg} failed to load (${firstLine(cause)}); ${installHint[backend]}`
        })
      })
  })
  yield* activate(backend, "tensorflow")
  const info: BackendInfo = { backend, tfjsVersion: tf.version_core, threads: defaultThreads(), simd: true }
  return info
})

/**
 * Register the wasm kernels: oneDNN's convolutions when `choice` allows and the addon loads, else the wasm
 * set. Returns what to record and a note for the backend's log line (why this set).
 */
const registerKernels = Effect.fnUntraced(function* (choice: KernelsChoice, threads: number) {
  if (choice === "wasm") {
    registerWasmKernels()
    return { record: { kernels: "wasm" as const }, note: "wasm (asked)" }
  }
  const loaded = loadOnednn()
  if (loaded._tag === "Unavailable") {
    if (choice === "native") {
      return yield* new BackendError({
        reason: new NativeKernelsUnavailable({
          message: `--compute-kernels native: the oneDNN kernels are unavailable (${loaded.reason}); ${onednnHint}`
        })
      })
    }
    registerWasmKernels()
    return { record: { kernels: "wasm" as const }, note: `wasm (native unavailable: ${loaded.reason})` }
  }
  registerWasmKernels({ native: { binding: loaded.binding, threads } })
  return {
    record: { kernels: "native" as const, onednn: loaded.version },
    note: `native (oneDNN ${loaded.version})`
  }
})

const initWasm = Effect.fnUntraced(function* (threads: number, kernels: KernelsChoice) {
  const loaded = yield* Effect.tryPromise({
    try: () => loadWasmBackend(threads),
    catch: (cause) =>
      new BackendError({
        reason: isNotInstalled(cause)
          ? new BackendUnavailable({
              backend: "wasm",
              message: `--backend wasm: @tensorflow/tfjs-backend-wasm is not installed (${firstLine(cause)})`
            })
          : new BackendInitFailed({ backend: "wasm", message: `wasm backend: ${firstLine(cause)}` })
      })
  })
  if (loaded.threadedFailure !== undefined) {
    yield* Effect.logWarning(`wasm: threaded build unavailable (${loaded.threadedFailure}); running 1 thread`)
  }
  const registered = yield* registerKernels(kernels, loaded.threadsCount())
  const simd = yield* Effect.promise(() => Promise.resolve(tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")))
  const info: BackendInfo = {
    backend: "wasm",
    tfjsVersion: tf.version_core,
    threads: loaded.threadsCount(),
    simd: simd === true,
    ...registered.record
  }
  return { info, kernelsNote: registered.note }
})

const initCpu = Effect.fnUntraced(function* () {
  yield* Effect.tryPromise({
    try: () => import("@tensorflow/tfjs-backend-cpu"),
    catch: (cause) =>
      new BackendError({
        reason: new BackendUnavailable({
          backend: "cpu",
          message: `--backend cpu: @tensorflow/tfjs-backend-cpu failed to load (${firstLine(cause)})`
        })
      })
  })
  yield* activate("cpu", "cpu")
  const info: BackendInfo = { backend: "cpu", tfjsVersion: tf.version_core, threads: 1, simd: false }
  return info
})

interface Initialised {
  readonly info: BackendInfo
  /** wasm: which convolution kernels and why, for the log line. */
  readonly kernelsNote?: string
}

/** Initialise exactly `backend`; fails with a one-line reason when it is unavailable. */
export const initBackend = Effect.fnUntraced(function* (
  backend: BackendName,
  threads: number,
  kernels: KernelsChoice = "auto"
) {
  yield* loadGradients(backend)
  switch (backend) {
    case "node-gpu":
    case "node":
      return { info: yield* initNative(backend) } as Initialised
    case "wasm":
      return (yield* initWasm(threads, kernels)) as Initialised
    case "cpu":
      return { info: yield* initCpu() } as Initialised
  }
})

/**
 * Resolve a choice (`auto` included); logs one line saying which backend it took and why, and on wasm
 * which convolution kernels run.
 */
export const selectBackend = Effect.fnUntraced(function* (
  choice: BackendChoice,
  threads: number,
  kernels: KernelsChoice = "auto"
) {
  if (choice !== "auto") {
    const done = yield* initBackend(choice, threads, kernels)
    yield* Effect.logInfo(describe(done.info, `--backend ${choice}`, done.kernelsNote))
    return done.info
  }
  const skipped: Array<string> = []
  for (const candidate of autoOrder) {
    const attempt = yield* Effect.result(initBackend(candidate, threads, kernels))
    if (attempt._tag === "Success") {
      yield* Effect.logInfo(describe(attempt.success.info, autoNote(skipped), attempt.success.kernelsNote))
      return attempt.success.info
    }
    // A forced native kernel set that does not load is the user's error, not a reason to try cpu.
    if (attempt.failure.reason._tag === "NativeKernelsUnavailable") return yield* attempt.failure
    skipped.push(`${candidate}: ${skipReason(attempt.failure)}`)
  }
  const done = yield* initBackend("cpu", threads)
  yield* Effect.logInfo(describe(done.info, autoNote(skipped)))
  return done.info
})

const skipReason = (error: BackendError): string =>
  error.reason._tag === "BackendUnavailable" && /not installed/.test(error.reason.message)
    ? "not installed"
    : error.message

const autoNote = (skipped: ReadonlyArray<string>): string =>
  skipped.length === 0 ? "auto" : `auto; skipped ${skipped.join(", ")}`

/**
 * e.g. `tensor backend: wasm (auto; skipped node-gpu: not installed, node: not installed), 2 threads, SIMD,
 * tfjs 4.22.0, conv kernels: native (oneDNN 2.6.3 (OpenMP))`
 */
export const describe = (info: BackendInfo, why: string, kernelsNote?: string): string =>
  `tensor backend: ${info.backend} (${why}), ${info.threads} thread${info.threads === 1 ? "" : "s"}, ` +
  `${info.simd ? "SIMD" : "no SIMD"}, tfjs ${info.tfjsVersion}` +
  (kernelsNote === undefined ? "" : `, conv kernels: ${kernelsNote}`)
