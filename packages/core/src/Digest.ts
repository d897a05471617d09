/**
 * SHA-256, the one hash of the project: cache keys, blob addresses, journal checksums, dataset
 * fingerprints, checkpoint checksums and pipeline-file hashes all go through this module.
 *
 * `node:crypto` rather than WebCrypto because `crypto.subtle.digest` is asynchronous, and hashing
 * sits on paths (journal lines, cache keys) that are simplest kept synchronous; Deno provides
 * `node:crypto` too.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"

/**
 * The lowercase hex SHA-256 of bytes or of a string's UTF-8 bytes.
 *
 * @since 0.1.0
 */
export const sha256Hex = (data: Uint8Array | string): string =>
  createHash("sha256").update(data).digest("hex")

/**
 * An incremental SHA-256, for content too large or too scattered to concatenate first (a data set's
 * pixels and labels).
 *
 * @since 0.1.0
 */
export interface Sha256 {
  readonly update: (data: Uint8Array | string) => Sha256
  /** The lowercase hex digest; the hash cannot be updated afterwards. */
  readonly hex: () => string
}

/**
 * @since 0.1.0
 */
export const sha256 = (): Sha256 => {
  const hash = createHash("sha256")
  const self: Sha256 = {
    update: (data) => {
      hash.update(data)
      return self
    },
    hex: () => hash.digest("hex")
  }
  return self
}

/**
 * True for a 64-character lowercase hex string, the form of every address and key in the store.
 *
 * @since 0.1.0
 */
export const isSha256Hex = (text: string): boolean => /^[0-9a-f]{64}$/.test(text)
