/** @module translate/sse-decode: the one upstream SSE parser (eventsource-parser), bytes in, events out. */
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export type SseItem =
  | {
      kind: 'event'
      event?: string
      data: string
      /** The body ended before this event's blank line: it may be cut off mid-line. */
      unterminated?: boolean
    }
  /** llama.cpp b5966 sends `error: {...}` as a non-standard SSE field with HTTP 200. */
  | { kind: 'error-field'; value: string }

/**
 * Decodes an SSE byte stream. UTF-8 is decoded with `stream: true`, so a character split across
 * chunks survives; CRLF and LF framing both work (eventsource-parser handles them).
 */
export async function* decodeSse(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<SseItem> {
  const queue: SseItem[] = []
  let ending = false
  const parser = createParser({
    onEvent: (e: EventSourceMessage) =>
      queue.push({
        kind: 'event',
        event: e.event,
        data: e.data,
        ...(ending ? { unterminated: true } : {}),
      }),
    onError: (err) => {
      const e = err as { type?: string; field?: string; value?: string }
      if (e.type === 'unknown-field' && e.field === 'error' && e.value !== undefined)
        queue.push({ kind: 'error-field', value: e.value })
    },
  })
  const decoder = new TextDecoder()
  for await (const bytes of body as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(bytes, { stream: true }))
    while (queue.length > 0) yield queue.shift()!
  }
  const rest = decoder.decode()
  if (rest) parser.feed(rest)
  // A last event without its blank line still counts (some servers close right after `data:`).
  // `reset({ consume: true })` does not do it: it parses the unfinished line but never dispatches
  // the event, so a final `data: {...finish_reason...}` was lost and the answer looked cut off.
  // Two line ends finish any pending line and dispatch; after a complete stream they are a no-op.
  ending = true
  parser.feed('\n\n')
  while (queue.length > 0) yield queue.shift()!
}
