/**
 * The Backend service: which tfjs backend this process computes on, and how much memory it has left.
 *
 * Building a layer initialises tfjs (imports the backend package, `tf.setBackend`, wasm thread count,
 * the wasm kernels of this package) — nothing happens at module load. tfjs keeps one active backend per
 * process, so build one Backend layer per process (tests may rebuild it; the last one built wins).
 */
import { Config, Context, Effect, Layer, Option, Schema } from "effect"
import { BackendChoice, type BackendOptions } from "./BackendChoice.ts"
import { BackendError, HeapExhausted, InvalidBackendChoice } from "./BackendError.ts"
import type { BackendInfo } from "./BackendInfo.ts"
import { KernelsChoice } from "./KernelsChoice.ts"
import { defaultThreads, selectBackend } from "./BackendInit.ts"
import { availableBytes, type HeapUsage, heapUsage } from "./HeapUsage.ts"

export interface BackendService {
  /** What to record in the RunManifest. */
  readonly info: BackendInfo
  /** Tensor bytes in use, heap size and heap limit, now. */
  readonly heap: Effect.Effect<HeapUsage>
  /** Fails with `HeapExhausted` when `bytes` more would not fit (keeping `headroom` of the limit free). */
  readonly ensureHeap: (bytes: number, headroom?: number) => Effect.Effect<void, BackendError>
}

const invalid = (value: string, message: string) =>
  new BackendError({ reason: new InvalidBackendChoice({ value, message }) })

/** `options.backend`, else `SPIKERNEL_BACKEND`, else `auto`. */
const resolveChoice = Effect.fnUntraced(function* (options: BackendOptions) {
  if (options.backend !== undefined) return options.backend
  const raw = yield* Config.option(Config.String("SPIKERNEL_BACKEND")).pipe(
    Effect.mapError((e) => invalid("?", `SPIKERNEL_BACKEND: ${e.message}`))
  )
  if (Option.isNone(raw) || raw.value.trim() === "") return "auto" as const
  const value = raw.value.trim()
  const decoded = Schema.decodeUnknownOption(BackendChoice)(value)
  if (Option.isNone(decoded)) {
    return yield* invalid(
      value,
      `SPIKERNEL_BACKEND=${value} is not a backend; use one of ${BackendChoice.literals.join(", ")}`
    )
  }
  return decoded.value
})

/** `options.threads`, else `SPIKERNEL_THREADS`, else every core. */
const resolveThreads = Effect.fnUntraced(function* (options: BackendOptions) {
  if (options.threads !== undefined) return options.threads
  const raw = yield* Config.option(Config.Int("SPIKERNEL_THREADS")).pipe(
    Effect.mapError((e) => invalid("?", `SPIKERNEL_THREADS must be a positive integer (${e.message})`))
  )
  return Option.isSome(raw) && raw.value >= 1 ? raw.value : defaultThreads()
})

/** `options.kernels`, else `SPIKERNEL_KERNELS`, else `auto`. */
const resolveKernels = Effect.fnUntraced(function* (options: BackendOptions) {
  if (options.kernels !== undefined) return options.kernels
  const raw = yield* Config.option(Config.String("SPIKERNEL_KERNELS")).pipe(
    Effect.mapError((e) => invalid("?", `SPIKERNEL_KERNELS: ${e.message}`))
  )
  if (Option.isNone(raw) || raw.value.trim() === "") return "auto" as const
  const value = raw.value.trim()
  const decoded = Schema.decodeUnknownOption(KernelsChoice)(value)
  if (Option.isNone(decoded)) {
    return yield* invalid(
      value,
      `SPIKERNEL_KERNELS=${value} is not a kernel set; use one of ${KernelsChoice.literals.join(", ")}`
    )
  }
  return decoded.value
})

const make = Effect.fnUntraced(function* (options: BackendOptions) {
  const choice = yield* resolveChoice(options)
  const threads = yield* resolveThreads(options)
  const kernels = yield* resolveKernels(options)
  const info = yield* selectBackend(choice, threads, kernels)
  const heap = Effect.sync(() => heapUsage(info.backend))
  const ensureHeap = (bytes: number, headroom?: number) =>
    Effect.suspend(() => {
      const usage = heapUsage(info.backend)
      const free = availableBytes(usage, headroom)
      if (bytes <= free) return Effect.void
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`
      return Effect.fail(
        new BackendError({
          reason: new HeapExhausted({
            requestedBytes: bytes,
            availableBytes: Math.max(0, free),
            limitBytes: usage.limitBytes ?? 0,
            message:
              `${info.backend} heap: ${mib(bytes)} requested but only ${mib(Math.max(0, free))} of ` +
              `${mib(usage.limitBytes ?? 0)} are free; use a smaller (micro-)batch`
          })
        })
      )
    })
  return Backend.of({ info, heap, ensureHeap })
})

export class Backend extends Context.Service<Backend, BackendService>()("@spikernel/tensor/Backend") {
  /**
   * Pick and initialise a backend: `options`, then `SPIKERNEL_BACKEND`/`SPIKERNEL_THREADS`/`SPIKERNEL_KERNELS`,
   * then `auto`.
   */
  static readonly layer = (options: BackendOptions = {}): Layer.Layer<Backend, BackendError> =>
    Layer.effect(Backend, make(options))

  /** The pure-JS reference backend (slow; for tests and as the numeric reference). */
  static readonly layerCpu: Layer.Layer<Backend, BackendError> = Layer.effect(
    Backend,
    make({ backend: "cpu" })
  )

  /** The wasm backend with the kernels of this package. */
  static readonly layerWasm = (threads?: number): Layer.Layer<Backend, BackendError> =>
    Layer.effect(Backend, make(threads === undefined ? { backend: "wasm" } : { backend: "wasm", threads }))
}
