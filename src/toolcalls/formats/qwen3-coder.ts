/**
 * @module toolcalls/formats/qwen3-coder: Qwen3-Coder's XML calls (mlx-lm and vLLM `qwen3_coder`):
 *
 *     <tool_call>
 *     <function=NAME>
 *     <parameter=P>
 *     value
 *     </parameter>
 *     </function>
 *     </tool_call>
 *
 * Values are raw text (code with `<`, several lines), so inside a value only `</parameter>` counts.
 * The template writes one newline after `>` and one before `</parameter>`: exactly one of each is
 * stripped. Values stay strings here; repair coerces them to the schema's types.
 */
import { findToken, matchToken, skipWhitespace } from '../scan.js'
import type { CallReader, RawToolCall, ReaderContext, ToolCallFormat } from './types.js'

const FUNCTION = '<function='
const PARAM = '<parameter='
const END_PARAM = '</parameter>'
const END_FUNCTION = '</function>'
const END_CALL = '</tool_call>'

function stripOneNewline(value: string): string {
  const v = value.startsWith('\n') ? value.slice(1) : value
  return v.endsWith('\n') ? v.slice(0, -1) : v
}

/** Parses one `<function=...>` call; `text` starts at or before `<function=`. */
export function parseQwen3CoderCall(text: string): RawToolCall | null {
  const fn = text.indexOf(FUNCTION)
  const nameEnd = fn < 0 ? -1 : text.indexOf('>', fn)
  if (nameEnd < 0) return null
  const name = text.slice(fn + FUNCTION.length, nameEnd).trim()
  const args: Record<string, string> = {}
  let i = nameEnd + 1
  let truncated = false
  for (;;) {
    const p = text.indexOf(PARAM, i)
    const close = text.indexOf(END_FUNCTION, i)
    if (p < 0 || (close >= 0 && close < p)) {
      truncated = close < 0 && text.indexOf(END_CALL, i) < 0
      break
    }
    const keyEnd = text.indexOf('>', p)
    if (keyEnd < 0) {
      truncated = true
      break
    }
    const valueStart = keyEnd + 1
    let valueEnd = text.indexOf(END_PARAM, valueStart)
    let next = valueEnd + END_PARAM.length
    if (valueEnd < 0) {
      // Qwen3-Coder sometimes forgets `</parameter>`; like vLLM's qwen3coder parser, end the value
      // at the next parameter or closing tag, or at the end of a cut-off stream.
      const ends = [PARAM, END_FUNCTION, END_CALL]
        .map((t) => text.indexOf(t, valueStart))
        .filter((x) => x >= 0)
      truncated = ends.length === 0
      valueEnd = truncated ? text.length : Math.min(...ends)
      next = valueEnd
    }
    args[text.slice(p + PARAM.length, keyEnd).trim()] = stripOneNewline(
      text.slice(valueStart, valueEnd),
    )
    if (truncated) break
    i = next
  }
  const call: RawToolCall = { name, arguments: JSON.stringify(args) }
  return truncated ? { ...call, truncated } : call
}

type State = 'start' | 'name' | 'outside' | 'value' | 'after'

function createQwen3CoderReader(marker: string, ctx: ReaderContext): CallReader {
  // Qwen3-Coder sometimes drops the `<tool_call>` wrapper, so `<function=` is a marker as well.
  const bare = marker === FUNCTION
  let state: State = bare ? 'name' : 'start'
  let pos = 0
  return {
    scan(body, final) {
      for (;;) {
        switch (state) {
          case 'start': {
            const i = skipWhitespace(body, pos)
            const m = matchToken(body, i, FUNCTION)
            if (m === 'none' || (m === 'partial' && final)) return 'abort'
            if (m === 'partial') return 'more'
            pos = i + FUNCTION.length
            state = 'name'
            break
          }
          case 'name': {
            const gt = body.indexOf('>', pos)
            const name = body.slice(pos, gt < 0 ? body.length : gt)
            // Decide early, so prose that mentions `<function=...` is released at once.
            if (/\s/.test(name.trim()) || !ctx.couldStart(name.trim())) return 'abort'
            if (gt < 0) return final ? 'abort' : 'more'
            if (!ctx.resolve(name)) return 'abort'
            pos = gt + 1
            state = 'outside'
            break
          }
          case 'outside': {
            const hit = findToken(body, [PARAM, END_FUNCTION, END_CALL], pos)
            if (hit.index < 0) {
              pos = hit.resume
              return final ? body.length : 'more'
            }
            if (hit.token === END_CALL) return hit.index + END_CALL.length
            if (hit.token === END_FUNCTION) {
              pos = hit.index + END_FUNCTION.length
              state = 'after'
              break
            }
            const keyEnd = body.indexOf('>', hit.index)
            if (keyEnd < 0) {
              pos = hit.index
              return final ? body.length : 'more'
            }
            pos = keyEnd + 1
            state = 'value'
            break
          }
          case 'value': {
            const i = body.indexOf(END_PARAM, pos)
            if (i < 0) {
              pos = Math.max(pos, body.length - END_PARAM.length + 1)
              return final ? body.length : 'more'
            }
            pos = i + END_PARAM.length
            state = 'outside'
            break
          }
          case 'after': {
            const i = skipWhitespace(body, pos)
            const m = matchToken(body, i, END_CALL)
            if (m === 'full') return i + END_CALL.length
            if (m === 'partial') return final ? body.length : 'more'
            return pos
          }
        }
      }
    },
    parse(body) {
      const call = parseQwen3CoderCall(bare ? FUNCTION + body : body)
      return call ? [call] : null
    },
  }
}

export const qwen3Coder: ToolCallFormat = {
  id: 'qwen3-coder',
  markers: [{ text: '<tool_call>' }, { text: FUNCTION }],
  open: (marker, ctx) => createQwen3CoderReader(marker, ctx),
}
