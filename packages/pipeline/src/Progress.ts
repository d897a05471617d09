/**
 * Progress of a run as a researcher reads it, always on stderr so stdout stays the command's result.
 *
 * - On a terminal (`tty`): one live block at the bottom — a line per running step (done/total in the
 *   step's own unit, rate, ETA, best so far) and an overall line (steps done/total, elapsed, ETA) —
 *   redrawn in place. Everything else (finished steps, log lines, store reports) is printed above
 *   the block, never into it: the block is erased, the line written, the block drawn again.
 * - Elsewhere (`lines`): plain lines, a progress line per step at most every few seconds.
 * - For machines (`json`): one JSON document a line per event.
 *
 * A run ends with one of three messages: nothing more when it finished (the command prints its
 * summary on stdout), or, when interrupted or failed, what the store kept and the command that
 * resumes.
 *
 * The terminal handling is written here by hand (cursor-up and erase-below escapes, lines cut to
 * the terminal's width): it is a few lines, and no library of Effect's covers a live region.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Logger, type LogLevel, Schedule } from "effect"

/**
 * How far a running step has come.
 *
 * @since 0.1.0
 */
export interface ProgressEvent {
  readonly step: string
  readonly kind: string
  readonly done: number
  readonly total: number
  /** What `done` counts: `candidates`, `images`, `epochs`, `models`. */
  readonly unit: string
  /** Units per second, counted from the first unit this process paid for (none from the store). */
  readonly ratePerSecond: number | undefined
  readonly etaSeconds: number | undefined
  /** The best primary score so far. */
  readonly best: number | undefined
  /** Where inside the step (`model 1/2, epoch 3/10`). */
  readonly detail?: string
}

/**
 * A step that started computing.
 *
 * @since 0.1.0
 */
export interface StartEvent {
  readonly step: string
  readonly kind: string
}

/**
 * Units of a step that a resumed run takes from the store instead of computing them.
 *
 * @since 0.1.0
 */
