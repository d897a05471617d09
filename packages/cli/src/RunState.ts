/**
 * The state of a recorded run as `status` and `dashboard` show it, from its manifest and whether
 * its process is still alive (a run id ends in its pid).
 *
 * @since 0.1.0
 */
import type { RunManifest } from "@spikernel/core"
import { Lock, Runs } from "@spikernel/pipeline"

/**
 * `finished`, `running` (its process is alive), `stopped` (killed, or failed without a word),
 * `failed`, `interrupted`, or `damaged` (its manifest was found out of order in the journal).
 *
 * @since 0.1.0
 */
export type RunState = "finished" | "running" | "stopped" | "failed" | "interrupted" | "damaged"

/**
 * @since 0.1.0
 */
export const runState = (runId: string, manifest: RunManifest.RunManifest, damaged: boolean): RunState => {
  if (damaged) return "damaged"
  if (manifest.endedAt === undefined) return Lock.processAlive(Runs.runPid(runId)) ? "running" : "stopped"
  if (manifest.steps.some((s) => s.status === "failed")) return "failed"
  if (manifest.steps.some((s) => s.status === "interrupted")) return "interrupted"
  return "finished"
}
