/** @module translate/sse-encode: Anthropic events → SSE frames (`event:` line required by the SDK). */
import type { StreamEvent } from './anthropic-types.js'

/**
 * One frame. The three deltas that make up nearly every frame of an answer are written by hand
 * (0.09 µs instead of 0.52 µs each, bench/micro.mjs), byte for byte what `JSON.stringify` gives.
 */
export const encodeEvent = (ev: StreamEvent): string => {
  if (ev.type === 'content_block_delta') {
    const d = ev.delta
    const head = `event: content_block_delta\ndata: {"type":"content_block_delta","index":${ev.index},"delta":{"type":"${d.type}",`
    switch (d.type) {
      case 'text_delta':
        return `${head}"text":${JSON.stringify(d.text)}}}\n\n`
      case 'thinking_delta':
        return `${head}"thinking":${JSON.stringify(d.thinking)}}}\n\n`
      case 'input_json_delta':
        return `${head}"partial_json":${JSON.stringify(d.partial_json)}}}\n\n`
      default:
        break
    }
  }
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`
}

export const encodeEvents = (evs: readonly StreamEvent[]): string => {
  let s = ''
  for (const ev of evs) s += encodeEvent(ev)
  return s
}
