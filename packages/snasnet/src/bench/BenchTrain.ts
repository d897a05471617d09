/**
 * The training benchmark behind `spikernel bench train`: images per second of full training steps
 * (forward over T timesteps, BPTT backward, SGD update) and the peak resident memory, per backend and
 * network configuration. Defaults (issue 7): 28×28×1 input, widths 16/32 and 32/64, T = 5, kernel
 * sets {1,3} and {1,7}, SNASNet-Bw's README cell `0302 0030 3003 0000`, on wasm; the pure-JS cpu
 * backend runs the first configuration only, as the reference for the speed-up (it is ~100× slower).
 * The network is the preset of the input shape (28×28×1: Fashion-MNIST's, 32×32×3: CIFAR-10's) at the
 * given widths.
 *
 * Each row builds a fresh network on its backend, plans the micro-batch like `train` does (so batch 64
 * at 32×32×3 runs as micro-batches instead of exhausting the wasm heap), runs `warmup` untimed steps
 * and then times `steps` steps with Effect's Clock. Peak RSS is the kernel's VmHWM, reset before each
 * row through `/proc/self/clear_refs` where Linux allows it; the wasm heap never returns memory, so a
 * wasm row's figure also includes the heap that earlier wasm rows grew (rows run smallest first).
 *
 * @since 0.1.0
 */
import { Architecture, type ArchitectureError, type ConfigError } from "@spikernel/core"
import { Lif } from "@spikernel/neurons"
import { Network, NetworkConfig } from "@spikernel/spaces"
import { Backend, type BackendError, BackendName, type KernelsChoice } from "@spikernel/tensor"
import * as Training from "@spikernel/training"
import { Clock, Effect, Schema } from "effect"
import * as fs from "node:fs"
import { presetForData } from "../Networks.ts"
import { trainableNetwork } from "../TrainableNetwork.ts"

/**
 * One configuration to benchmark.
 *
 * @since 0.1.0
 */
export const BenchTrainConfig = Schema.Struct({
  imageShape: Schema.Tuple([Schema.Int, Schema.Int, Schema.Int]),
  widths: Schema.Tuple([Schema.Int, Schema.Int]),
  kernels: Schema.Array(Schema.Int),
  timesteps: Schema.Int,
  batch: Schema.Int
})

/**
 * @since 0.1.0
 */
export type BenchTrainConfig = typeof BenchTrainConfig.Type

/**
 * @since 0.1.0
 */
export const BenchTrainRow = Schema.Struct({
  backend: BackendName,
  /** wasm: the convolution kernels, `native` (oneDNN) or `wasm` (XNNPACK). */
  kernels: Schema.optionalKey(Schema.String),
  /** e.g. `28x28x1 w16/32 k1,3 T5 b16`. */
  config: Schema.String,
  imagesPerSecond: Schema.Finite,
  peakRssMb: Schema.Finite,
  /** Samples per forward/backward pass chosen by the memory planner. */
  microBatch: Schema.Int,
  steps: Schema.Int,
  seconds: Schema.Finite,
  params: Schema.Int
})

/**
 * @since 0.1.0
 */
export type BenchTrainRow = typeof BenchTrainRow.Type

/**
 * @since 0.1.0
 */
export const BenchTrainResult = Schema.Struct({
  arch: Schema.String,
  rows: Schema.Array(BenchTrainRow),
  /** wasm images/s over cpu images/s, for each configuration both ran. */
  speedups: Schema.Array(Schema.Struct({ config: Schema.String, wasmOverCpu: Schema.Finite }))
})

/**
 * @since 0.1.0
 */
export type BenchTrainResult = typeof BenchTrainResult.Type

const shape28: readonly [number, number, number] = [28, 28, 1]

/**
 * The four configurations of issue 7.
 *
 * @since 0.1.0
 */
