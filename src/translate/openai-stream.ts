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
  let finishReason: string | null = null
  let sawFinish = false
  let sawDone = false

  for await (const item of events) {
    if (item.kind === 'error-field') {
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
    const reasoning = delta.reasoning_content ?? delta.reasoning
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (tools.size > 0) yield* tools.drain()
      yield { type: 'reasoning-delta', text: reasoning }
    }
    // vLLM sends `content: null` while its parser buffers markup; OpenAI `""` on role chunks.
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (tools.size > 0) yield* tools.drain()
      yield { type: 'text-delta', text: delta.content }
    }
    // MLX-Textgen sends `tool_calls: []` on every chunk: a no-op.
    if (Array.isArray(delta.tool_calls)) for (const tc of delta.tool_calls) tools.add(tc)
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      finishReason = choice.finish_reason
      sawFinish = true
    }
  }

  if (!sawDone && !sawFinish) {
    // Neither [DONE] nor a finish_reason: the connection was cut mid-answer.
    yield {
      type: 'error',
      errorType: 'api_error',
      message: 'the backend stream ended before the answer was complete',
    }
    return
  }
  yield* tools.drain(finishReason === 'length')
  yield { type: 'finish', finishReason }
}
