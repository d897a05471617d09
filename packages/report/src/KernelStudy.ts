/**
 * The kernel-size study (issue 18; SpiKernel's step 1, METHOD.md §6.1): one fixed architecture with
 * its cell convolutions at k×k for several k, each trained from scratch with several seeds. Per
 * kernel size: the final test accuracy as mean ± sd over seeds, its parameters and weight bytes,
 * the per-epoch test-accuracy curve (mean ± sd), and whether training had levelled off — the gain
 * over the last quarter of the epochs, so a reader can tell "bigger kernels are worse" from "bigger
 * kernels had not finished learning".
 *
 * @since 0.1.0
 */
import { Numbers } from "@spikernel/core"
import { Effect, type FileSystem, type Path, Schema } from "effect"
import { formatNumber, formatPercent } from "./Format.ts"
import { config, type PlotSpec, paddedDomain, palette } from "./PlotSpecs.ts"
import { ReportError } from "./ReportError.ts"
import { type StudyFiles, writeStudyFolder } from "./StudyFolder.ts"
import type { Table } from "./Tables.ts"

const Positive = Schema.Int.check(Schema.isGreaterThan(0))
const Rate = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

/**
 * One training: its kernel size, seed, size and per-epoch test top-1 (epoch 1 first).
 *
 * @since 0.1.0
 */
export const KernelRun = Schema.Struct({
  kernel: Positive,
  seed: Schema.Int,
  params: Schema.Int,
  bytes: Schema.Int,
  testTop1: Schema.NonEmptyArray(Rate),
  /** Training seconds per epoch (without evaluation), mean over the epochs. */
  secondsPerEpoch: Schema.Finite
})

/**
 * @since 0.1.0
 */
export type KernelRun = typeof KernelRun.Type

/**
 * @since 0.1.0
 */
export const KernelStudyInput = Schema.Struct({
  name: Schema.String,
  dataset: Schema.String,
  architecture: Schema.String,
  runs: Schema.NonEmptyArray(KernelRun)
})

/**
 * @since 0.1.0
 */
export type KernelStudyInput = typeof KernelStudyInput.Type

const Spread = Schema.Struct({ mean: Schema.Finite, sd: Numbers.JsonNumber })

const Row = Schema.Struct({
  kernel: Positive,
  seeds: Schema.Int,
  params: Schema.Int,
  bytes: Schema.Int,
  final: Schema.Struct({
    mean: Schema.Finite,
    sd: Numbers.JsonNumber,
    min: Schema.Finite,
    max: Schema.Finite
  }),
  /** The best epoch's accuracy per seed, mean ± sd. */
  best: Spread,
  /** Final minus the accuracy `lastEpochs` epochs before the end, per seed, mean ± sd. */
  lastGain: Spread,
  /** Final accuracy minus the first kernel size's, mean over seeds (0 for the first). */
  differenceToFirst: Schema.Finite,
  secondsPerEpoch: Schema.Finite
})

/**
 * `results.json` of a kernel-size study.
 *
 * @since 0.1.0
 */
export const KernelStudyResults = Schema.Struct({
  format: Schema.Literal("spikernel-kernel-study"),
  version: Schema.Literal(1),
  name: Schema.String,
  dataset: Schema.String,
  architecture: Schema.String,
  epochs: Positive,
  /** How many final epochs `lastGain` spans: ⌈epochs / 4⌉. */
  lastEpochs: Positive,
  rows: Schema.Array(Row),
  /** Per kernel size and epoch: test top-1 over seeds. */
  curves: Schema.Array(
    Schema.Struct({ kernel: Positive, epoch: Positive, mean: Schema.Finite, sd: Numbers.JsonNumber })
  )
})

/**
 * @since 0.1.0
 */
export type KernelStudyResults = typeof KernelStudyResults.Type

const spread = (values: ReadonlyArray<number>) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd =
    values.length < 2
      ? Number.NaN
      : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
  return { mean, sd }
}

/**
 * The rows and curves. Every run must have the same number of epochs (the reporter checks).
 *
 * @since 0.1.0
 */
export const analyzeKernelStudy = (input: KernelStudyInput): KernelStudyResults => {
  const epochs = input.runs[0].testTop1.length
  const lastEpochs = Math.max(1, Math.ceil(epochs / 4))
  const kernels = [...new Set(input.runs.map((run) => run.kernel))].sort((a, b) => a - b)
  const finals = (kernel: number) =>
    input.runs.filter((run) => run.kernel === kernel).map((run) => run.testTop1[epochs - 1])
  const firstMean = spread(finals(kernels[0])).mean
  const rows = kernels.map((kernel) => {
    const runs = input.runs.filter((run) => run.kernel === kernel)
    const final = finals(kernel)
    const { mean, sd } = spread(final)
    return {
      kernel,
      seeds: runs.length,
      params: runs[0].params,
      bytes: runs[0].bytes,
      final: { mean, sd, min: Math.min(...final), max: Math.max(...final) },
      best: spread(runs.map((run) => Math.max(...run.testTop1))),
      lastGain: spread(
        runs.map(
          (run) =>
            run.testTop1[epochs - 1] - (epochs > lastEpochs ? run.testTop1[epochs - 1 - lastEpochs] : 0)
        )
      ),
      differenceToFirst: mean - firstMean,
      secondsPerEpoch: spread(runs.map((run) => run.secondsPerEpoch)).mean
    }
  })
  const curves = kernels.flatMap((kernel) =>
    Array.from({ length: epochs }, (_, i) => ({
      kernel,
      epoch: i + 1,
      ...spread(input.runs.filter((run) => run.kernel === kernel).map((run) => run.testTop1[i]))
    }))
  )
  return {
    format: "spikernel-kernel-study",
    version: 1,
    name: input.name,
    dataset: input.dataset,
    architecture: input.architecture,
    epochs,
    lastEpochs,
    rows,
    curves
  }
}

