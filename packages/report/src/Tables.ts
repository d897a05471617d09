/**
 * The tables of a report, built once and written twice: as HTML in `index.html` and as Markdown in
 * `summary.md`. Cells are plain text with their units; the writers only escape and lay them out.
 *
 * @since 0.1.0
 */
import { Architecture, DeploymentMemory } from "@spikernel/core"
import type { Analysis } from "./Analysis.ts"
import {
  formatCount,
  formatMegabytes,
  formatNumber,
  formatPercent,
  formatSeconds,
  formatSpeedup,
  kernelsLabel
} from "./Format.ts"
import { memoryFigure, memoryOf, onDevice } from "./ReportResults.ts"

/**
 * A table: a title, a sentence saying what it holds, columns, and rows of text cells. A row marked
 * `warn` is a fairness warning and is drawn as one.
 *
 * @since 0.1.0
 */
export interface Table {
  readonly id: string
  readonly title: string
  readonly note: string
  /** `numeric` cells align right; `wrap` cells may break lines (the rest stay on one line). */
  readonly columns: ReadonlyArray<{
    readonly header: string
    readonly numeric: boolean
    readonly wrap: boolean
  }>
  readonly rows: ReadonlyArray<{ readonly cells: ReadonlyArray<string>; readonly warn: boolean }>
}

