/**
 * @module translate/events: {@link StreamPart}s → the Anthropic event grammar.
 *
 * `message_start` is written by the response lifecycle (it may go out before the backend
 * answers); this builder emits the content blocks, then `message_delta` and `message_stop`.
 * Blocks are strictly sequential with indexes 0,1,2...; only one is open at a time.
 */
import type { ContentDelta, StopReason, StreamEvent } from './anthropic-types.js'
import { mapFinishReason } from './stop-reason.js'
import type { StreamPart, UpstreamUsage } from './stream-parts.js'
import { mergeUsage, toAnthropicUsage } from './usage.js'

export type ToolInputResult = { input: Record<string, unknown>; ok: boolean; notes: string[] }

export type EventBuilderOptions = {
  generateToolId: () => string
  /** Turns raw tool arguments into the input object (argument repair against the schema). */
  toolInput?: (name: string, args: string) => ToolInputResult
  hideThinking?: boolean
  /** Prompt tokens to report when the backend reports none (a calibrated estimate). */
  estimateInputTokens?: number
  onWarning?: (message: string) => void
}

type Open = 'text' | 'thinking' | null

export const defaultToolInput = (_name: string, args: string): ToolInputResult => {
  if (args.trim() === '') return { input: {}, ok: true, notes: [] }
  try {
    const v = JSON.parse(args) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v))
      return { input: v as Record<string, unknown>, ok: true, notes: [] }
  } catch {
    // fall through
  }
  return { input: {}, ok: false, notes: ['arguments are not a JSON object'] }
}

export class AnthropicEventBuilder {
  readonly #opts: EventBuilderOptions
  #index = -1
  #open: Open = null
  #pendingWs = ''
  #toolCalls = 0
  #droppedTruncated = false
  #usage: UpstreamUsage | undefined
  #finishReason: string | null = null
  #stopReason: StopReason | undefined
  #stopSequence: string | null = null
  #outputChars = 0
  #failed = false

  constructor(opts: EventBuilderOptions) {
    this.#opts = opts
  }

  /** True once a content block has been started (design.md's commit point for failover). */
  get hasContent(): boolean {
    return this.#index >= 0
  }

  get failed(): boolean {
    return this.#failed
  }

  get toolCalls(): number {
    return this.#toolCalls
  }

  push(part: StreamPart): StreamEvent[] {
    if (this.#failed) return []
    switch (part.type) {
      case 'text-delta':
        return this.#text(part.text)
      case 'reasoning-delta':
        if (this.#opts.hideThinking || part.text === '') return []
        this.#outputChars += part.text.length
        return this.#delta('thinking', { type: 'thinking_delta', thinking: part.text })
      case 'tool-call':
        return this.#toolCall(part)
      case 'usage':
        this.#usage = mergeUsage(this.#usage, part.usage)
        return []
      case 'finish':
        this.#finishReason = part.finishReason
        if (part.stopReason) this.#stopReason = part.stopReason
        if (part.stopSequence) this.#stopSequence = part.stopSequence
        return []
      case 'error':
        this.#failed = true
        return [{ type: 'error', error: { type: part.errorType, message: part.message } }]
      case 'warning':
        this.#opts.onWarning?.(part.message)
        return []
      default: {
        const _exhaustive: never = part
        return _exhaustive
      }
    }
  }

  /** Closes the open block and ends the message (nothing after an error). */
  end(): StreamEvent[] {
    if (this.#failed) return []
    const out = this.#close()
    let stop: StopReason
    // A matched stop string does not hide tool calls the answer made (the rescue may find them).
    if (this.#stopReason && !(this.#stopReason === 'stop_sequence' && this.#toolCalls > 0))
      stop = this.#stopReason
    else if (this.#droppedTruncated) stop = 'max_tokens'
    else stop = mapFinishReason(this.#finishReason, this.#toolCalls)
    const usage = toAnthropicUsage(this.#usage, {
      inputTokens: this.#opts.estimateInputTokens ?? 0,
      outputTokens: Math.ceil(this.#outputChars / 3.5),
    })
    out.push(
      {
        type: 'message_delta',
        delta: {
          stop_reason: stop,
          stop_sequence: stop === 'stop_sequence' ? this.#stopSequence : null,
        },
        usage,
      },
      { type: 'message_stop' },
    )
    return out
  }

  /** The usage reported so far (for logs and metrics). */
  get usage(): UpstreamUsage | undefined {
    return this.#usage
  }

  #text(text: string): StreamEvent[] {
    if (text === '') return []
    this.#outputChars += text.length
    if (this.#open !== 'text') {
      // Whitespace-only text (the "\n\n" before a tool call) would become "(no content)" in
      // Claude Code's history: hold it until real text arrives (protocol.md §3.4 rule 9).
      if (text.trim() === '') {
        this.#pendingWs += text
        return []
      }
      text = this.#pendingWs + text
      this.#pendingWs = ''
    }
    return this.#delta('text', { type: 'text_delta', text })
  }

  #delta(kind: 'text' | 'thinking', delta: ContentDelta): StreamEvent[] {
    const out: StreamEvent[] = []
    if (this.#open !== kind) {
      out.push(...this.#close())
      this.#index++
      this.#open = kind
      out.push({
        type: 'content_block_start',
        index: this.#index,
        content_block:
          kind === 'text'
            ? { type: 'text', text: '' }
            : { type: 'thinking', thinking: '', signature: '' },
      })
    }
    out.push({ type: 'content_block_delta', index: this.#index, delta })
    return out
  }

  #toolCall(part: Extract<StreamPart, { type: 'tool-call' }>): StreamEvent[] {
    const result = (this.#opts.toolInput ?? defaultToolInput)(part.name, part.arguments)
    if (part.truncated && !result.ok) {
      // Cut off by max_tokens: an invalid tool_use would run with broken input. Drop it and
      // let stop_reason say max_tokens.
      this.#droppedTruncated = true
      this.#opts.onWarning?.(`dropped tool call ${part.name} cut off by the token limit`)
      return []
    }
    if (!result.ok || result.notes.length > 0)
      this.#opts.onWarning?.(
        `tool call ${part.name}: ${result.notes.join('; ') || 'arguments repaired'}`,
      )
    this.#outputChars += part.arguments.length
    const out = this.#close()
    this.#pendingWs = ''
    this.#index++
    this.#toolCalls++
    const index = this.#index
    out.push(
      {
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: part.id || this.#opts.generateToolId(),
          name: part.name,
          input: {},
        },
      },
      {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(result.input) },
      },
      { type: 'content_block_stop', index },
    )
    return out
  }

  #close(): StreamEvent[] {
    if (this.#open === null) return []
    this.#open = null
    return [{ type: 'content_block_stop', index: this.#index }]
  }
}
