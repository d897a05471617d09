/**
 * Progress of a run: a line per running step (done/total, rate, ETA, best so far), redrawn in place
 * on a terminal, plain lines otherwise, JSON lines for machines. Always on stderr, so stdout stays
 * the command's result.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"

/**
 * How far a step has come.
 *
 * @since 0.1.0
 */
export interface ProgressEvent {
  readonly step: string
  readonly kind: string
  readonly done: number
  readonly total: number
  /** Units per second in this run (resumed units excluded). */
  readonly ratePerSecond: number | undefined
  readonly etaSeconds: number | undefined
  /** The best primary score so far. */
  readonly best: number | undefined
}

/**
 * A step that finished, was found cached, failed or was interrupted.
 *
 * @since 0.1.0
 */
export interface StepEvent {
  readonly step: string
  readonly kind: string
  readonly key: string
  readonly status: "cached" | "computed" | "failed" | "interrupted"
  readonly seconds: number
}

/**
 * @since 0.1.0
 */
export class Progress extends Context.Service<
  Progress,
  {
    readonly update: (event: ProgressEvent) => Effect.Effect<void>
    readonly step: (event: StepEvent) => Effect.Effect<void>
  }
>()("@spikernel/pipeline/Progress") {}

/**
 * No progress output.
 *
 * @since 0.1.0
 */
export const layerSilent: Layer.Layer<Progress> = Layer.succeed(Progress, {
  update: () => Effect.void,
  step: () => Effect.void
})

const formatSeconds = (seconds: number): string => {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`
}

/**
 * One progress line: `search  120/200  60%  14.2/s  ETA 5.6s  best -152.3100`.
 *
 * @since 0.1.0
 */
export const formatProgress = (event: ProgressEvent): string => {
  const percent = event.total > 0 ? ` ${Math.floor((100 * event.done) / event.total)}%` : ""
  const rate = event.ratePerSecond === undefined ? "" : `  ${event.ratePerSecond.toFixed(1)}/s`
  const eta = event.etaSeconds === undefined ? "" : `  ETA ${formatSeconds(event.etaSeconds)}`
  const best = event.best === undefined ? "" : `  best ${event.best.toFixed(4)}`
  return `${event.step}  ${event.done}/${event.total}${percent}${rate}${eta}${best}`
}

/**
 * One line for a finished step: `search  computed  4.2s  3fa2c1d0e9b8`.
 *
 * @since 0.1.0
 */
export const formatStep = (event: StepEvent): string =>
  `${event.step}  ${event.kind}  ${event.status}  ${formatSeconds(event.seconds)}  ${event.key.slice(0, 12)}`

/**
 * Progress written with `write` (stderr in the CLI): `tty` redraws one line per running step,
 * `lines` prints a line at most every `intervalMs`, `json` prints JSON lines as often.
 *
 * @since 0.1.0
 */
export const layerWriter = (options: {
  readonly mode: "tty" | "lines" | "json"
  readonly write: (text: string) => void
  readonly intervalMs?: number
}): Layer.Layer<Progress> =>
  Layer.sync(Progress, () => {
    const interval = options.intervalMs ?? (options.mode === "tty" ? 100 : 2000)
    const last = new Map<string, number>()
    let drawn = false
    const update = (event: ProgressEvent) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const previous = last.get(event.step)
          const final = event.done === event.total
          if (previous !== undefined && now - previous < interval && !final) return
          last.set(event.step, now)
          if (options.mode === "tty") {
            options.write(`\r\x1b[2K${formatProgress(event)}`)
            drawn = true
          } else if (options.mode === "json") {
            options.write(`${JSON.stringify({ type: "progress", ...event })}\n`)
          } else {
            options.write(`${formatProgress(event)}\n`)
          }
        })
      )
    const step = (event: StepEvent) =>
      Effect.sync(() => {
        last.delete(event.step)
        if (options.mode === "json") {
          options.write(`${JSON.stringify({ type: "step", ...event })}\n`)
          return
        }
        options.write(`${options.mode === "tty" && drawn ? "\r\x1b[2K" : ""}${formatStep(event)}\n`)
        drawn = false
      })
    return { update, step }
  })
