/**
 * Renders a Vega-Lite spec to an SVG string on the server side: Vega-Lite compiles it to Vega, and a
 * headless Vega view (`renderer: "none"`) draws the scene graph as SVG. No browser, no canvas, no
 * network: the data is inline in the spec.
 *
 * Warnings from either library (a dropped channel, an unknown field) are collected and returned, so
 * tests can insist on a clean render instead of letting them scroll past on stderr.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"
import { ReportError } from "./ReportError.ts"

/**
 * An SVG and the warnings met while making it.
 *
 * @since 0.1.0
 */
export interface RenderedSvg {
  readonly svg: string
  readonly warnings: ReadonlyArray<string>
}

type Logger = NonNullable<vega.ViewOptions["logger"]>

// A logger per render (never a shared one): errors and warnings go to `sink`, the rest is dropped.
const collectingLogger = (sink: Array<string>): Logger => {
  let level = vega.Warn
  const logger: Logger = {
    level(next?: number) {
      if (next === undefined) return level
      level = next
      return logger
    },
    error(...args: Array<unknown>) {
      sink.push(`error: ${args.map(String).join(" ")}`)
      return logger
    },
    warn(...args: Array<unknown>) {
      sink.push(`warning: ${args.map(String).join(" ")}`)
      return logger
    },
    info() {
      return logger
    },
    debug() {
      return logger
    }
  }
  return logger
}

/**
 * Renames every `id` of an SVG to `<prefix>-<n>`, numbered in order of appearance, with the references
 * to it (`url(#…)`, `href="#…"`) to match.
 *
 * Vega numbers its clip paths from a counter shared by the whole process, so the same plot gets other
 * ids on a second render, and two plots inlined in one page could collide. Scoped ids make each SVG
 * deterministic and unique within the page.
 *
 * @since 0.1.0
 */
export const scopeIds = (svg: string, prefix: string): string => {
  const renamed = new Map<string, string>()
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!renamed.has(match[1])) renamed.set(match[1], `${prefix}-${renamed.size + 1}`)
  }
  if (renamed.size === 0) return svg
  return svg.replace(
    /(\sid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href="#)([^"]+)(")/g,
    (whole, ...groups: Array<string | undefined>) => {
      for (const at of [0, 3, 6]) {
        const id = groups[at + 1]
        if (id !== undefined) {
          const next = renamed.get(id)
          return next === undefined ? whole : `${groups[at]}${next}${groups[at + 2]}`
        }
      }
      return whole
    }
  )
}

/**
 * Compiles and renders `spec`; `name` says which plot failed in the error and prefixes the SVG's ids.
 *
 * @since 0.1.0
 */
export const renderSvg = (name: string, spec: TopLevelSpec): Effect.Effect<RenderedSvg, ReportError> =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const view = yield* Effect.try({
      try: () => {
        const compiled = compile(spec, { logger: collectingLogger(warnings) }).spec
        return new vega.View(vega.parse(compiled), { renderer: "none", logger: collectingLogger(warnings) })
      },
      catch: (cause) =>
        new ReportError({ reason: "render", detail: `plot "${name}" did not compile: ${String(cause)}` })
    })
    const svg = yield* Effect.tryPromise({
      try: () => view.toSVG(),
      catch: (cause) =>
        new ReportError({ reason: "render", detail: `plot "${name}" did not render: ${String(cause)}` })
    }).pipe(Effect.ensuring(Effect.sync(() => view.finalize())))
    return { svg: scopeIds(svg, name), warnings }
  })
