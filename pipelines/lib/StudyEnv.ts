/**
 * The scale settings of the study pipelines, read from environment variables. A value that is not
 * what the setting takes stops the pipeline file's import with one message naming the variable,
 * its value and what it must be (`spikernel run` prints it as the reason the pipeline did not load).
 *
 * @since 0.1.0
 */

const read = (variable: string): string | undefined => {
  const value = process.env[variable]
  return value === undefined || value.trim() === "" ? undefined : value.trim()
}

const wrong = (variable: string, value: string, what: string): never => {
  throw new Error(`${variable}=${JSON.stringify(value)}: must be ${what}`)
}

/**
 * A whole number ≥ `min` (default 1), or `fallback` when the variable is unset or empty.
 *
 * @since 0.1.0
 */
export const wholeNumber = (variable: string, fallback: number, min = 1): number => {
  const value = read(variable)
  if (value === undefined) return fallback
  const n = Number(value)
  return /^-?\d+$/.test(value) && Number.isSafeInteger(n) && n >= min
    ? n
    : wrong(variable, value, `a whole number ≥ ${min}`)
}

/**
 * A non-empty comma-separated list of whole numbers ≥ `min` (default 1), or `fallback`.
 *
 * @since 0.1.0
 */
export const wholeNumbers = (
  variable: string,
  fallback: readonly [number, ...Array<number>],
  min = 1
): [number, ...Array<number>] => {
  const value = read(variable)
  if (value === undefined) return [...fallback]
  const items = value.split(",").map((item) => item.trim())
  const numbers = items.map(Number)
  if (
    !items.every((item, i) => /^-?\d+$/.test(item) && Number.isSafeInteger(numbers[i]) && numbers[i] >= min)
  )
    return wrong(variable, value, `a comma-separated list of whole numbers ≥ ${min}, e.g. "1,2,3"`)
  return numbers as [number, ...Array<number>]
}

/**
 * A directory path, or `undefined` when the variable is unset or empty.
 *
 * @since 0.1.0
 */
export const directory = (variable: string): string | undefined => read(variable)
