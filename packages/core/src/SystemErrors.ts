/**
 * Operating-system failures in words. Effect's `PlatformError` normalises Node's error codes to a
 * few tags and leaves many as `Unknown` (a read-only file system, a full disk); the original error
 * keeps the code, and this module turns it into what a user can act on: "read-only file system",
 * "no space left on device", "permission denied (as user …)", "not a directory", with the path.
 *
 * @since 0.1.0
 */
import { userInfo } from "node:os"
import type { PlatformError } from "effect"

/** The Node error code behind a failure, looked for on the error and its causes. */
const codeOf = (error: unknown, depth = 0): string | undefined => {
  if (depth > 4 || typeof error !== "object" || error === null) return undefined
  const code = (error as { readonly code?: unknown }).code
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code
  const reason = (error as { readonly reason?: unknown }).reason
  return codeOf((error as { readonly cause?: unknown }).cause, depth + 1) ?? codeOf(reason, depth + 1)
}

const pathOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const reason = (error as { readonly reason?: { readonly pathOrDescriptor?: unknown } }).reason
  const path = reason?.pathOrDescriptor ?? (error as { readonly path?: unknown }).path
  return typeof path === "string" ? path : undefined
}

const currentUser = (): string => {
  try {
    return userInfo().username
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`
  }
}

const words: Readonly<Record<string, (path: string | undefined) => string>> = {
  EROFS: () => "read-only file system",
  ENOSPC: () => "no space left on device",
  EDQUOT: () => "disk quota exceeded",
  EACCES: () => `permission denied (as user ${currentUser()})`,
  EPERM: () => `operation not permitted (as user ${currentUser()})`,
  ENOTDIR: () => "not a directory (a part of the path is a file)",
  EISDIR: () => "is a directory",
  ENOENT: () => "no such file or directory",
  EEXIST: () => "already exists",
  EMFILE: () => "too many open files",
  ENAMETOOLONG: () => "file name too long",
  EBUSY: () => "resource busy",
  EIO: () => "input/output error"
}

/**
 * One phrase for a file-system failure: the cause in words and the path, e.g.
 * `read-only file system: /data/store/lock`; otherwise the error's own message.
 *
 * @since 0.1.0
 */
export const describe = (error: PlatformError.PlatformError | unknown): string => {
  const code = codeOf(error)
  const path = pathOf(error)
  const phrase = code === undefined ? undefined : words[code]?.(path)
  if (phrase === undefined) {
    const message = error instanceof Error ? error.message : String(error)
    return code === undefined ? message : `${message} (${code})`
  }
  return path === undefined ? phrase : `${phrase}: ${path}`
}