const column = (header: string, numeric = false, wrap = false) => ({ header, numeric, wrap })
const row = (cells: ReadonlyArray<string>, warn = false) => ({ cells, warn })

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MiB`

/**
 * The steps that failed, with the candidate and a memory refusal's figures; no rows for a run
 * without failures (the writers then leave the table out).
 *
 * @since 0.1.0
 */
export const failuresTable = (analysis: Analysis): Table => ({
  id: "failures",
  title: "Steps that failed",
  note: "These steps did not finish, so what depends on them is missing from this report; a memory refusal says what the candidate needed and what the backend had free.",
  columns: [
    column("Pipeline"),
    column("Step"),
    column("Candidate", false, true),
    column("Needed", true),
    column("Free", true),
    column("Limit", true),
    column("Why", false, true)
  ],
  rows: analysis.inputs.flatMap((input) =>
    (input.failures ?? []).map((failure) =>
      row(
        [
          input.name,
          failure.step,
          failure.candidate === undefined
            ? "—"
            : `${failure.candidate.index}: ${failure.candidate.architecture}`,
          failure.memory === undefined ? "—" : mib(failure.memory.neededBytes),
          failure.memory === undefined ? "—" : mib(failure.memory.freeBytes),
          failure.memory?.limitBytes === undefined || failure.memory.limitBytes === null
            ? "—"
            : mib(failure.memory.limitBytes),
          failure.message
        ],
        true
      )
    )
  )
})

/**
 * Every trained and evaluated model, one row each: what it is, what it scored, what it costs and
 * whether it was selected or is on the Pareto front. The per-kernel-set comparison of the paper.
 *
 * @since 0.1.0
 */
export const modelsTable = (analysis: Analysis): Table => {
  const several = analysis.results.pipelines.length > 1
  const device = onDevice(analysis.results.trained)
  const operations = analysis.results.trained.some((m) => m.synOps !== undefined)
  const quantizedBits = [
    ...new Set(analysis.results.trained.flatMap((m) => (m.quantized ?? []).map((q) => q.bits)))
  ]
  const budgets = analysis.results.pipelines.flatMap((p) =>
    p.memoryBudgetBytes === undefined
      ? []
      : [
          `${several ? `${p.name}: ` : ""}${formatMegabytes(p.memoryBudgetBytes)}${p.weightBits === undefined ? "" : ` at ${p.weightBits} bits`}`
        ]
  )
  return {
    id: "models",
    title: "Trained models",
    note:
      "Every trained and evaluated model, by kernel set. Accuracy is top-1 on the test split; bytes are the FP32 weights (1 MB = 10⁶ bytes); firing rate is the mean over the spiking layers; search time is the paid seconds of the search that found the architecture." +
      (device
        ? ` On device: the ${memoryFigure(analysis.results.trained)} (weights, scales, BatchNorm as shipped, neuron state, spike buffers and the peak activation of one timestep).`
        : "") +
      (quantizedBits.length > 0
        ? ` At ${quantizedBits.join(" and ")} bits: test top-1 with every convolution and linear weight quantized after training (symmetric, per output channel; BatchNorm, biases, membranes and activations stay float).`
        : "") +
      (operations
        ? " SynOps: the accumulates one inference's measured spikes drive (spikes × fan-out per layer; the stem's multiply-accumulates on the image are in the energy, not here); energy: those operations at 45 nm FP32 (Horowitz, ISSCC 2014: 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate), memory access not included."
        : "") +
      (budgets.length > 0
        ? ` Selected: the most accurate model within the memory budget (${budgets.join(", ")}).`
        : ""),
    columns: [
      ...(several ? [column("Pipeline")] : []),
      column("Kernel set"),
      column("Architecture"),
      column("SAHD score", true),
      column("Accuracy", true),
      ...quantizedBits.map((bits) => column(`At ${bits} bits`, true)),
      column("Parameters", true),
      column("Bytes", true),
      ...(device ? [column("On device", true)] : []),
      column("Firing rate", true),
      ...(operations ? [column("SynOps", true), column("Energy", true)] : []),
      column("Search time", true),
      column("Selected"),
      column("Pareto")
    ],
    rows: analysis.results.trained.map((m) =>
      row([
        ...(several ? [m.pipeline] : []),
        `${kernelsLabel(m.architecture.kernels)}${m.architecture.cellType === "backward" ? "" : ` ${m.architecture.cellType}`}`,
        Architecture.formatArchitecture(m.architecture),
        formatNumber(m.score, 2),
        formatPercent(m.accuracy),
        ...quantizedBits.map((bits) => {
          const q = m.quantized?.find((entry) => entry.bits === bits)
          return q === undefined ? "—" : formatPercent(q.accuracy)
        }),
        formatCount(m.params),
        formatCount(m.bytes),
        ...(device ? [formatCount(memoryOf(m, true))] : []),
        m.firingRate === undefined ? "—" : formatPercent(m.firingRate),
        ...(operations
          ? [
              m.synOps === undefined ? "—" : formatCount(Math.round(m.synOps)),
              m.energyMicrojoules === undefined ? "—" : `${formatNumber(m.energyMicrojoules, 2)} µJ`
            ]
          : []),
        m.searchSeconds === undefined ? "—" : formatSeconds(m.searchSeconds),
        m.selected ? "yes" : "",
        m.pareto ? "yes" : ""
      ])
    )
  }
}

/**
 * Each pipeline's selected models with accuracy, parameters, bytes and the pipeline's search time.
 * A pipeline that trained nothing has no row (it had nothing to select from).
 *
 * @since 0.1.0
 */
export const selectedTable = (analysis: Analysis): Table => ({
  id: "selected",
  title: "Selected models",
  note: "What each pipeline selected; search time is the pipeline's paid search seconds over all its searches.",
  columns: [
    column("Pipeline"),
    column("Selected architecture"),
    column("Accuracy", true),
    column("Parameters", true),
    column("Bytes", true),
    column("Memory", true),
    column("SAHD score", true),
    column("Search time", true)
  ],
  rows: analysis.results.pipelines.flatMap((pipeline) => {
    const trained = analysis.results.trained.filter((model) => model.pipeline === pipeline.name).length
    if (trained === 0) return []
    return pipeline.selected.length === 0
      ? [
          row([
            pipeline.name,
            pipeline.memoryBudgetBytes === undefined
              ? `no selection among ${trained} trained models`
              : `no model within ${formatMegabytes(pipeline.memoryBudgetBytes)} among ${trained} trained`,
            "—",
            "—",
            "—",
            "—",
            "—",
            formatSeconds(pipeline.searchSeconds)
          ])
        ]
      : pipeline.selected.map((model) =>
          row([
            pipeline.name,
            model.label,
            formatPercent(model.accuracy),
            formatCount(model.params),
            formatCount(model.bytes),
            formatMegabytes(model.bytes),
            formatNumber(model.score, 2),
            formatSeconds(pipeline.searchSeconds)
          ])
        )
  })
})

/**
 * The fairness checks; failed checks are warning rows.
 *
 * @since 0.1.0
 */
export const fairnessTable = (analysis: Analysis): Table => ({
  id: "fairness",
  title: "Fairness of the comparison",
  note: "Compared searches should share data, scorer settings, budget and seeds; scores another search computed make search times look cheaper. Repeats inside one search are information: dedup makes them free for every strategy.",
  columns: [column("Check"), column("Status"), column("Detail", false, true)],
  rows: analysis.results.fairness.map((check) =>
    row(
      [check.check, check.check === "repeats" ? "ℹ info" : check.fair ? "✓ fair" : "⚠ warning", check.detail],
      !check.fair
    )
  )
})

/**
 * The pipelines side by side.
 *
 * @since 0.1.0
 */
export const pipelinesTable = (analysis: Analysis): Table => ({
  id: "pipelines",
  title: "Pipelines",
  note: "Candidates paid for were evaluated in this run; cached ones were reused from the store and cost no time here.",
  columns: [
    column("Pipeline"),
    column("Dataset", false, true),
    column("Strategies", false, true),
    column("Kernel sets", false, true),
    column("Seeds"),
    column("Searches", true),
    column("Paid", true),
    column("Cached", true),
    column("Search time", true)
  ],
  rows: analysis.results.pipelines.map((p) =>
    row([
      p.name,
      p.dataset,
      p.strategies.join(", "),
      p.kernelSets.map(kernelsLabel).join(" "),
      p.seeds.join(", "),
      formatCount(p.searches),
      formatCount(p.paid),
      formatCount(p.cached),
      formatSeconds(p.searchSeconds)
    ])
  )
})

/**
 * Search cost per kernel set and strategy, with the speed-up over the baseline.
 *
 * @since 0.1.0
 */
export const costTable = (analysis: Analysis): Table => {
  const several = analysis.results.pipelines.length > 1
  return {
    id: "search-cost",
    title: "Search cost",
    note:
      analysis.results.baselineSeconds === undefined
        ? "No baseline search in these results, so no speed-up."
        : `Speed-up: mean seconds of a baseline run (${formatSeconds(analysis.results.baselineSeconds)}) over the row's mean.`,
    columns: [
      ...(several ? [column("Pipeline")] : []),
      column("Kernel set"),
      column("Cell"),
      column("Strategy"),
      column("Budget", true),
      column("Seeds"),
      column("Paid", true),
      column("Cached", true),
      column("Mean per run", true),
      column("min–max", true),
      column("Speed-up", true)
    ],
    rows: analysis.results.searchCost.map((g) =>
      row([
        ...(several ? [g.pipeline] : []),
        `${kernelsLabel(g.kernels)}${g.baseline ? " (baseline)" : ""}`,
        g.cellType,
        g.strategy,
        formatCount(g.budget),
        g.seeds.join(", "),
        formatCount(g.paid),
        formatCount(g.cached),
        formatSeconds(g.meanSeconds),
        `${g.minSeconds.toFixed(1)}–${formatSeconds(g.maxSeconds)}`,
        formatSpeedup(g.speedup)
      ])
    )
  }
}

