/** @module translate/sse-decode: the one upstream SSE parser (eventsource-parser), bytes in, events out. */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'

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

const NONE: readonly SseItem[] = []

/**
 * Decodes an SSE byte stream, synchronously: each chunk of bytes in, the events it completes out.
 * UTF-8 is decoded with `stream: true`, so a character split across chunks survives; CRLF and LF
 * framing both work (eventsource-parser handles them).
 */
export class SseDecoder {
  #queue: SseItem[] = []
  #ending = false
  readonly #decoder = new TextDecoder()
  readonly #parser: EventSourceParser = createParser({
    onEvent: (e: EventSourceMessage) =>
      this.#queue.push(
        this.#ending
          ? { kind: 'event', event: e.event, data: e.data, unterminated: true }
          : { kind: 'event', event: e.event, data: e.data },
      ),
    onError: (err) => {
      const e = err as { type?: string; field?: string; value?: string }
      if (e.type === 'unknown-field' && e.field === 'error' && e.value !== undefined)
        this.#queue.push({ kind: 'error-field', value: e.value })
    },
  })

  /** @returns the events these bytes complete (often none, often one) */
  feed(bytes: Uint8Array): readonly SseItem[] {
    this.#parser.feed(this.#decoder.decode(bytes, { stream: true }))
    return this.#take()
  }

  /** The body ended: the events still pending. */
  end(): readonly SseItem[] {
    const rest = this.#decoder.decode()
    if (rest) this.#parser.feed(rest)
    // A last event without its blank line still counts (some servers close right after `data:`).
    // `reset({ consume: true })` does not do it: it parses the unfinished line but never
    // dispatches the event, so a final `data: {...finish_reason...}` was lost and the answer
    // looked cut off. Two line ends finish any pending line and dispatch; after a complete
    // stream they are a no-op.
    this.#ending = true
    this.#parser.feed('\n\n')
    return this.#take()
  }

  #take(): readonly SseItem[] {
    if (this.#queue.length === 0) return NONE
    const items = this.#queue
    this.#queue = []
    return items
  }
}

/** {@link SseDecoder} over an async byte stream. */
export async function* decodeSse(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<SseItem> {
  const decoder = new SseDecoder()
  for await (const bytes of body as AsyncIterable<Uint8Array>) yield* decoder.feed(bytes)
  yield* decoder.end()
}
