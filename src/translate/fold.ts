/**
 * @module translate/fold: Anthropic events → one message (the non-streaming response).
 * The same events the stream carries, folded as the SDK's accumulator does: one translation.
 */
import type {
  AnthropicErrorType,
  AnthropicMessage,
  ContentBlock,
  StreamEvent,
} from './anthropic-types.js'

/** An `error` event met while folding (the route turns it into an HTTP error). */
export class StreamFault extends Error {
  override name = 'StreamFault'
  readonly errorType: AnthropicErrorType

  constructor(errorType: AnthropicErrorType, message: string) {
    super(message)
    this.errorType = errorType
  }
}

export class MessageFolder {
  readonly message: AnthropicMessage
  #json = new Map<number, string>()

  constructor(start: AnthropicMessage) {
    this.message = { ...start, content: [] }
  }

  push(ev: StreamEvent): void {
    const content = this.message.content
    switch (ev.type) {
      case 'content_block_start':
        content[ev.index] = structuredClone(ev.content_block) as ContentBlock
        break
      case 'content_block_delta': {
        const block = content[ev.index]
        if (!block) break
        const d = ev.delta
        if (d.type === 'text_delta' && block.type === 'text') block.text += d.text
        else if (d.type === 'thinking_delta' && block.type === 'thinking')
          block.thinking += d.thinking
        else if (d.type === 'signature_delta' && block.type === 'thinking')
          block.signature = d.signature
        else if (d.type === 'input_json_delta')
          this.#json.set(ev.index, (this.#json.get(ev.index) ?? '') + d.partial_json)
        break
      }
      case 'content_block_stop': {
        const block = content[ev.index]
        const json = this.#json.get(ev.index)
        if (block?.type === 'tool_use' && json !== undefined)
          block.input = json === '' ? {} : (JSON.parse(json) as Record<string, unknown>)
        break
      }
      case 'message_delta':
        this.message.stop_reason = ev.delta.stop_reason
        this.message.stop_sequence = ev.delta.stop_sequence
        this.message.usage = ev.usage
        break
      case 'error':
        throw new StreamFault(ev.error.type, ev.error.message)
      case 'message_start':
      case 'message_stop':
      case 'ping':
        break
      default: {
        const _exhaustive: never = ev
        void _exhaustive
      }
    }
  }
}
