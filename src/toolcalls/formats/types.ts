/**
 * @module toolcalls/formats/types: the small interface every text tool-call format implements.
 *
 * The parser finds a format's start marker, then feeds the text after it (the body) to a fresh
 * {@link CallReader} until the reader says where the call ends; the reader then parses that body.
 */
import type { TextToolFormat } from '../types.js'

/** A call as the model wrote it: `arguments` is JSON text, repaired later against the schema. */
export type RawToolCall = { name: string; arguments: string; truncated?: boolean }

/**
 * What a reader makes of the body so far: a number = the call ends after that many characters of
 * the body; `more` = keep feeding; `abort` = this is not a call (the marker is released as text).
 */
export type ScanResult = number | 'more' | 'abort'

export interface CallReader {
  /**
   * Looks at the body so far (the same string, grown, on each call). With `final` (the stream
   * ended) it must answer a number or `abort`.
   */
  scan(body: string, final: boolean): ScanResult
  /** The calls in the body `scan` delimited; null = not a call after all (it stays text). */
  parse(body: string): RawToolCall[] | null
}

export type MarkerSpec = {
  text: string
  /** Recognised only where the answer starts (after whitespace, reasoning or an earlier call). */
  anchored?: boolean
  /** The marker is the body's first character (`{`, `[`), not markup to drop. */
  inBody?: boolean
}

/** What readers may ask about the declared tools. */
export type ReaderContext = {
  /** The declared name `name` refers to, if any. */
  resolve(name: string): string | undefined
  /** Whether some declared name could start with `prefix`. */
  couldStart(prefix: string): boolean
}

export interface ToolCallFormat {
  readonly id: Exclude<TextToolFormat, 'harmony'>
  readonly markers: readonly MarkerSpec[]
  open(marker: string, ctx: ReaderContext): CallReader
}
