/**
 * @module toolcalls/formats/harmony: gpt-oss Harmony messages left in `content` when the server
 * does not parse them (llama-server b6097 with some templates, vllm-mlx):
 *
 *     <|channel|>analysis<|message|>thinking<|end|>
 *     <|start|>assistant<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{..}<|call|>
 *     <|start|>assistant<|channel|>final<|message|>answer<|return|>
 *
 * `analysis` becomes reasoning, `final` (and commentary without a recipient, gpt-oss's preambles)
 * text, and a message to `functions.NAME` a tool call. Once Harmony starts it owns the rest of the
 * answer, so this is a small streaming parser of its own rather than a {@link CallReader}.
 */
import {
  createBracketScanner,
  findToken,
  partialSuffixLength,
  shouldScan,
  skipWhitespace,
} from '../scan.js'
import type { ParsedPiece, TextToolCallParser } from '../types.js'
import type { ReaderContext } from './types.js'

export const HARMONY_MARKERS = ['<|channel|>', '<|start|>'] as const

const MESSAGE = '<|message|>'
/** Tokens that end a message and are dropped. */
const ENDS = ['<|end|>', '<|call|>', '<|return|>']
/** Tokens that end a message and begin the next header. */
const STARTS = ['<|start|>', '<|channel|>']
const TERMINATORS = [...ENDS, ...STARTS]
/** A header longer than this is not Harmony after all. */
const MAX_HEADER = 1024

type Header = { raw: string; channel: string; recipient?: string }

function parseHeader(raw: string): Header {
  const recipient = /\bto=([^\s<]+)/.exec(raw)?.[1]
  const channelAt = raw.lastIndexOf('<|channel|>')
  const rest = channelAt >= 0 ? raw.slice(channelAt + '<|channel|>'.length) : raw
  const words = rest
    .replace(/<\|[a-z_]+\|>/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && w !== 'assistant' && !w.startsWith('to='))
  return { raw, channel: words[0] ?? '', recipient }
}

export function createHarmonyParser(ctx: ReaderContext): TextToolCallParser {
  let buf = ''
  let header: Header | undefined
  let searchFrom = 0
  let args: { scanner?: { scan(s: string): number }; decided: boolean; scanned: number } = {
    decided: false,
    scanned: 0,
  }
  let out: ParsedPiece[] = []

  const emit = (type: 'text' | 'reasoning', text: string) => {
    if (text === '') return
    const last = out[out.length - 1]
    if (last?.type === type) last.text += text
    else out.push({ type, text })
  }
  const contentType = (h: Header): 'text' | 'reasoning' =>
    h.channel === 'analysis' ? 'reasoning' : 'text'

  /** Ends the current message after `length` chars of content and drops a following end token. */
  const closeMessage = (length: number) => {
    let rest = buf.slice(length)
    const end = ENDS.find((t) => rest.startsWith(t, skipWhitespace(rest, 0)))
    if (end) rest = rest.slice(skipWhitespace(rest, 0) + end.length)
    buf = rest
    header = undefined
    searchFrom = 0
    args = { decided: false, scanned: 0 }
  }

  const emitCall = (h: Header, body: string, truncated: boolean) => {
    const name = ctx.resolve(h.recipient ?? '')
    if (name === undefined) {
      emit('text', `${h.raw}${MESSAGE}${body}`)
      return
    }
    const text = body.trim() === '' ? '{}' : body.trim()
    out.push({ type: 'tool-call', name, arguments: text, ...(truncated ? { truncated } : {}) })
  }

  /** One step; false when it needs more input. */
  const step = (final: boolean): boolean => {
    if (!header) {
      const at = buf.indexOf(MESSAGE, searchFrom)
      if (at < 0) {
        if (buf.length > MAX_HEADER) {
          header = { raw: '', channel: 'final' }
          return true
        }
        searchFrom = Math.max(0, buf.length - MESSAGE.length + 1)
        if (final) {
          // A dangling header (`<|channel|>` at the very end, as vllm-mlx leaves) is dropped.
          if (buf.replace(/<\|[a-z_]+\|>/g, '').trim() !== '') emit('text', buf)
          buf = ''
        }
        return false
      }
      // An end token can arrive after a call that a closed JSON object already ended.
      header = parseHeader(buf.slice(0, at).replace(/^(\s*<\|(end|call|return)\|>)+/, ''))
      buf = buf.slice(at + MESSAGE.length)
      searchFrom = 0
      return true
    }
    if (header.recipient && !shouldScan(buf.length, args.scanned, final)) return false
    args.scanned = buf.length
    const hit = findToken(buf, TERMINATORS, searchFrom)
    if (header.recipient) {
      // A call's JSON may run straight into the next header with no end token (vllm-mlx
      // gpt-oss-20b), and llama-server strips `<|call|>`: a closed JSON object ends it too.
      if (!args.decided) {
        const i = skipWhitespace(buf, 0)
        if (i === buf.length && !final) return false
        if (buf[i] === '{') args.scanner = createBracketScanner(i)
        args.decided = true
      }
      const jsonEnd = args.scanner ? args.scanner.scan(buf) : -1
      const end = hit.index >= 0 && (jsonEnd < 0 || hit.index < jsonEnd) ? hit.index : jsonEnd
      if (end >= 0) {
        emitCall(header, buf.slice(0, end), false)
        closeMessage(end)
        return true
      }
      if (!final) {
        searchFrom = hit.resume
        return false
      }
      emitCall(header, buf, args.scanner !== undefined)
      closeMessage(buf.length)
      return false
    }
    const type = contentType(header)
    if (hit.index >= 0) {
      emit(type, buf.slice(0, hit.index))
      closeMessage(hit.index)
      return true
    }
    const hold = final ? 0 : partialSuffixLength(buf, TERMINATORS)
    emit(type, buf.slice(0, buf.length - hold))
    buf = buf.slice(buf.length - hold)
    searchFrom = 0
    if (final) header = undefined
    return false
  }

  const run = (final: boolean): ParsedPiece[] => {
    while (step(final)) {}
    const pieces = out
    out = []
    return pieces
  }
  return {
    push(text) {
      buf += text
      return run(false)
    },
    end: () => run(true),
  }
}
