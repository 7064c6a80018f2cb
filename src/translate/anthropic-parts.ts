/**
 * @module translate/anthropic-parts: an `anthropic` backend's own stream (or message) → parts.
 *
 * Servers that speak `/v1/messages` natively (LM Studio 0.4, llama.cpp, Ollama, vLLM) are
 * passed through, but re-framed through the same event builder: that validates their grammar,
 * renumbers blocks and repairs tool JSON exactly as for OpenAI backends.
 */
import type { AnthropicErrorType, StopReason } from './anthropic-types.js'
import type { SseItem } from './sse-decode.js'
import {
  decodeParts,
  type PartDecoder,
  type StreamPart,
  type UpstreamUsage,
} from './stream-parts.js'

type Block = { type: string; id?: string; name?: string; json: string; input?: unknown }

const readUsage = (u: unknown): UpstreamUsage | undefined => {
  if (!u || typeof u !== 'object') return undefined
  const o = u as Record<string, unknown>
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined)
  const input = n(o.input_tokens)
  const cacheRead = n(o.cache_read_input_tokens) ?? 0
  const cacheCreate = n(o.cache_creation_input_tokens) ?? 0
  return {
    promptTokens: input !== undefined ? input + cacheRead + cacheCreate : undefined,
    completionTokens: n(o.output_tokens),
    cachedTokens: cacheRead || undefined,
  }
}

/** Translates one Anthropic event stream, synchronously (see {@link PartDecoder}). */
export class AnthropicStreamDecoder implements PartDecoder {
  readonly #blocks = new Map<number, Block>()
  #stopReason: StopReason | undefined
  #stopSequence: string | undefined
  #stopped = false
  /** `ended`: stop reading, the closing parts follow; `failed`: an error part was the last. */
  #state: 'open' | 'ended' | 'failed' = 'open'

  get done(): boolean {
    return this.#state !== 'open'
  }

  push(item: SseItem, out: StreamPart[]): void {
    if (this.#state !== 'open' || item.kind !== 'event') return
    let ev: Record<string, unknown>
    try {
      ev = JSON.parse(item.data) as Record<string, unknown>
    } catch {
      // The body ended inside this event: a cut connection, reported as one at the end.
      if (item.unterminated) {
        this.#state = 'ended'
        return
      }
      out.push({
        type: 'error',
        errorType: 'api_error',
        message: `invalid JSON in an Anthropic event: ${item.data.slice(0, 200)}`,
      })
      this.#state = 'failed'
      return
    }
    const blocks = this.#blocks
    const type = item.event ?? (ev.type as string)
    switch (type) {
      case 'message_start': {
        const usage = readUsage((ev.message as Record<string, unknown> | undefined)?.usage)
        if (usage?.promptTokens)
          out.push({ type: 'usage', usage: { ...usage, completionTokens: undefined } })
        break
      }
      case 'content_block_start': {
        const cb = (ev.content_block ?? {}) as Record<string, unknown>
        const block: Block = { type: String(cb.type), json: '' }
        if (cb.type === 'tool_use') {
          block.id = cb.id as string
          block.name = cb.name as string
          block.input = cb.input
        }
        if (cb.type === 'text' && typeof cb.text === 'string' && cb.text)
          out.push({ type: 'text-delta', text: cb.text })
        blocks.set(ev.index as number, block)
        break
      }
      case 'content_block_delta': {
        const d = (ev.delta ?? {}) as Record<string, unknown>
        const block = blocks.get(ev.index as number)
        if (d.type === 'text_delta' && typeof d.text === 'string')
          out.push({ type: 'text-delta', text: d.text })
        else if (d.type === 'thinking_delta' && typeof d.thinking === 'string')
          out.push({ type: 'reasoning-delta', text: d.thinking })
        else if (d.type === 'input_json_delta' && block && typeof d.partial_json === 'string')
          block.json += d.partial_json
        break
      }
      case 'content_block_stop': {
        const block = blocks.get(ev.index as number)
        if (block?.type === 'tool_use' && block.name) {
          const hasInput =
            block.input && typeof block.input === 'object' && Object.keys(block.input).length > 0
          out.push({
            type: 'tool-call',
            ...(block.id ? { id: block.id } : {}),
            name: block.name,
            arguments: block.json || (hasInput ? JSON.stringify(block.input) : '{}'),
          })
        }
        blocks.delete(ev.index as number)
        break
      }
      case 'message_delta': {
        const d = (ev.delta ?? {}) as Record<string, unknown>
        if (typeof d.stop_reason === 'string') this.#stopReason = d.stop_reason as StopReason
        if (typeof d.stop_sequence === 'string') this.#stopSequence = d.stop_sequence
        const usage = readUsage(ev.usage)
        if (usage) {
          // message_delta may omit input_tokens: keep the message_start count then.
          out.push({
            type: 'usage',
            usage: {
              completionTokens: usage.completionTokens,
              ...(usage.promptTokens ? usage : {}),
            },
          })
        }
        break
      }
      case 'message_stop':
        this.#stopped = true
        break
      case 'error': {
        const err = (ev.error ?? {}) as { type?: AnthropicErrorType; message?: string }
        out.push({
          type: 'error',
          errorType: err.type ?? 'api_error',
          message: err.message ?? 'backend error',
        })
        this.#state = 'failed'
        break
      }
      default:
        break // ping and unknown events
    }
  }

  end(out: StreamPart[]): void {
    if (this.#state === 'failed') return
    this.#state = 'failed' // nothing more, whatever comes
    if (!this.#stopped) {
      out.push({
        type: 'error',
        errorType: 'api_error',
        message: 'the backend stream ended before message_stop',
      })
      return
    }
    out.push({
      type: 'finish',
      finishReason: null,
      ...(this.#stopReason ? { stopReason: this.#stopReason } : {}),
      ...(this.#stopSequence ? { stopSequence: this.#stopSequence } : {}),
    })
  }
}

export const anthropicStreamToParts = (
  events: AsyncIterable<SseItem>,
): AsyncGenerator<StreamPart> => decodeParts(events, new AnthropicStreamDecoder())

/** A non-streaming Anthropic message from the backend → parts. */
export function* anthropicMessageToParts(msg: Record<string, unknown>): Generator<StreamPart> {
  const usage = readUsage(msg.usage)
  if (usage) yield { type: 'usage', usage }
  for (const b of (Array.isArray(msg.content) ? msg.content : []) as Record<string, unknown>[]) {
    if (b.type === 'text' && typeof b.text === 'string') yield { type: 'text-delta', text: b.text }
    else if (b.type === 'thinking' && typeof b.thinking === 'string')
      yield { type: 'reasoning-delta', text: b.thinking }
    else if (b.type === 'tool_use' && typeof b.name === 'string')
      yield {
        type: 'tool-call',
        ...(typeof b.id === 'string' ? { id: b.id } : {}),
        name: b.name,
        arguments: JSON.stringify(b.input ?? {}),
      }
  }
  yield {
    type: 'finish',
    finishReason: null,
    ...(typeof msg.stop_reason === 'string' ? { stopReason: msg.stop_reason as StopReason } : {}),
  }
}
