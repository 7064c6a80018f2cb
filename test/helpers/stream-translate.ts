/**
 * @module test/helpers/stream-translate: the pure stream pipeline (decodeSse → openAIStreamToParts
 * → AnthropicEventBuilder) run over bytes cut at awkward places, and a strict fold of its events.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { AnthropicMessage, StreamEvent } from '../../src/translate/anthropic-types.js'
import { zeroUsage } from '../../src/translate/anthropic-types.js'
import { AnthropicEventBuilder, type EventBuilderOptions } from '../../src/translate/events.js'
import { openAIStreamToParts } from '../../src/translate/openai-stream.js'
import type { PartTransform } from '../../src/translate/part-transform.js'
import { applyTransforms } from '../../src/translate/part-transform.js'
import { decodeSse } from '../../src/translate/sse-decode.js'
import type { StreamPart } from '../../src/translate/stream-parts.js'
import { collect, iterate, rng, splitBytes } from './sse.js'

const FIXTURES = new URL('../fixtures/backend-streams/', import.meta.url)
const enc = new TextEncoder()

/** `data: <chunk>` frames; strings are written raw (comments, odd fields, `[DONE]`). */
export function renderChunks(
  chunks: readonly (Record<string, unknown> | string)[],
  done = true,
): string {
  let s = ''
  for (const c of chunks) s += typeof c === 'string' ? c : `data: ${JSON.stringify(c)}\n\n`
  return done ? `${s}data: [DONE]\n\n` : s
}

/**
 * A recorded stream as the bytes the server sent: `.sse` as is, `.chunks.jsonl` framed as one
 * `data:` event per line (no `[DONE]` is added: the sources did not keep it).
 */
export function loadStreamFixture(name: string): Uint8Array {
  const text = readFileSync(new URL(name, FIXTURES), 'utf8')
  if (name.endsWith('.sse')) return enc.encode(text)
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return enc.encode(lines.map((l) => `data: ${l}\n\n`).join(''))
}

/** Every recorded stream (not the raw `.txt` model outputs). */
export const STREAM_FIXTURES: string[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sse') || f.endsWith('.chunks.jsonl'))
  .sort()

/** Partial recordings: what is there must translate right, but they may not end properly. */
export const isPartial = (name: string) => /\.(partial|excerpt)\./.test(name)

export type Split = { name: string; pieces: (bytes: Uint8Array) => Uint8Array[] }

/** Splits inside every multi-byte UTF-8 character (after its first byte). */
function splitMidUtf8(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    // A lead byte of a multi-byte sequence: cut right after it.
    if ((bytes[i]! & 0xc0) === 0xc0) {
      out.push(bytes.subarray(start, i + 1))
      start = i + 1
    }
  }
  out.push(bytes.subarray(start))
  return out.filter((p) => p.length > 0)
}

/** Splits in the middle of every line (and so between `\r` and `\n` for odd-length CRLF lines). */
function splitMidLine(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let lineStart = 0
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue
    const mid = lineStart + Math.floor((i - lineStart) / 2)
    if (mid > start) {
      out.push(bytes.subarray(start, mid))
      start = mid
    }
    lineStart = i + 1
  }
  out.push(bytes.subarray(start))
  return out.filter((p) => p.length > 0)
}

/** Splits right after every `\r` (between `\r` and `\n` in CRLF framing). */
function splitAfterCr(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] === 0x0d) {
      out.push(bytes.subarray(start, i + 1))
      start = i + 1
    }
  out.push(bytes.subarray(start))
  return out.filter((p) => p.length > 0)
}

const toCrlf = (bytes: Uint8Array) =>
  enc.encode(new TextDecoder().decode(bytes).replace(/\r?\n/g, '\r\n'))

function randomSizes(seed: number, max: number): (bytes: Uint8Array) => Uint8Array[] {
  return (bytes) => {
    const r = rng(seed)
    const sizes = Array.from({ length: 64 }, () => 1 + Math.floor(r() * max))
    return splitBytes(bytes, sizes)
  }
}

/** The cuts every stream must survive with identical results. */
export const SPLITS: Split[] = [
  { name: 'whole', pieces: (b) => [b] },
  { name: '1-byte pieces', pieces: (b) => splitBytes(b, [1]) },
  { name: 'mid-line', pieces: splitMidLine },
  { name: 'mid-UTF-8 character', pieces: splitMidUtf8 },
  { name: 'CRLF framing', pieces: (b) => [toCrlf(b)] },
  { name: 'CRLF, cut between CR and LF', pieces: (b) => splitAfterCr(toCrlf(b)) },
  { name: 'CRLF, 1-byte pieces', pieces: (b) => splitBytes(toCrlf(b), [1]) },
  { name: 'random sizes (seed 1)', pieces: randomSizes(1, 7) },
  { name: 'random sizes (seed 42)', pieces: randomSizes(42, 40) },
  { name: 'random sizes (seed 2024)', pieces: randomSizes(2024, 300) },
]

export type Translation = { parts: StreamPart[]; events: StreamEvent[]; warnings: string[] }

export type TranslateOptions = Partial<
  Omit<EventBuilderOptions, 'generateToolId' | 'onWarning'>
> & {
  transforms?: () => PartTransform[]
}