/**
 * The best score each strategy reached, over its seeds.
 *
 * @since 0.1.0
 */
export const bestTable = (analysis: Analysis): Table => {
  const several = analysis.results.pipelines.length > 1
  return {
    id: "best-score",
    title: "Best score reached",
    note: "The best SAHD score of each seed at the end of its search: median and band (min–max, or quartiles above four seeds).",
    columns: [
      ...(several ? [column("Pipeline")] : []),
      column("Kernel set"),
      column("Cell"),
      column("Strategy"),
      column("Budget", true),
      column("Seeds"),
      column("Median", true),
      column("Band", true)
    ],
    rows: analysis.results.bestSoFar.map((b) =>
      row([
        ...(several ? [b.pipeline] : []),
        `${kernelsLabel(b.kernels)}${b.baseline ? " (baseline)" : ""}`,
        b.cellType,
        b.strategy,
        formatCount(b.budget),
        b.seeds.join(", "),
        formatNumber(b.median, 2),
        b.seeds.length === 1
          ? "— (one seed)"
          : `${formatNumber(b.lo, 2)} – ${formatNumber(b.hi, 2)} (${b.band})`
      ])
    )
  }
}

/**
 * Kendall's τ-b between score and trained accuracy, over all models and per kernel set.
 *
 * @since 0.1.0
 */
