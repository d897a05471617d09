/**
 * Numbers that may be non-finite, encoded for JSON.
 *
 * A singular SAHD kernel scores −Infinity (METHOD.md §7.2); JSON has no such number, so records
 * encode non-finite values as the strings `"-Infinity"`, `"Infinity"` and `"NaN"`.
 *
 * @since 0.1.0
 */
import { Effect, Schema, SchemaGetter, SchemaIssue } from "effect"

const nonFinite: Record<string, number> = { "-Infinity": -Infinity, Infinity: Infinity, NaN: Number.NaN }

/**
 * A number whose JSON form is a number, or one of `"-Infinity"`, `"Infinity"`, `"NaN"`.
 *
 * @since 0.1.0
 */
export const JsonNumber = Schema.Union([
  Schema.Finite,
  Schema.Literals(["-Infinity", "Infinity", "NaN"])
]).pipe(
  Schema.decodeTo(Schema.Number, {
    decode: SchemaGetter.transformEffect((encoded: number | string) =>
      typeof encoded === "number"
        ? Effect.succeed(encoded)
        : encoded in nonFinite
          ? Effect.succeed(nonFinite[encoded])
          : Effect.fail(new SchemaIssue.InvalidValue({ message: `"${encoded}" is not a number` }, encoded))
    ),
    encode: SchemaGetter.transform((value: number) =>
      Number.isFinite(value)
        ? value
        : Number.isNaN(value)
          ? ("NaN" as const)
          : value > 0
            ? "Infinity"
            : "-Infinity"
    )
  })
)

/**
 * The type-7 quantile (linear between order statistics, R's and NumPy's default) of values sorted
 * ascending; `NaN` for none.
 *
 * @since 0.1.0
 */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo])
}
