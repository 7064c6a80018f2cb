/**
 * @module toolcalls/formats/mistral: Mistral's `[TOOL_CALLS]` in its two shapes:
 * - v3 (Mistral 7B v0.3, Nemo, Small ≤ 3.1): `[TOOL_CALLS] [{"name": .., "arguments": ..}, ...]`;
 * - v11 / tekken (Devstral, Mistral Small 3.2+, Magistral): `[TOOL_CALLS]NAME[ARGS]{...}`, one
 *   marker per call, with an optional `[CALL_ID]id` before `[ARGS]` in newer tokenizers.
 * mlx-lm's own parser for the v11 shape is the regex `(\w+)\[ARGS\]\s*(\{.*\})` (mlx-lm#1307).
 */
import { callsFromJson } from '../json-call.js'
import { createBracketScanner, skipWhitespace } from '../scan.js'
import type { CallReader, RawToolCall, ToolCallFormat } from './types.js'

const ARGS = '[ARGS]'
const HEAD = /^([\w.-]+)(?:\[CALL_ID\][\w-]*)?$/

function createMistralReader(): CallReader {
  let start = -1
  let name: string | undefined
  let argsStart = -1
  let scanner: { scan(s: string): number } | undefined
  let end = -1
  let truncated = false
  return {
    scan(body, final) {
      if (start < 0) {
        start = skipWhitespace(body, 0)
        if (start === body.length) {
          start = -1
          return final ? 'abort' : 'more'
        }
      }
      if (!scanner) {
        const c = body[start]
        if (c === '[' || c === '{') {
          scanner = createBracketScanner(start)
        } else {
          const args = body.indexOf(ARGS, start)
          const head = body.slice(start, args < 0 ? body.length : args)
          // `NAME[CALL_ID]id` while it is still being written: no spaces, short.
          if (/\s/.test(head) || head.length > 200) return 'abort'
          if (args < 0) return final ? 'abort' : 'more'
          const m = HEAD.exec(head)
          if (!m) return 'abort'
          argsStart = skipWhitespace(body, args + ARGS.length)
          if (argsStart === body.length) return final ? 'abort' : 'more'
          if (body[argsStart] !== '{') return 'abort'
          name = m[1]
          scanner = createBracketScanner(argsStart)
        }
      }
      end = scanner.scan(body)
      if (end >= 0) return end
      if (!final) return 'more'
      truncated = true
      return body.length
    },
    parse(body) {
      const stop = end < 0 ? body.length : end
      if (name === undefined) return callsFromJson(body.slice(start, stop), truncated)
      const call: RawToolCall = { name, arguments: body.slice(argsStart, stop) }
      return [truncated ? { ...call, truncated } : call]
    },
  }
}

export const mistral: ToolCallFormat = {
  id: 'mistral',
  markers: [{ text: '[TOOL_CALLS]' }],
  open: () => createMistralReader(),
}
