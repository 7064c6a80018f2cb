/**
 * @module toolcalls/formats/pythonic: Python-style call lists,
 * `[get_todays_date(), get_weather(location="Dublin, Ireland")]`: Llama 4 (vLLM
 * `llama4_pythonic`, optionally inside `<|python_start|>…<|python_end|>`), Llama 3.2, and LFM2
 * inside `<|tool_call_start|>…<|tool_call_end|>`.
 *
 * A bare `[` is a call only where the answer starts, and only while the first name can still be a
 * declared tool followed by `(`: Markdown links and lists are released as soon as they differ.
 */
import { createBracketScanner, matchToken, skipWhitespace } from '../scan.js'
import { parsePythonCallList } from './python-literal.js'
import type { CallReader, ReaderContext, ToolCallFormat } from './types.js'

const CLOSERS: Record<string, string> = {
  '<|tool_call_start|>': '<|tool_call_end|>',
  '<|python_start|>': '<|python_end|>',
}

/** Whether the list at `open` starts with a declared tool's name and `(`; undefined = not yet known. */
function firstCallPlausible(body: string, open: number, ctx: ReaderContext): boolean | undefined {
  const i = skipWhitespace(body, open + 1)
  const m = /^[A-Za-z_][\w.-]*/.exec(body.slice(i, i + 200))
  const name = m?.[0] ?? ''
  if (name === '') return i === body.length ? undefined : false
  if (!ctx.couldStart(name)) return false
  const j = skipWhitespace(body, i + name.length)
  if (j === body.length) return undefined
  return body[j] === '(' && ctx.resolve(name) !== undefined
}

function createPythonicReader(marker: string, ctx: ReaderContext): CallReader {
  const closer = CLOSERS[marker]
  let start = -1
  let scanner: { scan(s: string): number } | undefined
  let listEnd = -1
  let truncated = false
  return {
    scan(body, final) {
      if (!scanner) {
        start = skipWhitespace(body, 0)
        if (start === body.length) return final ? 'abort' : 'more'
        if (body[start] !== '[') return 'abort'
        const plausible = firstCallPlausible(body, start, ctx)
        if (plausible === false || (plausible === undefined && final)) return 'abort'
        if (plausible === undefined) return 'more'
        scanner = createBracketScanner(start, `"'`)
      }
      if (listEnd < 0) {
        listEnd = scanner.scan(body)
        if (listEnd < 0) {
          if (!final) return 'more'
          truncated = true
          return body.length
        }
      }
      if (!closer) return listEnd
      const j = skipWhitespace(body, listEnd)
      if (j === body.length) return final ? listEnd : 'more'
      const m = matchToken(body, j, closer)
      if (m === 'full') return j + closer.length
      if (m === 'partial') return final ? body.length : 'more'
      return listEnd
    },
    parse(body) {
      // A cut-off list cannot be parsed as Python; it stays text.
      if (truncated || start < 0) return null
      const calls = parsePythonCallList(body.slice(start, listEnd))
      if (!calls || calls.length === 0) return null
      return calls.map((c) => ({ name: c.name, arguments: JSON.stringify(c.args) }))
    },
  }
}

export const pythonic: ToolCallFormat = {
  id: 'pythonic',
  markers: [
    { text: '[', anchored: true, inBody: true },
    { text: '<|tool_call_start|>' },
    { text: '<|python_start|>' },
  ],
  open: (marker, ctx) => createPythonicReader(marker, ctx),
}