export interface ReuseEvent {
  readonly step: string
  readonly kind: string
  readonly reused: number
  readonly total: number
  readonly unit: string
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
 * The steps of a run, known once every key is: whether each will likely compute (its key has no
 * output in the store) and how long it took the last time it computed, where a run of this
 * pipeline recorded that.
 *
 * @since 0.1.0
 */
export interface RunPlan {
  readonly steps: ReadonlyArray<{
    readonly name: string
    readonly kind: string
    readonly willCompute: boolean
    readonly estimateSeconds: number | undefined
  }>
}

/**
 * How a run ended: the steps done (cached or computed) of all, and, when it stopped early, the step
 * that was running with what of it the store keeps.
 *
 * @since 0.1.0
 */
export interface RunEnd {
  readonly outcome: "finished" | "failed" | "interrupted"
  readonly done: number
  readonly total: number
  readonly stopped?: {
    readonly step: string
    readonly kind: string
    /** Units the store keeps (a search's journaled candidates); absent when the step does not say. */
    readonly kept?: { readonly done: number; readonly total: number; readonly unit: string }
    /** Whether the step keeps a checkpoint to resume from (a training's last epoch). */
    readonly checkpoint: boolean
  }
}

/**
 * @since 0.1.0
 */
export class Progress extends Context.Service<
  Progress,
  {
    readonly planned: (plan: RunPlan) => Effect.Effect<void>
    readonly started: (event: StartEvent) => Effect.Effect<void>
    readonly update: (event: ProgressEvent) => Effect.Effect<void>
    readonly reused: (event: ReuseEvent) => Effect.Effect<void>
    readonly step: (event: StepEvent) => Effect.Effect<void>
    readonly ended: (event: RunEnd) => Effect.Effect<void>
  }
>()("@spikernel/pipeline/Progress") {}

/**
 * No progress output.
 *
 * @since 0.1.0
 */
export const layerSilent: Layer.Layer<Progress> = Layer.succeed(Progress, {
  planned: () => Effect.void,
  started: () => Effect.void,
  update: () => Effect.void,
  reused: () => Effect.void,
  step: () => Effect.void,
  ended: () => Effect.void
})

// ------------------------------------------------------------------------------------------ formats

/**
 * `4.2s`, `12s`, `3m05s`, `1h07m`.
 *
 * @since 0.1.0
 */
export const formatSeconds = (seconds: number): string => {
  if (seconds < 59.5) return `${seconds.toFixed(seconds < 9.95 ? 1 : 0)}s`
  const whole = Math.round(seconds)
  const minutes = Math.floor(whole / 60)
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, "0")}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`
}

const singular = (unit: string): string => (unit.endsWith("s") ? unit.slice(0, -1) : unit)

/**
 * A rate in the unit's words: `14.2/s`, `410/s`, or for slow steps `3.2 s/candidate`.
 *
 * @since 0.1.0
 */
export const formatRate = (ratePerSecond: number, unit: string): string => {
  if (ratePerSecond >= 100) return `${ratePerSecond.toFixed(0)}/s`
  if (ratePerSecond >= 1) return `${ratePerSecond.toFixed(1)}/s`
  return `${(1 / ratePerSecond).toFixed(1)} s/${singular(unit)}`
}

/**
 * One progress line: `search-k13  12/40 candidates  30%  8.5/s  ETA 3.3s  best 73.5538`.
 *
 * @since 0.1.0
 */
export const formatProgress = (event: ProgressEvent): string => {
  const percent = event.total > 0 ? `  ${Math.floor((100 * event.done) / event.total)}%` : ""
  const rate =
    event.ratePerSecond === undefined || !(event.ratePerSecond > 0)
      ? ""
      : `  ${formatRate(event.ratePerSecond, event.unit)}`
  const eta = event.etaSeconds === undefined ? "" : `  ETA ${formatSeconds(event.etaSeconds)}`
  const best = event.best === undefined ? "" : `  best ${event.best.toFixed(4)}`
  const detail = event.detail === undefined ? "" : `  ${event.detail}`
  return `${event.step}  ${event.done}/${event.total} ${event.unit}${percent}${rate}${eta}${best}${detail}`
}

/**
 * The overall line: `steps 2/5 done  elapsed 1m12s  ETA 3m10s` (`ETA ≥…` while a step to come has
 * no estimate).
 *
 * @since 0.1.0
 */
export const formatOverall = (overall: {
  readonly done: number
  readonly total: number
  readonly elapsedSeconds: number
  readonly etaSeconds: number | undefined
  readonly etaIsLowerBound: boolean
}): string => {
  const eta =
    overall.etaSeconds === undefined
      ? ""
      : `  ETA ${overall.etaIsLowerBound ? "≥" : ""}${formatSeconds(overall.etaSeconds)}`
  return `steps ${overall.done}/${overall.total} done  elapsed ${formatSeconds(overall.elapsedSeconds)}${eta}`
}

/**
 * The line of a computed step: `[3/4] found  search  computed  5.3s  40 candidates, 35 from the store`.
 *
 * @since 0.1.0
 */
export const formatStep = (
  event: StepEvent,
  counter: { readonly done: number; readonly total: number } | undefined,
  last: ProgressEvent | undefined,
  reused: ReuseEvent | undefined
): string => {
  const prefix = counter === undefined ? "" : `[${counter.done}/${counter.total}] `
  const units =
    last === undefined
      ? reused === undefined
        ? ""
        : `  ${reused.total} ${reused.unit}`
      : `  ${last.done === last.total ? last.total : `${last.done}/${last.total}`} ${last.total === 1 ? singular(last.unit) : last.unit}`
  const fromStore = reused === undefined || units === "" ? "" : `, ${reused.reused} from the store`
  return `${prefix}${event.step}  ${event.kind}  ${event.status}  ${formatSeconds(event.seconds)}${units}${fromStore}`
}

/**
 * What a resumed step takes from the store: `found: 35 of 40 candidates from the store`.
 *
 * @since 0.1.0
 */
export const formatReuse = (event: ReuseEvent): string =>
  `${event.step}: ${event.reused} of ${event.total} ${event.unit} from the store`

/**
 * The lines of a run that stopped early: what was kept, and how to resume.
 *
 * @since 0.1.0
 */
export const formatEnd = (event: RunEnd, resumeCommand: string | undefined): ReadonlyArray<string> => {
  if (event.outcome === "finished") return []
  const steps = `${event.done} of ${event.total} step${event.total === 1 ? "" : "s"} done`
  const stopped = event.stopped
  const kept =
    stopped === undefined
      ? steps
      : stopped.kept !== undefined
        ? `kept ${stopped.kept.done} of ${stopped.kept.total} ${stopped.kept.unit} of ${stopped.step}; ${steps}`
        : stopped.checkpoint
          ? `kept ${stopped.step}'s last checkpoint; ${steps}`
          : `${steps}; ${stopped.step} starts again`
  const resume =
    resumeCommand === undefined
      ? []
      : [`${event.outcome === "failed" ? "once fixed, resume with" : "resume with"}: ${resumeCommand}`]
  return [`${event.outcome}: ${kept}`, ...resume]
}