export const defaultConfigs: ReadonlyArray<BenchTrainConfig> = [
  { imageShape: shape28, widths: [16, 32], kernels: [1, 3], timesteps: 5, batch: 8 },
  { imageShape: shape28, widths: [16, 32], kernels: [1, 7], timesteps: 5, batch: 8 },
  { imageShape: shape28, widths: [32, 64], kernels: [1, 3], timesteps: 5, batch: 8 },
  { imageShape: shape28, widths: [32, 64], kernels: [1, 7], timesteps: 5, batch: 8 }
]

/**
 * The label of a configuration.
 *
 * @since 0.1.0
 */
export const configLabel = (c: BenchTrainConfig): string =>
  `${c.imageShape.join("x")} w${c.widths.join("/")} k${c.kernels.join(",")} T${c.timesteps} b${c.batch}`

/**
 * Options of the benchmark; every field has a default.
 *
 * @since 0.1.0
 */
export interface BenchTrainOptions {
  readonly arch?: string
  /** (backend, configs) pairs, run in this order. */
  readonly runs?: ReadonlyArray<{
    readonly backend: BackendName
    readonly configs: ReadonlyArray<BenchTrainConfig>
  }>
  readonly steps?: Partial<Record<BackendName, number>>
  readonly warmup?: Partial<Record<BackendName, number>>
  readonly seed?: number
  /** wasm threads (default: the tensor package's). */
  readonly threads?: number
  /** wasm convolution kernels (default: `SPIKERNEL_KERNELS`, else auto). */
  readonly kernels?: KernelsChoice
}

const defaultSteps: Record<BackendName, number> = { wasm: 3, node: 3, "node-gpu": 5, cpu: 1 }
const defaultWarmup: Record<BackendName, number> = { wasm: 1, node: 1, "node-gpu": 2, cpu: 0 }

const peakRssKb = (): number | undefined => {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

const resetPeakRss = (): void => {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5")
  } catch {
    // Not Linux, or not allowed: the figure stays the process-wide peak.
  }
}

const peakRssMb = (): number => {
  const kb = peakRssKb()
  return kb === undefined ? process.resourceUsage().maxRSS / 1024 : kb / 1024
}

const benchRow = (
  arch: Architecture.Architecture,
  backend: BackendName,
  c: BenchTrainConfig,
  steps: number,
  warmup: number,
  seed: number
) =>
  Effect.gen(function* () {
    // The preset of the input's data set (28×28×1: Fashion-MNIST, 32×32×3: CIFAR-10), at these widths.
    const preset = yield* NetworkConfig.presetFor(
      presetForData(c.imageShape, 10) ?? "fashion-mnist",
      "bench train"
    )
    const network = yield* NetworkConfig.withOverrides(
      preset,
      { inputSize: c.imageShape[0], inputChannels: c.imageShape[2], widths: c.widths },
      "bench train"
    )
    const netArch = { ...arch, kernels: c.kernels }
    const net = Network.buildNetwork(netArch, network, { neuron: Lif.lif(), seed })
    yield* Effect.addFinalizer(() => Effect.sync(net.dispose))
    const model = trainableNetwork(net)
    const plan = yield* Training.MemoryPlan.plan({
      model,
      backend,
      imageShape: c.imageShape,
      timesteps: c.timesteps,
      batchSize: c.batch,
      optimizerBuffers: 1,
      headroom: 0.2
    })
    const optimizer = Training.Optimizer.make({
      kind: "sgd",
      lr: 0.01,
      momentum: 0.9,
      weightDecay: 5e-4,
      dampening: 0,
      nesterov: false,
      officialBug: false
    })
    yield* Effect.addFinalizer(() => Effect.sync(optimizer.dispose))
    const [h, w, ch] = c.imageShape
    const images = new Float32Array(c.batch * h * w * ch)
    for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.618) * 1.5
    const batch = {
      size: c.batch,
      imageShape: c.imageShape,
      images,
      labels: Int32Array.from({ length: c.batch }, (_, i) => i % network.classes),
      indices: Int32Array.from({ length: c.batch }, (_, i) => i)
    }
    const step = (index: number) =>
      Effect.try({
        try: () =>
          Training.trainStep({
            model,
            optimizer,
            batch,
            microBatch: plan.microBatch,
            timesteps: c.timesteps,
            lr: 0.01,
            dropoutKey: (micro) => ({ seed, index: index * 1000 + micro })
          }),
        catch: (cause) => Training.tensorFailed(`bench train step (${configLabel(c)})`, cause)
      })
    for (let i = 0; i < warmup; i++) yield* step(i)
    const start = yield* Clock.currentTimeMillis
    for (let i = 0; i < steps; i++) yield* step(warmup + i)
    const end = yield* Clock.currentTimeMillis
    const seconds = (end - start) / 1000
    const { info } = yield* Backend
    const row: BenchTrainRow = {
      backend,
      ...(info.kernels === undefined ? {} : { kernels: info.kernels }),
      config: configLabel(c),
      imagesPerSecond: seconds > 0 ? (steps * c.batch) / seconds : 0,
      peakRssMb: peakRssMb(),
      microBatch: plan.microBatch,
      steps,
      seconds,
      params: Training.parameterCount(model)
    }
    return row
  }).pipe(Effect.scoped)

