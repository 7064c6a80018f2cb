/**
 * @module translate/openai-stream: OpenAI chat-completion SSE events → {@link StreamPart}s.
 * Tolerant of every local server's quirks (protocol.md §5.3), each named where handled.
 */

import { classifyInBandError } from './in-band-error.js'
import type { SseItem } from './sse-decode.js'
import type { StreamPart } from './stream-parts.js'
import { ToolCallBuffer, type ToolCallDelta } from './tool-call-buffer.js'
import { readOpenAIUsage } from './usage.js'

type Delta = {
  content?: unknown
  reasoning_content?: unknown
  reasoning?: unknown
  tool_calls?: ToolCallDelta[] | null
}

/**
 * @param events decoded SSE of a `/v1/chat/completions` stream
 * @yields parts in order; ends with `finish` or `error`
 */
export async function* openAIStreamToParts(
  events: AsyncIterable<SseItem>,
): AsyncGenerator<StreamPart> {
  const tools = new ToolCallBuffer()
  const leak = new MarkupLeakGuard()
  let finishReason: string | null = null
  let stopSequence: string | undefined
  let sawFinish = false
  let sawDone = false

  for await (const item of events) {
    if (item.kind === 'error-field') {
      yield* leak.flush()
      yield classifyInBandError(item.value)
      return
    }
    const data = item.data.trim()
    if (data === '') continue
    if (data === '[DONE]') {
      sawDone = true
      break
    }
    let chunk: Record<string, unknown>
    try {
      chunk = JSON.parse(data) as Record<string, unknown>
    } catch {
      // The body ended inside this event: a cut connection, reported as one below.
      if (item.unterminated) break
      yield* leak.flush()
      yield {
        type: 'error',
        errorType: 'api_error',
        message: `invalid JSON in a stream chunk: ${data.slice(0, 200)}`,
      }
      return
    }
    if (typeof chunk !== 'object' || chunk === null) continue
    // llama.cpp, vLLM and SGLang send `data: {"error": ...}` after a 200.
    if (chunk.error) {
      yield* leak.flush()
      yield classifyInBandError(chunk.error)
      return
    }
    const usage = readOpenAIUsage(chunk)
    if (usage) yield { type: 'usage', usage }

    const choices = Array.isArray(chunk.choices) ? chunk.choices : []
    const choice = choices[0] as Record<string, unknown> | undefined
    if (!choice) continue
    // Some servers put a whole `message` in a stream chunk instead of a delta.
    const delta = (choice.delta ?? choice.message ?? {}) as Delta
    const reasoning = delta.reasoning_content || delta.reasoning
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (tools.size > 0) yield* tools.drain()
      yield* leak.flush()
      yield { type: 'reasoning-delta', text: reasoning }
    }
    // vLLM sends `content: null` while its parser buffers markup; OpenAI `""` on role chunks.
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (tools.size > 0) yield* tools.drain()
      const text = leak.push(delta.content)
      if (text) yield { type: 'text-delta', text }
    }
    // MLX-Textgen sends `tool_calls: []` on every chunk: a no-op.
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
      const dropped = leak.release()
      if (dropped.trim())
        yield {
          type: 'warning',
          message: `dropped tool-call markup leaked into content: ${JSON.stringify(dropped.slice(0, 80))}`,
        }
      for (const tc of delta.tool_calls) tools.add(tc)
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      finishReason = choice.finish_reason
      sawFinish = true
      // vLLM names the stop string that matched in `stop_reason` (a number is a stop token id).
      if (finishReason === 'stop' && typeof choice.stop_reason === 'string')
        stopSequence = choice.stop_reason
    }
  }

  yield* leak.flush()
  if (!sawDone && !sawFinish) {
    // Neither [DONE] nor a finish_reason: the connection was cut mid-answer.
    yield {
      type: 'error',
      errorType: 'api_error',
      message: 'the backend stream ended before the answer was complete',
    }
    return
  }
  const calls = tools.drain(finishReason === 'length')
  yield* calls
  // A matched stop sequence is `stop_sequence` unless the answer ended in tool calls.
  const stopped = stopSequence !== undefined && !calls.some((p) => p.type === 'tool-call')
  yield {
    type: 'finish',
    finishReason,
    ...(stopped ? { stopReason: 'stop_sequence' as const, stopSequence } : {}),
  }
}

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
  *flush(): Generator<StreamPart> {
    const held = this.release()
    if (held) yield { type: 'text-delta', text: held }
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
