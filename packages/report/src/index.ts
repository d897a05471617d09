/**
 * `@spikernel/report`: static reports of pipeline runs — `index.html` with inline SVG plots (Vega-Lite
 * rendered server-side), `summary.md` and `results.json` — and side-by-side comparisons that say
 * whether they are fair.
 *
 * @since 0.1.0
 */

/** Writing a report or a comparison. */
export * as Report from "./Report.ts"
/** What a report is made of. */
export * as ReportInput from "./ReportInput.ts"
/** The schema of `results.json`. */
export * as ReportResults from "./ReportResults.ts"
/** The package's error. */
export * from "./ReportError.ts"
/** Kendall's τ-b with ties. */
export * as KendallTau from "./KendallTau.ts"
/** Spearman's ρ with ties, bootstrap intervals, top-k overlap and the pick's regret. */
export * as RankStatistics from "./RankStatistics.ts"
/** The proxy-quality study: its input, figures, tables, plots and folder. */
export * as ProxyStudy from "./ProxyStudy.ts"
/** The search-budget ablation: best score vs candidates over seeds. */
export * as BudgetAblation from "./BudgetAblation.ts"
/** The kernel-size study: accuracy curves and final accuracy by kernel size over seeds (issue 18). */
export * as KernelStudy from "./KernelStudy.ts"
/** Multi-objective searches compared: score–memory fronts and their hypervolume (issue 19). */
export * as FrontComparison from "./FrontComparison.ts"
/** The folder of a study report. */
export * as StudyFolder from "./StudyFolder.ts"
/** Best score so far, per strategy over seeds. */
export * as BestSoFar from "./BestSoFar.ts"
/** Search cost and speed-up over the baseline. */
export * as SearchCost from "./SearchCost.ts"
/** Fairness checks of a comparison. */
export * as Fairness from "./Fairness.ts"
/** Analysis: every figure of a report. */
export * as Analysis from "./Analysis.ts"
/** The plots' Vega-Lite specs. */
export * as PlotSpecs from "./PlotSpecs.ts"
/** Server-side SVG rendering. */
export * as SvgRenderer from "./SvgRenderer.ts"
/** Units and labels. */
export * as Format from "./Format.ts"