/**
 * Runs the benchmark: each backend is initialised in turn (tfjs has one active backend per process).
 *
 * @since 0.1.0
 */
export const benchTrain = (
  options: BenchTrainOptions = {}
): Effect.Effect<BenchTrainResult, Training.TrainingError | BackendError | ArchitectureError | ConfigError> =>
  Effect.gen(function* () {
    const archText = options.arch ?? "0302 0030 3003 0000"
    const arch = yield* Architecture.parseArchitecture(archText, { cellType: "backward", kernels: [1, 3] })
    const runs = options.runs ?? [
      { backend: "cpu" as const, configs: defaultConfigs.slice(0, 1) },
      { backend: "wasm" as const, configs: defaultConfigs }
    ]
    const rows: Array<BenchTrainRow> = []
    for (const run of runs) {
      const layer =
        run.backend === "wasm"
          ? Backend.layer({
              backend: "wasm",
              ...(options.threads === undefined ? {} : { threads: options.threads }),
              ...(options.kernels === undefined ? {} : { kernels: options.kernels })
            })
          : Backend.layer({ backend: run.backend })
      const backendRows = yield* Effect.gen(function* () {
        const out: Array<BenchTrainRow> = []
        for (const c of run.configs) {
          resetPeakRss()
          out.push(
            yield* benchRow(
              { ...arch, kernels: c.kernels },
              run.backend,
              c,
              options.steps?.[run.backend] ?? defaultSteps[run.backend],
              options.warmup?.[run.backend] ?? defaultWarmup[run.backend],
              options.seed ?? 0
            )
          )
        }
        return out
      }).pipe(Effect.provide(layer))
      rows.push(...backendRows)
    }
    const speedups = rows
      .filter((r) => r.backend === "cpu")
      .flatMap((cpu) => {
        const wasm = rows.find((r) => r.backend === "wasm" && r.config === cpu.config)
        return wasm === undefined || cpu.imagesPerSecond === 0
          ? []
          : [{ config: cpu.config, wasmOverCpu: wasm.imagesPerSecond / cpu.imagesPerSecond }]
      })
    return { arch: archText, rows, speedups }
  })

/**
 * The text form of `spikernel bench train`.
 *
 * @since 0.1.0
 */
export const renderBenchTrain = (result: BenchTrainResult): string =>
  [
    `train steps (forward + BPTT backward + SGD update) of ${result.arch}, backward cell:`,
    ...result.rows.map(
      (r) =>
        `  ${(r.kernels === undefined ? r.backend : `${r.backend}/${r.kernels}`).padEnd(11)} ${r.config.padEnd(30)} ${r.imagesPerSecond.toFixed(2).padStart(8)} img/s  ` +
        `peak RSS ${r.peakRssMb.toFixed(0).padStart(5)} MB  micro-batch ${r.microBatch}, ${r.steps} steps in ${r.seconds.toFixed(1)} s`
    ),
    ...result.speedups.map((s) => `  wasm / cpu on ${s.config}: ${s.wasmOverCpu.toFixed(1)}×`)
  ].join("\n")