const levelWords: Partial<Record<LogLevel.LogLevel, string>> = {
  Fatal: "fatal: ",
  Error: "error: ",
  Warn: "warning: ",
  Debug: "debug: ",
  Trace: "trace: "
}

const clockTime = (date: Date): string =>
  [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":")

/**
 * A log line as a person reads it: `15:41:10 message`, `15:41:10 warning: message` — no fiber id.
 *
 * @since 0.1.0
 */
export const formatLog = (options: {
  readonly message: unknown
  readonly logLevel: LogLevel.LogLevel
  readonly date: Date
}): string => {
  const parts = Array.isArray(options.message) ? options.message : [options.message]
  const text = parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ")
  return `${clockTime(options.date)} ${levelWords[options.logLevel] ?? ""}${text}`
}

// ------------------------------------------------------------------------------------------- writer

/**
 * What the writer needs to know of where it writes.
 *
 * @since 0.1.0
 */
export interface WriterOptions {
  readonly mode: "tty" | "lines" | "json"
  readonly write: (text: string) => void
  /** The terminal's width (tty): block lines are cut to it so that redrawing stays in place. */
  readonly columns?: () => number | undefined
  /** Milliseconds between progress lines of one step (default 100 on a terminal, 2000 otherwise). */
  readonly intervalMs?: number
  /** The command that resumes this run, printed when it stops early. */
  readonly resumeCommand?: string
  /** Whether log lines go through the writer (above the live block); default: yes but in `json`. */
  readonly logs?: boolean
}

interface Running {
  readonly kind: string
  readonly since: number
  event: ProgressEvent | undefined
}

