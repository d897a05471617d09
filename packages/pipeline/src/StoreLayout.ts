/**
 * Where the runner keeps things in the store: one key namespace per kind of value. Keys of results
 * (`score/`, `step/`) are cache keys; the others hang off a step key or a run id.
 *
 * @since 0.1.0
 */

/**
 * The score of one canonical architecture by one scorer (shared across steps and pipelines).
 *
 * @since 0.1.0
 */
export const scoreEntry = (scoreKey: string): string => `score/${scoreKey}`

/**
 * Candidate `index` of a search step, as observed in proposal order.
 *
 * @since 0.1.0
 */
export const recordEntry = (stepKey: string, index: number): string => `record/${stepKey}/${index}`

/**
 * The prefix of all of a search step's records.
 *
 * @since 0.1.0
 */
export const recordPrefix = (stepKey: string): string => `record/${stepKey}/`

/**
 * The latest strategy checkpoint of a search step, or an executor's checkpoint.
 *
 * @since 0.1.0
 */
export const checkpointEntry = (stepKey: string): string => `checkpoint/${stepKey}`

/**
 * A finished step's output.
 *
 * @since 0.1.0
 */
export const stepEntry = (stepKey: string): string => `step/${stepKey}`

/**
 * The source files of a load step as last seen (sizes, times, hashes) and their fingerprint.
 *
 * @since 0.1.0
 */
export const sourcesEntry = (stepKey: string): string => `sources/${stepKey}`

/**
 * What a step key is the hash of.
 *
 * @since 0.1.0
 */
export const preimageEntry = (stepKey: string): string => `keyinfo/${stepKey}`

/**
 * A run's manifest (rewritten as the run goes; the latest is kept).
 *
 * @since 0.1.0
 */
export const runEntry = (runId: string): string => `run/${runId}`

/**
 * The prefix of all run manifests.
 *
 * @since 0.1.0
 */
export const runPrefix = "run/"
