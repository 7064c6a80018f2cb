/**
 * @module translate/openai-stream: OpenAI chat-completion SSE events → {@link StreamPart}s.
 * Tolerant of every local server's quirks (protocol.md §5.3), each named where handled.
 */

import { classifyInBandError } from './in-band-error.js'
import type { SseItem } from './sse-decode.js'
import { decodeParts, type PartDecoder, type StreamPart } from './stream-parts.js'
import { ToolCallBuffer, type ToolCallDelta } from './tool-call-buffer.js'
import { readOpenAIUsage } from './usage.js'

type Delta = {
  content?: unknown
  reasoning_content?: unknown
  reasoning?: unknown
  tool_calls?: ToolCallDelta[] | null
}

/**
 * Translates one `/v1/chat/completions` stream, synchronously: each decoded SSE event in, the
 * parts it completes out (no async layer per chunk on the hot path).
 */
export class OpenAIStreamDecoder implements PartDecoder {
  readonly #tools = new ToolCallBuffer()
  readonly #leak = new MarkupLeakGuard()
  #finishReason: string | null = null
  #stopSequence: string | undefined
  #sawFinish = false
  #sawDone = false
  /** `ended`: stop reading, the closing parts follow; `failed`: an error part was the last. */
  #state: 'open' | 'ended' | 'failed' = 'open'

  get done(): boolean {
    return this.#state !== 'open'
  }

  push(item: SseItem, out: StreamPart[]): void {
    if (this.#state !== 'open') return
    if (item.kind === 'error-field') {
      this.#fail(classifyInBandError(item.value), out)
      return
    }
    const data = item.data.trim()
    if (data === '') return
    if (data === '[DONE]') {
      this.#sawDone = true
      this.#state = 'ended'
      return
    }
    let chunk: Record<string, unknown>
    try {
      chunk = JSON.parse(data) as Record<string, unknown>
    } catch {
      // The body ended inside this event: a cut connection, reported as one at the end.
      if (item.unterminated) {
        this.#state = 'ended'
        return
      }
      this.#fail(
        {
          type: 'error',
          errorType: 'api_error',
          message: `invalid JSON in a stream chunk: ${data.slice(0, 200)}`,
        },
        out,
      )
      return
    }
    if (typeof chunk !== 'object' || chunk === null) return
    // llama.cpp, vLLM and SGLang send `data: {"error": ...}` after a 200.
    if (chunk.error) {
      this.#fail(classifyInBandError(chunk.error), out)
      return
    }
    const usage = readOpenAIUsage(chunk)
    if (usage) out.push({ type: 'usage', usage })

    const choices = Array.isArray(chunk.choices) ? chunk.choices : []
    const choice = choices[0] as Record<string, unknown> | undefined
    if (!choice) return
    // Some servers put a whole `message` in a stream chunk instead of a delta.
    const delta = (choice.delta ?? choice.message ?? {}) as Delta
    const reasoning = delta.reasoning_content || delta.reasoning
    const tools = this.#tools
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (tools.size > 0) out.push(...tools.drain())
      this.#leak.flush(out)
      out.push({ type: 'reasoning-delta', text: reasoning })
    }
    // vLLM sends `content: null` while its parser buffers markup; OpenAI `""` on role chunks.
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (tools.size > 0) out.push(...tools.drain())
      const text = this.#leak.push(delta.content)
      if (text) out.push({ type: 'text-delta', text })
    }
    // MLX-Textgen sends `tool_calls: []` on every chunk: a no-op.
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
      const dropped = this.#leak.release()
      if (dropped.trim())
        out.push({
          type: 'warning',
          message: `dropped tool-call markup leaked into content: ${JSON.stringify(dropped.slice(0, 80))}`,
        })
      for (const tc of delta.tool_calls) tools.add(tc)
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      this.#finishReason = choice.finish_reason
      this.#sawFinish = true
      // vLLM names the stop string that matched in `stop_reason` (a number is a stop token id).
      if (choice.finish_reason === 'stop' && typeof choice.stop_reason === 'string')
        this.#stopSequence = choice.stop_reason
    }
  }

  end(out: StreamPart[]): void {
    if (this.#state === 'failed') return
    this.#state = 'failed' // nothing more, whatever comes
    this.#leak.flush(out)
    if (!this.#sawDone && !this.#sawFinish) {
      // Neither [DONE] nor a finish_reason: the connection was cut mid-answer.
      out.push({
        type: 'error',
        errorType: 'api_error',
        message: 'the backend stream ended before the answer was complete',
      })
      return
    }
    const calls = this.#tools.drain(this.#finishReason === 'length')
    out.push(...calls)
    // A matched stop sequence is `stop_sequence` unless the answer ended in tool calls.
    const stopped = this.#stopSequence !== undefined && !calls.some((p) => p.type === 'tool-call')
    out.push({
      type: 'finish',
      finishReason: this.#finishReason,
      ...(stopped
        ? { stopReason: 'stop_sequence' as const, stopSequence: this.#stopSequence }
        : {}),
    })
  }

  #fail(error: StreamPart, out: StreamPart[]): void {
    this.#leak.flush(out)
    out.push(error)
    this.#state = 'failed'
  }
}

/**
 * @param events decoded SSE of a `/v1/chat/completions` stream
 * @yields parts in order; ends with `finish` or `error`
 */
export const openAIStreamToParts = (events: AsyncIterable<SseItem>): AsyncGenerator<StreamPart> =>
  decodeParts(events, new OpenAIStreamDecoder())

/** How much content may be held as a possible leak before it is let through as text. */
const LEAK_LIMIT = 256
const LEAK_MARKERS = ['<tool_call>', '<function=']

/**
 * llama-server's Qwen3-Coder and Hermes parsers stream the first pieces of a call's markup as
 * content (`<tool_call>\n`, `<function=get`, ...) before they switch to `tool_calls`. Content from
 * such a marker on is held back: a native tool call right after it means it was that leak, and it
 * is dropped. Anything else (more than {@link LEAK_LIMIT} characters, reasoning, the end of the
 * stream) lets it through unchanged, so a text-format call still reaches the rescue.
 */
class MarkupLeakGuard {
  #held = ''

  /** @returns the text that can go out now */
  push(text: string): string {
    const all = this.#held + text
    if (LEAK_MARKERS.some((m) => all.startsWith(m))) {
      this.#held = all.length > LEAK_LIMIT ? '' : all
      return this.#held ? '' : all
    }
    const at = markerStart(all)
    this.#held = at < 0 ? '' : all.slice(at)
    return at < 0 ? all : all.slice(0, at)
  }

  /** Empties the buffer, returning what it held. */
  release(): string {
    const held = this.#held
    this.#held = ''
    return held
  }

  /** What was held, as text (the stream went on with something else, or ended). */
  flush(out: StreamPart[]): void {
    const held = this.release()
    if (held) out.push({ type: 'text-delta', text: held })
  }
}

/** Where a leak marker starts in `text` (whole, or cut off by the end of `text`), or -1. */
function markerStart(text: string): number {
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const rest = text.slice(i, i + 16)
    const starts = (m: string) =>
      rest.startsWith(m) || (rest.length < m.length && m.startsWith(rest))
    if (LEAK_MARKERS.some(starts)) return i
  }
  return -1
}
