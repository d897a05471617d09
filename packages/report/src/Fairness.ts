/**
 * Whether a comparison is fair, and where it is not: the searches being compared should have had the
 * same budget, the same seeds, the same data and the same scorer settings (a SAHD score over a batch
 * of 64 is on another scale than one over 32), and their times should count the same kind of work.
 *
 * A cell a strategy proposes twice in one search is scored once (dedup): the repeat is free for any
 * strategy, so it is information, not unfairness. A score another search (or an earlier run)
 * computed is a real discount on this search's time, and is a warning.
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
  readonly check: "data" | "scorer" | "budget" | "seeds" | "cache" | "repeats"
  readonly fair: boolean
  readonly detail: string
}

const listDiffering = (entries: ReadonlyArray<readonly [string, string]>): string =>
  entries.map(([who, what]) => `${who}: ${what}`).join("; ")

// `{ batch: 64, network: { widths: [8, 16] } }` → [["batch", "64"], ["network.widths", "[8,16]"]].
const flatten = (value: unknown, prefix = ""): Array<readonly [string, string]> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.keys(value)
        .sort()
        .flatMap((key) =>
          flatten((value as Record<string, unknown>)[key], prefix === "" ? key : `${prefix}.${key}`)
        )
    : [[prefix, JSON.stringify(value)]]

const scorerId = (scorer: string): string =>
  scorer.includes("@") ? scorer.slice(0, scorer.indexOf("@")) : scorer

// Every search, baseline included: scores on different scales cannot be compared with the reference
// either.
const scorerRow = (inputs: ReadonlyArray<ReportInput>, several: boolean): FairnessRow => {
  const searches = inputs.flatMap((input) =>
    input.searches.map((run) => ({
      who: several
        ? input.name
        : `${run.strategy} ${kernelsLabel(run.kernels)} ${run.cellType} seed ${run.seed}`,
      id: scorerId(run.scorer),
      settings: run.scorerConfig === undefined ? undefined : new Map(flatten(run.scorerConfig))
    }))
  )
  if (searches.length === 0) return { check: "scorer", fair: true, detail: "no searches to compare" }
  const ids = [...new Set(searches.map((s) => s.id))]
  if (ids.length > 1) {
    return {
      check: "scorer",
      fair: false,
      detail: `scorers differ: ${listDiffering(distinctPairs(searches.map((s) => [s.who, s.id])))}`
    }
  }
  const known = searches.filter((s) => s.settings !== undefined)
  const keys = [...new Set(known.flatMap((s) => [...s.settings!.keys()]))].sort()
  const differing = keys.filter(
    (key) => new Set(known.map((s) => s.settings!.get(key) ?? "(default)")).size > 1
  )
  if (differing.length > 0) {
    return {
      check: "scorer",
      fair: false,
      detail: `${ids[0]} settings differ, so the scores are on different scales: ${differing
        .map(
          (key) =>
            `${key} ${listDiffering(distinctPairs(known.map((s) => [s.who, s.settings!.get(key) ?? "(default)"])))}`
        )
        .join("; ")}`
    }
  }
  const unknown = searches.length - known.length
  return {
    check: "scorer",
    fair: true,
    detail:
      known.length === 0
        ? `every search scored with ${ids[0]} (settings not recorded)`
        : `every search scored with ${ids[0]}, same settings (${[...(known[0].settings ?? [])].map(([key, value]) => `${key} ${value}`).join(", ")})${unknown > 0 ? `; ${unknown} search${unknown === 1 ? "" : "es"} without recorded settings` : ""}`
  }
}

// One entry per distinct (who, what), in order: a pipeline's many searches say it once.
const distinctPairs = (
  entries: ReadonlyArray<readonly [string, string]>
): Array<readonly [string, string]> => {
  const seen = new Set<string>()
  return entries.filter(([who, what]) => {
    const key = `${who}\u0000${what}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Strategies whose proposals do not depend on the seed (enumeration in a fixed order, given
 * architectures): left out of the seed check.
 *
 * @since 0.1.0
 */
export const seedless: ReadonlySet<string> = new Set(["exhaustive", "fixed"])

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

  rows.push(scorerRow(inputs, several))

  // Groups of compared searches: one per (pipeline, strategy, cell type, kernel set).
  const groups = new Map<
    string,
    { label: string; strategy: string; budgets: Set<number>; seeds: Set<number> }
  >()
  let baselines = 0
  for (const input of inputs) {
    for (const run of input.searches) {
      if (isBaseline(run)) {
        baselines++
        continue
      }
      const label = `${several ? `${input.name} ` : ""}${run.strategy} ${kernelsLabel(run.kernels)}${run.cellType === "backward" ? "" : ` ${run.cellType}`}`
      const group = groups.get(label) ?? {
        label,
        strategy: run.strategy,
        budgets: new Set<number>(),
        seeds: new Set<number>()
      }
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
  // A strategy whose proposals do not depend on the seed runs once: one seed is all it has.
  const seeded = compared.filter((group) => !seedless.has(group.strategy))
  const unseeded = [
    ...new Set(compared.filter((group) => seedless.has(group.strategy)).map((g) => g.strategy))
  ]
  const seedlessNote =
    unseeded.length > 0
      ? ` (${unseeded.join(", ")} ignore${unseeded.length === 1 ? "s" : ""} its seed: one run)`
      : ""
  const seedSets = new Set(seeded.map((group) => seedText(group.seeds)))
  rows.push(
    seedSets.size <= 1
      ? {
          check: "seeds",
          fair: true,
          detail:
            seedSets.size === 0
              ? "no searches to compare"
              : `seeds ${[...seedSets][0]} for every strategy and kernel set${seedlessNote}${baselineNote}`
        }
      : {
          check: "seeds",
          fair: false,
          detail: `seeds differ: ${listDiffering(seeded.map((group) => [group.label, seedText(group.seeds)]))}`
        }
  )

  // Reused candidates cost nothing in this run: a repeat inside its own search is dedup (information),
  // a score another search or run computed makes this search's time understate its work (a warning).
  const counts = inputs.map((input) => {
    let repeats = 0
    let reused = 0
    let total = 0
    for (const run of input.searches) {
      const seen = new Set<string>()
      for (const candidate of [...run.candidates].sort((a, b) => a.index - b.index)) {
        total++
        const cell = `${candidate.architecture.cellType}${kernelsLabel(candidate.architecture.kernels)}${candidate.canonical}`
        if (candidate.cached) {
          if (seen.has(cell)) repeats++
          else reused++
        }
        seen.add(cell)
      }
    }
    return { name: input.name, repeats, reused, total }
  })
  const per = (pick: (entry: (typeof counts)[number]) => number): string =>
    counts.map((entry) => `${several ? `${entry.name}: ` : ""}${pick(entry)} of ${entry.total}`).join("; ")
  rows.push(
    counts.some((entry) => entry.reused > 0)
      ? {
          check: "cache",
          fair: false,
          detail: `scores computed by another search or an earlier run are not in the search times: ${per((entry) => entry.reused)} candidates`
        }
      : {
          check: "cache",
          fair: true,
          detail: "every search computed its own scores: search times are the whole cost"
        }
  )
  if (counts.some((entry) => entry.repeats > 0)) {
    rows.push({
      check: "repeats",
      fair: true,
      detail: `proposals that repeated a cell already scored in the same search (deduplicated, no time): ${per((entry) => entry.repeats)} candidates`
    })
  }
  return rows
}
