/**
 * Canonical JSON: object keys sorted, no whitespace, so equal values have equal bytes. Cache keys
 * hash this form of a plugin's encoded config (DESIGN.md §3).
 *
 * `JSON.stringify` with a replacer cannot sort nested keys in one pass, hence this short walk.
 * Non-finite numbers are rejected: they have no JSON form and would silently become `null`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`canonical JSON cannot hold the number ${value}`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`)
}
