/**
 * Whether a comparison is fair, and where it is not: the searches being compared should have had the
 * same budget, the same seeds and the same data, and their times should count the same kind of work.
 *
 * Baseline runs are left out of the budget and seed checks: they are the reference, different on
 * purpose (5000 candidates against a few hundred).
 *
 * @since 0.1.0
 */
import { kernelsLabel } from "./Format.ts"
import type { ReportInput } from "./ReportInput.ts"
import { baselineRule } from "./SearchCost.ts"

/**
 * One check of the comparison: `fair` is false for a warning row.
 *
 * @since 0.1.0
 */
export interface FairnessRow {
  readonly check: "budget" | "seeds" | "data" | "cache"
  readonly fair: boolean
  readonly detail: string
}

const listDiffering = (entries: ReadonlyArray<readonly [string, string]>): string =>
  entries.map(([who, what]) => `${who}: ${what}`).join("; ")

/**
 * The fairness rows of a report (one input) or a comparison (several).
 *
 * @since 0.1.0
 */
export const fairness = (inputs: ReadonlyArray<ReportInput>): ReadonlyArray<FairnessRow> => {
  const isBaseline = baselineRule(inputs)
  const several = inputs.length > 1
  const rows: Array<FairnessRow> = []

  // Same data: the fingerprint when every input has one, else the spec as written.
  const useFingerprint = inputs.every((input) => input.datasetFingerprint !== undefined)
  const dataOf = (input: ReportInput): string =>
    useFingerprint ? `${input.dataset} (${input.datasetFingerprint})` : input.dataset
  const data = new Set(inputs.map(dataOf))
  rows.push(
    data.size <= 1
      ? {
          check: "data",
          fair: true,
          detail: `${several ? "every pipeline uses" : "one dataset:"} ${[...data][0] ?? "—"}${useFingerprint ? "" : " (spec compared; no fingerprint recorded)"}`
        }
      : {
          check: "data",
          fair: false,
          detail: `datasets differ: ${listDiffering(inputs.map((input) => [input.name, dataOf(input)]))}`
        }
  )

  // Groups of compared searches: one per (pipeline, strategy, cell type, kernel set).
  const groups = new Map<string, { label: string; budgets: Set<number>; seeds: Set<number> }>()
  let baselines = 0
  for (const input of inputs) {
    for (const run of input.searches) {
      if (isBaseline(run)) {
        baselines++
        continue
      }
      const label = `${several ? `${input.name} ` : ""}${run.strategy} ${kernelsLabel(run.kernels)}${run.cellType === "backward" ? "" : ` ${run.cellType}`}`
      const group = groups.get(label) ?? { label, budgets: new Set<number>(), seeds: new Set<number>() }
      group.budgets.add(run.budget)
      group.seeds.add(run.seed)
      groups.set(label, group)
    }
  }
  const compared = [...groups.values()]
  const baselineNote =
    baselines > 0 ? ` (${baselines} baseline run${baselines === 1 ? "" : "s"} left out: the reference)` : ""

  const budgets = new Set(compared.flatMap((group) => [...group.budgets]))
  rows.push(
    budgets.size <= 1
      ? {
          check: "budget",
          fair: true,
          detail:
            budgets.size === 0
              ? `no searches to compare${baselineNote}`
              : `every compared search had a budget of ${[...budgets][0]} candidates${baselineNote}`
        }
      : {
          check: "budget",
          fair: false,
          detail: `budgets differ: ${listDiffering(compared.map((group) => [group.label, [...group.budgets].sort((a, b) => a - b).join(", ")]))}`
        }
  )

  const seedText = (seeds: Set<number>): string => [...seeds].sort((a, b) => a - b).join(", ")
  const seedSets = new Set(compared.map((group) => seedText(group.seeds)))
  rows.push(
    seedSets.size <= 1
      ? {
          check: "seeds",
          fair: true,
          detail:
            seedSets.size === 0
              ? "no searches to compare"
              : `seeds ${[...seedSets][0]} for every strategy and kernel set${baselineNote}`
        }
      : {
          check: "seeds",
          fair: false,
          detail: `seeds differ: ${listDiffering(compared.map((group) => [group.label, seedText(group.seeds)]))}`
        }
  )

  // Reused candidates cost nothing in this run, so any reuse makes search times understate the work.
  const cachedBy = inputs.map((input) => {
    let cached = 0
    let total = 0
    for (const run of input.searches) {
      total += run.candidates.length
      for (const candidate of run.candidates) if (candidate.cached) cached++
    }
    return { name: input.name, cached, total }
  })
  const anyCached = cachedBy.some((entry) => entry.cached > 0)
  rows.push(
    anyCached
      ? {
          check: "cache",
          fair: false,
          detail: `candidates reused from the store are not in the search times: ${cachedBy.map((entry) => `${several ? `${entry.name}: ` : ""}${entry.cached} of ${entry.total}`).join("; ")}`
        }
      : {
          check: "cache",
          fair: true,
          detail: "every candidate was evaluated in this run: search times are the whole cost"
        }
  )
  return rows
}
