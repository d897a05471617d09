/**
 * The store's journal: an append-only file of JSON lines, one record per line, each line carrying
 * the SHA-256 of its own JSON text (`<sha256> <json>\n`).
 *
 * The checksum is over the exact bytes written (the canonical JSON of the record), so verifying a
 * line is one hash, with no re-serialisation. Parsing separates three cases (DESIGN.md §3): a torn
 * last record (no final newline: the write that made it never completed, so it is dropped without
 * a word), a corrupt line elsewhere (reported, its entry recomputed), and good records.
 *
 * @since 0.1.0
 */
import { CanonicalJson, Digest } from "@spikernel/core"
import { Schema } from "effect"

const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

/**
 * A value stored as a content-addressed blob file.
 *
 * @since 0.1.0
 */
export const BlobRecord = Schema.Struct({
  op: Schema.Literal("blob"),
  key: Schema.String,
  tag: Schema.String,
  blob: Sha256,
  size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * A small value kept in the journal line itself (its UTF-8 text), protected by the line checksum:
 * one write and one fsync per candidate instead of three, and no 4 KiB file per 300-byte record.
 *
 * @since 0.1.0
 */
export const InlineRecord = Schema.Struct({
  op: Schema.Literal("inline"),
  key: Schema.String,
  tag: Schema.String,
  value: Schema.String
})

/**
 * @since 0.1.0
 */
export const JournalRecord = Schema.Union([BlobRecord, InlineRecord])

/**
 * @since 0.1.0
 */
export type JournalRecord = typeof JournalRecord.Type

const decodeRecord = Schema.decodeUnknownExit(JournalRecord)

/**
 * The line of a record, newline included.
 *
 * @since 0.1.0
 */
export const encodeLine = (record: JournalRecord): string => {
  const json = CanonicalJson.canonicalJson(record)
  return `${Digest.sha256Hex(json)} ${json}\n`
}

/**
 * A line that could not be used, with its 1-based line number.
 *
 * @since 0.1.0
 */
export interface LineProblem {
  readonly line: number
  readonly reason: string
  /** The line as found, kept so a repair can set it aside rather than lose it. */
  readonly text: string
}

/**
 * What a journal's text holds.
 *
 * @since 0.1.0
 */
export interface ParsedJournal {
  /** Good records in file order, with their 1-based line numbers. */
  readonly records: ReadonlyArray<{ readonly line: number; readonly record: JournalRecord }>
  /** Corrupt complete lines (not counting a torn tail). */
  readonly problems: ReadonlyArray<LineProblem>
  /** Byte length of the text up to and including the last newline: where appends must resume. */
  readonly completeBytes: number
  /** True when the text ends in an unterminated (torn) record. */
  readonly torn: boolean
}

const checkLine = (text: string): { readonly record: JournalRecord } | { readonly reason: string } => {
  const space = text.indexOf(" ")
  if (space !== 64) return { reason: "not a checksummed record" }
  const checksum = text.slice(0, 64)
  const json = text.slice(65)
  if (Digest.sha256Hex(json) !== checksum) return { reason: "checksum mismatch" }
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return { reason: "invalid JSON under a valid checksum" }
  }
  const decoded = decodeRecord(parsed)
  return decoded._tag === "Success" ? { record: decoded.value } : { reason: "not a journal record" }
}

/**
 * Parses a journal's bytes.
 *
 * @since 0.1.0
 */
export const parseJournal = (bytes: Uint8Array): ParsedJournal => {
  let end = bytes.length
  while (end > 0 && bytes[end - 1] !== 0x0a) end--
  const torn = end < bytes.length
  const text = new TextDecoder().decode(bytes.subarray(0, end))
  const lines = text.length === 0 ? [] : text.slice(0, -1).split("\n")
  const records: Array<{ line: number; record: JournalRecord }> = []
  const problems: Array<LineProblem> = []
  for (let i = 0; i < lines.length; i++) {
    const checked = checkLine(lines[i])
    if ("record" in checked) records.push({ line: i + 1, record: checked.record })
    else problems.push({ line: i + 1, reason: checked.reason, text: lines[i] })
  }
  return { records, problems, completeBytes: end, torn }
}

/**
 * The text of a journal holding exactly these records (used to repair and compact).
 *
 * @since 0.1.0
 */
export const renderJournal = (records: Iterable<JournalRecord>): string => {
  let text = ""
  for (const record of records) text += encodeLine(record)
  return text
}
