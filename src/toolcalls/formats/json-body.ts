/**
 * @module toolcalls/formats/json-body: the reader shared by formats whose body is one JSON value,
 * optionally followed by a closing tag (Hermes `</tool_call>`, LM Studio `[END_TOOL_REQUEST]`,
 * Llama 3.1 `<|eom_id|>`). Models forget the closing tag, so a complete JSON value ends the call
 * when whatever follows cannot be the tag.
 */
import { callsFromJson } from '../json-call.js'
import { createBracketScanner, matchToken, skipWhitespace } from '../scan.js'
import type { CallReader } from './types.js'

export type JsonBodyOptions = {
  /** Tags that may close the call; the first one found is consumed. */
  closers: readonly string[]
  /** Also accept a JSON array of calls (some Hermes fine-tunes). */
  arrays?: boolean
  /** Reject objects whose first key is not one of these, to release ordinary JSON quickly. */
  firstKeys?: ReadonlySet<string>
}

/** Whether the first key of the object at `open` is allowed; undefined while it is not written yet. */
function firstKeyAllowed(
  body: string,
  open: number,
  keys: ReadonlySet<string>,
): boolean | undefined {
  const i = skipWhitespace(body, open + 1)
  if (i === body.length) return undefined
  if (body[i] !== '"') return false
  const close = body.indexOf('"', i + 1)
  if (close < 0) return body.length - i > 40 ? false : undefined
  return keys.has(body.slice(i + 1, close))
}

export function createJsonBodyReader(options: JsonBodyOptions): CallReader {
  let start = -1
  let scanner: { scan(s: string): number } | undefined
  let jsonEnd = -1
  let keyChecked = options.firstKeys === undefined
  let truncated = false
  return {
    scan(body, final) {
      if (!scanner) {
        start = skipWhitespace(body, 0)
        if (start === body.length) return final ? 'abort' : 'more'
        const c = body[start]
        if (c !== '{' && !(options.arrays && c === '[')) return 'abort'
        scanner = createBracketScanner(start)
      }
      if (!keyChecked && options.firstKeys) {
        const allowed = firstKeyAllowed(body, start, options.firstKeys)
        if (allowed === false || (allowed === undefined && final)) return 'abort'
        if (allowed === undefined) return 'more'
        keyChecked = true
      }
      if (jsonEnd < 0) {
        jsonEnd = scanner.scan(body)
        if (jsonEnd < 0) {
          if (!final) return 'more'
          truncated = true
          return body.length
        }
      }
      const j = skipWhitespace(body, jsonEnd)
      if (j === body.length) return final ? jsonEnd : 'more'
      for (const closer of options.closers) {
        const m = matchToken(body, j, closer)
        if (m === 'full') return j + closer.length
        // A half-written closing tag at the very end is markup, not text.
        if (m === 'partial') return final ? body.length : 'more'
      }
      return jsonEnd
    },
    parse(body) {
      if (start < 0) return null
      return callsFromJson(body.slice(start, truncated ? body.length : jsonEnd), truncated)
    },
  }
}