export const kendallTable = (analysis: Analysis): Table => ({
  id: "kendall",
  title: "Score–accuracy rank correlation",
  note: "Kendall's τ-b (tie-corrected) between the SAHD score and trained accuracy; — where it is undefined (fewer than two models, or a constant).",
  columns: [
    column("Models"),
    column("n", true),
    column("τ-b", true),
    column("Concordant", true),
    column("Discordant", true),
    column("Ties (score / acc. / both)", true)
  ],
  rows: analysis.results.kendall.map((t) =>
    row([
      t.group === "all" ? "all trained" : t.group,
      formatCount(t.n),
      formatNumber(t.tau, 3),
      formatCount(t.concordant),
      formatCount(t.discordant),
      `${t.tiedX} / ${t.tiedY} / ${t.tiedBoth}`
    ])
  )
})

/**
 * The accuracy–memory Pareto front.
 *
 * @since 0.1.0
 */
export const paretoTable = (analysis: Analysis): Table => ({
  id: "pareto",
  title: "Accuracy–memory Pareto front",
  note: `Trained models that no other model beats on both accuracy and memory (${memoryFigure(analysis.results.trained)}), smallest first.`,
  columns: [
    column("Pipeline"),
    column("Architecture"),
    column("Accuracy", true),
    column("Parameters", true),
    column("Memory", true),
    column("Selected")
  ],
  rows: analysis.results.pareto.map((m) =>
    row([
      m.pipeline,
      m.label,
      formatPercent(m.accuracy),
      formatCount(m.params),
      formatMegabytes(memoryOf(m, onDevice(analysis.results.trained))),
      m.selected ? "yes" : ""
    ])
  )
})

/**
 * Each trained model's memory on a device: the total at 32, 16, 8 and 4-bit weights, and at the
 * budget's bit-width (32 without one) what it is made of. No rows when no model has the record.
 *
 * @since 0.1.0
 */
export const deviceMemoryTable = (analysis: Analysis): Table => {
  const measured = analysis.results.trained.filter((m) => m.memory !== undefined)
  const widths = [...new Set(measured.map((m) => m.weightBits ?? 32))]
  return {
    id: "device-memory",
    title: "Memory on a device",
    note:
      "Bytes each model needs at 32/16/8/4-bit weights (per-output-channel fp32 scales at 8 and 4 bits; BatchNorm folded into the convolution before it as a bias per channel, or a scale and shift per channel in front of a LIF; neuron state and analog activations at 32 bits with FP32 weights, 16 bits otherwise; spikes 1 bit), and its parts at the budget's width " +
      `(${widths.map((w) => `${w} bits`).join(", ") || "32 bits"}): parameters = weights + scales + BatchNorm + bias; state = membranes + feedback buffers + spike buffers; peak activation = the largest set of feature maps live at once in one timestep at batch 1.`,
    columns: [
      column("Pipeline"),
      column("Architecture"),
      ...DeploymentMemory.weightBitsList.map((bits) => column(`${bits}-bit`, true)),
      column("Width", true),
      column("Parameters", true),
      column("State", true),
      column("Peak activation", true)
    ],
    rows: measured.map((m) => {
      const memory = m.memory as DeploymentMemory.DeploymentMemory
      const at = DeploymentMemory.at(memory, m.weightBits ?? 32)
      return row([
        m.pipeline,
        m.label,
        ...DeploymentMemory.weightBitsList.map((bits) =>
          formatCount(DeploymentMemory.at(memory, bits).total)
        ),
        `${at.weightBits}`,
        formatCount(at.parameters),
        formatCount(at.membranes + at.feedback + at.spikes),
        formatCount(at.peakActivation)
      ])
    })
  }
}
