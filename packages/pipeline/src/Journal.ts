/**
 * The store's journal: an append-only file of JSON lines, one record per line, each line carrying
 * the SHA-256 of its own JSON text (`<sha256> <json>\n`), and each record the checksum of the line
 * written before it (`prev`; empty for the first): a hash chain.
 *
 * The checksum is over the exact bytes written (the canonical JSON of the record), so verifying a
 * line is one hash, with no re-serialisation. Parsing separates four cases (DESIGN.md §3): a torn
 * last record (no final newline: the write that made it never completed, so it is dropped without
 * a word), a corrupt line (reported, its entry recomputed), a record out of order — checksummed,
 * but not written after the line it now follows: replayed, moved, or the line before it removed —
 * and good records. Lines written before the chain existed carry no `prev` and are taken as they
 * are.
 *
 * @since 0.1.0
 */
import { CanonicalJson, Digest } from "@spikernel/core"
import { Schema } from "effect"

const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))

/** The checksum of the line before, or "" for the first line of a journal. */
const Prev = Schema.String.check(Schema.isPattern(/^([0-9a-f]{64})?$/))

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
  size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  prev: Schema.optionalKey(Prev)
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
  value: Schema.String,
  prev: Schema.optionalKey(Prev)
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
 * The line of a record written after the line whose checksum is `prev` ("" for the first line),
 * newline included, and its own checksum (the next line's `prev`).
 *
 * @since 0.1.0
 */
export const encodeLine = (
  record: JournalRecord,
  prev: string
): { readonly line: string; readonly checksum: string } => {
  const json = CanonicalJson.canonicalJson({ ...record, prev })
  const checksum = Digest.sha256Hex(json)
  return { line: `${checksum} ${json}\n`, checksum }
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
  /** Checksummed records that are not where they were written (see the module comment). */
  readonly outOfOrder: ReadonlyArray<LineProblem & { readonly record: JournalRecord }>
  /** The checksum of the last complete line ("" for an empty journal): the next line's `prev`. */
  readonly lastChecksum: string
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
  const outOfOrder: Array<LineProblem & { readonly record: JournalRecord }> = []
  // The checksum each line was written after: the previous line's, as it stands in the file. After
  // a corrupt line nothing says what was written there, so the next record's `prev` is taken on trust
  // (the corrupt line is reported on its own).
  let previous: string | undefined = ""
  for (let i = 0; i < lines.length; i++) {
    const checked = checkLine(lines[i])
    if ("record" in checked) {
      const { prev } = checked.record
      if (prev !== undefined && previous !== undefined && prev !== previous) {
        outOfOrder.push({
          line: i + 1,
          reason: "out of order: not written after the line before it (replayed, moved, or a line removed)",
          text: lines[i],
          record: checked.record
        })
      } else records.push({ line: i + 1, record: checked.record })
      previous = lines[i].slice(0, 64)
    } else {
      problems.push({ line: i + 1, reason: checked.reason, text: lines[i] })
      previous = undefined
    }
  }
  const last = lines.at(-1)
  return {
    records,
    problems,
    outOfOrder,
    lastChecksum: last === undefined ? "" : last.slice(0, 64),
    completeBytes: end,
    torn
  }
}

/**
 * The text of a journal holding exactly these records, chained afresh (used to repair and
 * compact), and the checksum of its last line.
 *
 * @since 0.1.0
 */
export const renderJournal = (
  records: Iterable<JournalRecord>
): { readonly text: string; readonly lastChecksum: string } => {
  let text = ""
  let prev = ""
  for (const { prev: _stale, ...record } of records) {
    const encoded = encodeLine(record as JournalRecord, prev)
    text += encoded.line
    prev = encoded.checksum
  }
  return { text, lastChecksum: prev }
}
