/** @module translate/sse-encode: Anthropic events → SSE frames (`event:` line required by the SDK). */
import type { StreamEvent } from './anthropic-types.js'

export const encodeEvent = (ev: StreamEvent): string =>
  `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`

export const encodeEvents = (evs: readonly StreamEvent[]): string => {
  let s = ''
  for (const ev of evs) s += encodeEvent(ev)
  return s
}
