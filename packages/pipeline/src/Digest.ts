/**
 * SHA-256 digests, the one hash of the store: blob addresses, journal checksums and cache keys.
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
 * True for a 64-character lowercase hex string, the form of every address and key in the store.
 *
 * @since 0.1.0
 */
export const isSha256Hex = (text: string): boolean => /^[0-9a-f]{64}$/.test(text)