const column = (header: string, numeric = true) => ({ header, numeric, wrap: false })
const points = (value: number) => `${value >= 0 ? "+" : "−"}${formatNumber(Math.abs(value) * 100, 2)}`
const withSd = (mean: number, sd: number, asPercent: boolean) =>
  asPercent
    ? `${formatPercent(mean, 2)} ± ${Number.isNaN(sd) ? "—" : formatNumber(sd * 100, 2)}`
    : `${points(mean)} ± ${Number.isNaN(sd) ? "—" : formatNumber(sd * 100, 2)}`

/**
 * The table: one row per kernel size.
 *
 * @since 0.1.0
 */
export const kernelStudyTable = (results: KernelStudyResults): Table => ({
  id: "kernel-study",
  title: "Test accuracy by kernel size",
  note: `${results.architecture} on ${results.dataset}, ${results.epochs} epochs; mean ± sd over seeds (points for differences). "Last ${results.lastEpochs}" is the gain over the last ${results.lastEpochs} epoch${results.lastEpochs === 1 ? "" : "s"}: near 0 means training had levelled off.`,
  columns: [
    column("Kernel", false),
    column("Seeds"),
    column("Params"),
    column("Bytes (FP32)"),
    column("Final test top-1"),
    column("Min"),
    column("Max"),
    column("Best epoch"),
    column(`Gain, last ${results.lastEpochs}`),
    column(`vs ${results.rows[0]?.kernel ?? "?"}×${results.rows[0]?.kernel ?? "?"}`),
    column("s / epoch")
  ],
  rows: results.rows.map((row) => ({
    warn: false,
    cells: [
      `${row.kernel}×${row.kernel}`,
      String(row.seeds),
      row.params.toLocaleString("en-US"),
      row.bytes.toLocaleString("en-US"),
      withSd(row.final.mean, row.final.sd, true),
      formatPercent(row.final.min, 2),
      formatPercent(row.final.max, 2),
      withSd(row.best.mean, row.best.sd, true),
      withSd(row.lastGain.mean, row.lastGain.sd, false),
      row === results.rows[0] ? "—" : points(row.differenceToFirst),
      formatNumber(row.secondsPerEpoch, 1)
    ]
  }))
})

/**
 * The plot: test accuracy against epochs per kernel size, the band ± one sd over seeds.
 *
 * @since 0.1.0
 */
export const kernelStudyPlot = (results: KernelStudyResults): PlotSpec => {
  const kernels = results.rows.map((row) => `${row.kernel}×${row.kernel}`)
  const colors = { domain: kernels, range: kernels.map((_, i) => palette[i % palette.length]) }
  const values = results.curves.map((c) => ({
    kernel: `${c.kernel}×${c.kernel}`,
    epoch: c.epoch,
    mean: Number((c.mean * 100).toFixed(3)),
    low: Number(((Number.isFinite(c.sd) ? c.mean - c.sd : c.mean) * 100).toFixed(3)),
    high: Number(((Number.isFinite(c.sd) ? c.mean + c.sd : c.mean) * 100).toFixed(3))
  }))
  const x = { field: "epoch", type: "quantitative" as const, title: "epoch", scale: { nice: false } }
  const color = { field: "kernel", type: "nominal" as const, scale: colors, title: "kernel" }
  return {
    id: "kernel-study",
    title: "Test accuracy by epoch and kernel size",
    caption:
      "Test top-1 (eval mode) after each epoch, mean over seeds, the band ± one standard deviation. Curves still rising at the right edge had not finished learning.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Test accuracy by epoch", subtitle: `${results.architecture} · mean ± sd over seeds` },
      width: 560,
      height: 300,
      config,
      data: { values },
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: {
              field: "low",
              type: "quantitative",
              title: "test top-1 (%)",
              scale: { domain: paddedDomain(values.flatMap((v) => [v.low, v.high])), nice: false }
            },
            y2: { field: "high" },
            color
          }
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative" },
            color,
            tooltip: [
              { field: "kernel" },
              { field: "epoch" },
              { field: "mean" },
              { field: "low" },
              { field: "high" }
            ]
          }
        }
      ]
    } as PlotSpec["spec"]
  }
}

/**
 * Writes the study folder into `outDir`; runs of unequal lengths are refused.
 *
 * @since 0.1.0
 */
export const writeKernelStudy = (
  input: KernelStudyInput,
  outDir: string
): Effect.Effect<
  StudyFiles & { readonly analysis: KernelStudyResults },
  ReportError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function* () {
    const epochs = input.runs[0].testTop1.length
    const uneven = input.runs.find((run) => run.testTop1.length !== epochs)
    if (uneven !== undefined) {
      return yield* new ReportError({
        reason: "input",
        detail: `the ${uneven.kernel}×${uneven.kernel} training with seed ${uneven.seed} has ${uneven.testTop1.length} epochs; the first has ${epochs}`
      })
    }
    const results = analyzeKernelStudy(input)
    const encoded = yield* Schema.encodeEffect(KernelStudyResults)(results).pipe(
      Effect.mapError(
        (error) => new ReportError({ reason: "input", detail: `results do not encode: ${error.message}` })
      )
    )
    const seeds = [...new Set(input.runs.map((run) => run.seed))].length
    const files = yield* writeStudyFolder({
      outDir,
      title: `Spikernel kernel-size study: ${input.name}`,
      subtitle: `Dataset ${input.dataset} · ${input.architecture} · ${seeds} seeds · ${epochs} epochs`,
      sections: [{ plot: kernelStudyPlot(results) }, { table: kernelStudyTable(results) }],
      results: encoded
    })
    return { ...files, analysis: results }
  })
