/**
 * Cache keys (DESIGN.md §3, contract): the SHA-256 of the canonical JSON of everything a result
 * depends on. Same key, same result; a second run of a finished pipeline computes nothing.
 *
 * A step's key covers its kind, each plugin's identity `{ role, id, version, config }` (the config
 * encoded; core `Plugin.identityOf`), the keys of its upstream steps, the dataset fingerprint,
 * the seed, and the step's own parameters (a search's budget and concurrency). Step names are not
 * part of it: renaming a step recomputes nothing, and two pipelines declaring the same step share it.
 *
 * A candidate's score has its own key — the scorer's identity, the identities of everything the
 * scorer is built with (space, encoder, neuron), the canonical architecture, the dataset fingerprint,
 * the seed and the scorer's stream index — and nothing about the search that met it. So two
 * strategies or pipelines that meet the same canonical architecture share one result, and the value
 * cannot depend on which of them computed it first: the scorer is told a stream index derived from
 * the canonical architecture itself (`architectureStream`), not the candidate's proposal index.
 *
 * @since 0.1.0
 */
import { CanonicalJson, Digest, Plugin } from "@spikernel/core"

/**
 * Bumped when the way keys are formed changes, so old results are never read under a new meaning
 * (they are recomputed). 2: plugin identities are structured `{ role, id, version, config }` objects
 * instead of `id@version:{json}` strings.
 *
 * @since 0.1.0
 */
export const keyVersion = 2

/**
 * A plugin as it enters a key: its role in the step (`scorer`, `strategy`, …) and its identity.
 *
 * @since 0.1.0
 */
export interface PluginPart extends Plugin.Identity {
  readonly role: string
}

/**
 * What a step's key is the hash of. Stored beside each computed step, so `plan` can say why a key
 * changed.
 *
 * @since 0.1.0
 */
export interface StepPreimage {
  readonly v: number
  readonly kind: string
  readonly plugins: ReadonlyArray<PluginPart>
  readonly upstream: ReadonlyArray<{ readonly role: string; readonly key: string }>
  readonly fingerprint: string | null
  readonly seed: number | null
  readonly params: Readonly<Record<string, unknown>>
}

/**
 * @since 0.1.0
 */
export const stepKey = (preimage: StepPreimage): string =>
  Digest.sha256Hex(CanonicalJson.canonicalJson(preimage))

/**
 * What a candidate score's key is the hash of.
 *
 * @since 0.1.0
 */
export interface ScorePreimage {
  readonly v: number
  readonly kind: "score"
  readonly scorer: Plugin.Identity
  readonly context: ReadonlyArray<PluginPart>
  /** The canonical architecture's label, `forward[1,3]:0302 0030 3003 0000`. */
  readonly architecture: string
  readonly fingerprint: string | null
  readonly seed: number
  readonly stream: number
}

/**
 * @since 0.1.0
 */
export const scoreKey = (preimage: ScorePreimage): string =>
  Digest.sha256Hex(CanonicalJson.canonicalJson(preimage))

/**
 * The stream index a scorer draws its weights and batches from for an architecture: the first 48
 * bits of the SHA-256 of its canonical label (a safe integer for `Rng.draws`). A pure function of the
 * architecture, so a score never depends on the order candidates were met in.
 *
 * @since 0.1.0
 */
export const architectureStream = (canonicalLabel: string): number =>
  Number.parseInt(Digest.sha256Hex(`score-stream/${canonicalLabel}`).slice(0, 12), 16)

/**
 * The differences between two preimages of the same step, one short phrase each (`plan`'s reasons).
 *
 * @since 0.1.0
 */
export const explainChange = (
  before: StepPreimage,
  after: StepPreimage,
  upstreamNames: Readonly<Record<string, string>>
): ReadonlyArray<string> => {
  const reasons: Array<string> = []
  if (before.v !== after.v) reasons.push(`key format ${before.v} → ${after.v}`)
  if (before.kind !== after.kind) reasons.push(`step kind ${before.kind} → ${after.kind}`)
  const roles = new Set([...before.plugins, ...after.plugins].map((p) => p.role))
  for (const role of roles) {
    const was = before.plugins.find((p) => p.role === role)
    const now = after.plugins.find((p) => p.role === role)
    if (
      was !== undefined &&
      now !== undefined &&
      CanonicalJson.canonicalJson(was) === CanonicalJson.canonicalJson(now)
    )
      continue
    if (was === undefined) reasons.push(`${role} ${Plugin.label(now!)} added`)
    else if (now === undefined) reasons.push(`${role} ${Plugin.label(was)} removed`)
    else {
      const wasConfig = CanonicalJson.canonicalJson(was.config)
      const nowConfig = CanonicalJson.canonicalJson(now.config)
      const config = wasConfig === nowConfig ? "" : `config ${wasConfig} → ${nowConfig}`
      reasons.push(
        was.id === now.id && was.version === now.version
          ? `${role} ${Plugin.label(now)} ${config}`
          : `${role} ${Plugin.label(was)} → ${Plugin.label(now)}${config === "" ? "" : ` (${config})`}`
      )
    }
  }
  const upstreamRoles = new Set([...before.upstream, ...after.upstream].map((u) => u.role))
  for (const role of upstreamRoles) {
    const was = before.upstream.find((u) => u.role === role)?.key
    const now = after.upstream.find((u) => u.role === role)?.key
    if (was !== now) reasons.push(`upstream ${upstreamNames[role] ?? role} changed`)
  }
  if (before.fingerprint !== after.fingerprint) reasons.push("dataset fingerprint changed")
  if (before.seed !== after.seed) reasons.push(`seed ${before.seed} → ${after.seed}`)
  const params = new Set([...Object.keys(before.params), ...Object.keys(after.params)])
  for (const name of params) {
    const was = CanonicalJson.canonicalJson(before.params[name] ?? null)
    const now = CanonicalJson.canonicalJson(after.params[name] ?? null)
    if (was !== now) reasons.push(`${name} ${was} → ${now}`)
  }
  return reasons
}
