/**
 * The SearchStrategy service: proposes candidates and observes their records.
 *
 * A strategy never trains and never touches tensors. Its state is a Schema'd value, so a checkpoint
 * is `encode` and a resume is `decode`; candidate i draws from the stream (seed, strategy id, i).
 *
 * @since 0.1.0
 */
import { Context, type Schema } from "effect"
import type { CandidateRecord } from "../CandidateRecord.ts"
import type { Candidate } from "./Evaluator.ts"

/**
 * A strategy over states of type `S`.
 *
 * @since 0.1.0
 */
export interface Strategy<S, SE = unknown> {
  readonly id: string
  readonly state: Schema.Codec<S, SE>
  readonly init: (seed: number) => S
  /** Up to `count` next candidates (fewer, or none, when the strategy waits for observations or is done). */
  readonly propose: (
    state: S,
    count: number
  ) => { readonly state: S; readonly candidates: ReadonlyArray<Candidate> }
  readonly observe: (state: S, record: CandidateRecord, primaryScore: number) => S
  /** True when the strategy has nothing more to propose (e.g. exhaustive search reached the end). */
  readonly done: (state: S) => boolean
}

/**
 * @since 0.1.0
 */
export class SearchStrategy extends Context.Service<SearchStrategy, Strategy<unknown, unknown>>()(
  "@spikernel/core/SearchStrategy"
) {}
