/**
 * Where a pipeline's data set is: a directory named by an environment variable, or a default path.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export const dataPath = (variable: string, fallback: string): string => {
  const value = process.env[variable]
  return value === undefined || value.trim() === "" ? fallback : value
}