/** decodeSse → openAIStreamToParts → (transforms) → AnthropicEventBuilder, over the given pieces. */
export async function translateOpenAI(
  pieces: readonly Uint8Array[],
  options: TranslateOptions = {},
): Promise<Translation> {
  const { transforms: makeTransforms, ...builderOpts } = options
  let toolIds = 0
  const warnings: string[] = []
  const builder = new AnthropicEventBuilder({
    estimateInputTokens: 1000,
    ...builderOpts,
    generateToolId: () => `toolu_gen_${++toolIds}`,
    onWarning: (m) => warnings.push(m),
  })
  const transforms = makeTransforms?.() ?? []
  const parts = await collect(openAIStreamToParts(decodeSse(iterate(pieces))))
  const events: StreamEvent[] = []
  for (const part of parts)
    for (const p of applyTransforms(transforms, part)) events.push(...builder.push(p))
  events.push(...builder.end())
  return { parts, events, warnings }
}

export const START: AnthropicMessage = {
  id: 'msg_test',
  type: 'message',
  role: 'assistant',
  model: 'test-model',
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: zeroUsage(),
}

export type Folded = {
  message: AnthropicMessage
  /** The `error` event that ended the stream, if any. */
  error?: { type: string; message: string }
  /** The stream reached `message_stop`. */
  complete: boolean
}

/**
 * Folds events the way the SDK's MessageStream does, and checks on the way everything
 * protocol.md §3.4 requires (Claude Code throws otherwise): sequential indexes, one open block,
 * delta types matching their block, tool JSON that parses, usage in `message_delta`, nothing
 * after `message_stop` or `error`.
 */
export function foldAnthropicEvents(events: readonly StreamEvent[], start = START): Folded {
  const message: AnthropicMessage = structuredClone({ ...start, content: [] })
  const json = new Map<number, string>()
  let open: number | null = null
  let ended: 'stop' | 'error' | null = null
  let sawDelta = false
  let error: Folded['error']
  const fail = (why: string, ev: StreamEvent): never => {
    throw new Error(`${why}: ${JSON.stringify(ev)}`)
  }
  for (const ev of events) {
    if (ended) fail(`event after ${ended === 'stop' ? 'message_stop' : 'error'}`, ev)
    switch (ev.type) {
      case 'message_start':
        fail('message_start from the builder', ev)
        break
      case 'content_block_start': {
        if (sawDelta) fail('content block after message_delta', ev)
        if (open !== null) fail(`block ${open} still open`, ev)
        if (ev.index !== message.content.length)
          fail(`index ${ev.index}, expected ${message.content.length}`, ev)
        const b = ev.content_block
        if (b.type === 'text' && b.text !== '') fail('text block must start empty', ev)
        if (b.type === 'thinking' && (b.thinking !== '' || b.signature !== ''))
          fail('thinking must start empty', ev)
        if (b.type === 'tool_use' && (Object.keys(b.input).length > 0 || !b.id || !b.name))
          fail('tool_use must start with id, name and input {}', ev)
        message.content.push(structuredClone(b))
        open = ev.index
        break
      }
      case 'content_block_delta': {
        if (open !== ev.index) fail('delta for a block that is not open', ev)
        const block = message.content[ev.index]!
        const d = ev.delta
        if (d.type === 'text_delta' && block.type === 'text') block.text += d.text
        else if (d.type === 'thinking_delta' && block.type === 'thinking')
          block.thinking += d.thinking
        else if (d.type === 'signature_delta' && block.type === 'thinking')
          block.signature = d.signature
        else if (d.type === 'input_json_delta' && block.type === 'tool_use')
          json.set(ev.index, (json.get(ev.index) ?? '') + d.partial_json)
        else fail(`${d.type} in a ${block.type} block`, ev)
        break
      }
      case 'content_block_stop': {
        if (open !== ev.index) fail('stop for a block that is not open', ev)
        const block = message.content[ev.index]!
        if (block.type === 'tool_use') {
          const text = json.get(ev.index) ?? ''
          const input = text === '' ? {} : (JSON.parse(text) as unknown)
          if (!input || typeof input !== 'object' || Array.isArray(input))
            fail('tool input is not an object', ev)
          block.input = input as Record<string, unknown>
        }
        if (block.type === 'text' && block.text.trim() === '')
          fail('whitespace-only text block', ev)
        open = null
        break
      }
      case 'message_delta':
        if (open !== null) fail(`message_delta with block ${open} open`, ev)
        if (
          typeof ev.usage?.output_tokens !== 'number' ||
          typeof ev.usage.input_tokens !== 'number'
        )
          fail('message_delta without numeric usage', ev)
        sawDelta = true
        message.stop_reason = ev.delta.stop_reason
        message.stop_sequence = ev.delta.stop_sequence
        message.usage = { ...ev.usage }
        break
      case 'message_stop':
        if (!sawDelta) fail('message_stop without message_delta', ev)
        ended = 'stop'
        break
      case 'ping':
        break
      case 'error':
        error = { ...ev.error }
        ended = 'error'
        break
      default: {
        const _exhaustive: never = ev
        return _exhaustive
      }
    }
  }
  return { message, ...(error ? { error } : {}), complete: ended === 'stop' }
}

/** One line per event, for readable snapshots. */
export const eventLines = (events: readonly StreamEvent[]): string[] =>
  events.map((ev) => {
    const { type, ...rest } = ev
    return `${type} ${JSON.stringify(rest)}`
  })
