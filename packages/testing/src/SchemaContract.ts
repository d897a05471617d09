/**
 * The contract every Schema'd record, config and plugin state must meet: valid values survive
 * encode → JSON → decode unchanged, and each invalid input is rejected with a message naming the
 * problem. Used by `core` for its records and by every plugin for its config and state schemas.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"

/**
 * An input that must be rejected, and a pattern its error message must match.
 *
 * @since 0.1.0
 */
export interface Rejection {
  readonly name: string
  readonly input: unknown
  readonly message: RegExp
}

/**
 * The cases of one schema's contract.
 *
 * @since 0.1.0
 */
export interface SchemaCases<T> {
  /** Decoded values that must round-trip exactly through their JSON form. */
  readonly valid: ReadonlyArray<T>
  /** Encoded inputs that must fail to decode. */
  readonly invalid: ReadonlyArray<Rejection>
}

/**
 * Registers the contract tests of a schema under `describe(name)`.
 *
 * @since 0.1.0
 */
export const schemaContract = <T, E>(
  name: string,
  schema: Schema.Codec<T, E>,
  cases: SchemaCases<T>
): void => {
  describe(`${name} (schema contract)`, () => {
    const encode = Schema.encodeSync(schema)
    const decode = Schema.decodeUnknownSync(schema)
    cases.valid.forEach((value, i) => {
      it(`valid #${i} round-trips through JSON`, () => {
        const json = JSON.stringify(encode(value))
        const back = decode(JSON.parse(json))
        expect(back).toStrictEqual(value)
        expect(JSON.stringify(encode(back))).toBe(json)
      })
    })
    for (const rejection of cases.invalid) {
      it(`rejects ${rejection.name}`, () => {
        expect(() => decode(rejection.input)).toThrow(rejection.message)
      })
    }
  })
}
