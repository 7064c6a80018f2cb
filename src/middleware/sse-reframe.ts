/**
 * @module middleware/sse-reframe: contributes the outbound re-framing, stream parts → Anthropic
 * events → SSE frames (pure translate/ code), configured for this request.
 */
import type { MiddlewareHandler } from 'hono'
import type { StreamEvent } from '../translate/anthropic-types.js'
import { AnthropicEventBuilder, type EventBuilderOptions } from '../translate/events.js'
import { encodeEvents } from '../translate/sse-encode.js'

export type Reframer = {
  builder(options: Omit<EventBuilderOptions, 'hideThinking'>): AnthropicEventBuilder
  encode(events: readonly StreamEvent[]): string
}

export type SseReframeVariables = { reframe: Reframer }

export type SseReframeOptions = { hideThinking?: boolean }

/** @example app.post('/v1/messages', ..., sseReframe({ hideThinking: false })) */
export const sseReframe = (options: SseReframeOptions = {}): MiddlewareHandler => {
  const hideThinking = options.hideThinking ?? false
  const reframe: Reframer = {
    builder: (opts) => new AnthropicEventBuilder({ ...opts, hideThinking }),
    encode: encodeEvents,
  }
  return async function sseReframe(c, next) {
    c.set('reframe', reframe)
    await next()
  }
}