const makeWriter = (options: WriterOptions) => {
  const tty = options.mode === "tty"
  const interval = options.intervalMs ?? (tty ? 100 : 2000)
  const lastLine = new Map<string, number>()
  const lastEvent = new Map<string, ProgressEvent>()
  const reuse = new Map<string, ReuseEvent>()
  const running = new Map<string, Running>()
  const finished = new Set<string>()
  const cachedRun: Array<string> = []
  let plan: RunPlan | undefined
  let startedAt: number | undefined
  let doneSteps = 0
  /** Lines of the live block on screen (tty). */
  let drawn = 0
  let ended = false

  const erase = () => (drawn > 0 ? `\x1b[${drawn}F\x1b[J` : "")
  const fit = (line: string) => {
    const width = options.columns?.() || 80
    return line.length >= width ? `${line.slice(0, Math.max(1, width - 2))}…` : line
  }

  const overallLine = (now: number): string | undefined => {
    if (plan === undefined || startedAt === undefined) return undefined
    let eta = 0
    let lowerBound = false
    let known = false
    for (const step of plan.steps) {
      const current = running.get(step.name)
      if (current !== undefined) {
        const left =
          current.event?.etaSeconds ??
          (step.estimateSeconds === undefined
            ? undefined
            : Math.max(0, step.estimateSeconds - (now - current.since) / 1000))
        if (left === undefined) lowerBound = true
        else {
          eta += left
          known = true
        }
      } else if (step.willCompute && !finished.has(step.name)) {
        if (step.estimateSeconds === undefined) lowerBound = true
        else {
          eta += step.estimateSeconds
          known = true
        }
      }
    }
    return formatOverall({
      done: doneSteps,
      total: plan.steps.length,
      elapsedSeconds: (now - startedAt) / 1000,
      etaSeconds: known ? eta : undefined,
      etaIsLowerBound: lowerBound
    })
  }

  const block = (now: number): Array<string> => {
    const lines: Array<string> = []
    for (const [name, current] of running) {
      lines.push(
        current.event === undefined
          ? `${name}  ${current.kind}  running  ${formatSeconds((now - current.since) / 1000)}`
          : formatProgress(current.event)
      )
    }
    const overall = overallLine(now)
    if (overall !== undefined && running.size > 0) lines.push(overall)
    return lines.map(fit)
  }

  /** Redraws the block (tty), with `above` printed before it. */
  const render = (now: number, above: ReadonlyArray<string> = []) => {
    const lines = ended ? [] : block(now)
    const text =
      erase() + above.map((line) => `${line}\n`).join("") + lines.map((line) => `${line}\n`).join("")
    drawn = lines.length
    if (text !== "") options.write(text)
  }

  /** Prints lines above the block (tty) or as they come (plain). */
  const print = (now: number, lines: ReadonlyArray<string>) => {
    if (lines.length === 0) return
    if (tty) render(now, lines)
    else options.write(lines.map((line) => `${line}\n`).join(""))
  }

  const counter = () => (plan === undefined ? undefined : { done: doneSteps, total: plan.steps.length })

  /** The line of the cached steps met in a row, once a step that is not cached comes. */
  const flushCached = (): Array<string> => {
    if (cachedRun.length === 0) return []
    const c = counter()
    const line = `${c === undefined ? "" : `[${c.done}/${c.total}] `}cached  ${cachedRun.join(", ")}`
    cachedRun.length = 0
    return [line]
  }

  const json = (value: object) => options.write(`${JSON.stringify(value)}\n`)
  const now = Clock.currentTimeMillis

  const service: Progress["Service"] = {
    planned: (event) =>
      Effect.map(now, (time) => {
        plan = event
        startedAt ??= time
        if (options.mode === "json") json({ type: "plan", ...event })
      }),
    started: (event) =>
      Effect.map(now, (time) => {
        running.set(event.step, { kind: event.kind, since: time, event: undefined })
        if (options.mode === "json") return json({ type: "start", ...event })
        // Not drawn yet: a step that takes less than a second never shows in the block.
        print(time, flushCached())
      }),
    update: (event) =>
      Effect.map(now, (time) => {
        const current = running.get(event.step)
        if (current === undefined) running.set(event.step, { kind: event.kind, since: time, event })
        else current.event = event
        lastEvent.set(event.step, event)
        const previous = lastLine.get(event.step)
        if (previous !== undefined && time - previous < interval && event.done !== event.total) return
        lastLine.set(event.step, time)
        if (options.mode === "json") json({ type: "progress", ...event })
        else if (tty) render(time)
        else options.write(`${formatProgress(event)}\n`)
      }),
    reused: (event) =>
      Effect.map(now, (time) => {
        reuse.set(event.step, event)
        if (options.mode === "json") json({ type: "reuse", ...event })
        else print(time, [...flushCached(), formatReuse(event)])
      }),
    step: (event) =>
      Effect.map(now, (time) => {
        running.delete(event.step)
        lastLine.delete(event.step)
        finished.add(event.step)
        if (event.status === "cached" || event.status === "computed") doneSteps++
        if (options.mode === "json") return json({ type: "step", ...event })
        if (event.status === "cached") {
          cachedRun.push(event.step)
          if (tty) render(time)
          return
        }
        if (event.status !== "computed") return
        print(time, [
          ...flushCached(),
          formatStep(event, counter(), lastEvent.get(event.step), reuse.get(event.step))
        ])
      }),
    ended: (event) =>
      Effect.map(now, (time) => {
        if (options.mode === "json") {
          json({
            type: "end",
            ...event,
            ...(options.resumeCommand === undefined ? {} : { resume: options.resumeCommand })
          })
          return
        }
        const lines = [...flushCached(), ...formatEnd(event, options.resumeCommand)]
        ended = true
        running.clear()
        print(time, lines)
        if (tty && lines.length === 0) render(time)
      })
  }

  const logger = Logger.make((log) => {
    const line = formatLog(log)
    if (tty) render(log.date.getTime(), [line])
    else options.write(`${line}\n`)
  })

  /** Keeps the elapsed time and a running step's ETA moving between events (tty). */
  const tick = Effect.flatMap(now, (time) =>
    Effect.sync(() => {
      if (drawn > 0 && !ended) render(time)
    })
  )

  return { service, logger, tick }
}

/**
 * Progress written with `write` (stderr in the CLI), log lines included unless `logs` is false
 * (the run's loggers are replaced by one that prints above the live block).
 *
 * @since 0.1.0
 */
export const layerWriter = (options: WriterOptions): Layer.Layer<Progress> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const writer = makeWriter(options)
      if (options.mode === "tty")
        yield* Effect.forkScoped(Effect.repeat(writer.tick, Schedule.spaced("1 second")))
      const progress = Layer.succeed(Progress, writer.service)
      return (options.logs ?? options.mode !== "json")
        ? Layer.merge(progress, Logger.layer([writer.logger]))
        : progress
    })
  )
