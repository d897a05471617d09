/**
 * The values steps produce and store under their keys, as Schemas: what flows along the wires of a
 * pipeline. Each is a pure function of its step's key, so resumed and uninterrupted runs agree.
 *
 * @since 0.1.0
 */
import { CandidateRecord, DatasetLoader, Selector } from "@spikernel/core"
import { Schema } from "effect"

/**
 * What a `load` step yields: the data set's description and fingerprint.
 *
 * @since 0.1.0
 */
export const DatasetOutput = DatasetLoader.DatasetInfo

/**
 * What a `search` step yields: every candidate in proposal order, scored.
 *
 * `CandidateRecord.seconds` is the wall time measured when the score was first computed (0 when it
 * was reused), so it is the one field that differs between two stores holding the same search.
 *
 * @since 0.1.0
 */
export const SearchResult = Schema.Struct({
  /** The primary scorer (`id@version`), the one the strategy observed and selectors rank by. */
  scorer: Schema.String,
  budget: Schema.Int,
  records: Schema.Array(CandidateRecord.CandidateRecord)
})

/**
 * @since 0.1.0
 */
export type SearchResult = typeof SearchResult.Type

/**
 * What an `evaluate` step yields (its executor must produce this): one item per trained model with
 * the evaluated metric, ready for a selector.
 *
 * @since 0.1.0
 */
export const EvaluationResult = Schema.Struct({
  /** What `metric` measures, e.g. `test top-1 accuracy`. */
  metric: Schema.String,
  items: Schema.Array(Selector.SelectionItem)
})

/**
 * @since 0.1.0
 */
export type EvaluationResult = typeof EvaluationResult.Type

/**
 * What `select` and `tradeoff` steps yield.
 *
 * @since 0.1.0
 */
export const SelectionOutput = Selector.Selection
