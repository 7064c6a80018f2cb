/**
 * @module routes/upstream: one attempt at one backend: send the request, classify the answer,
 * and decode its body into stream parts.
 */
import type { Candidate } from '../backends/router.js'
import type { Backend } from '../backends/types.js'
import {
  describeConnectError,
  fromUpstreamStatus,
  type ProxyError,
  unreachable,
  withoutSecret,
} from '../errors.js'
import { AnthropicStreamDecoder, anthropicMessageToParts } from '../translate/anthropic-parts.js'
import { openAIResponseToParts } from '../translate/openai-response.js'
import { OpenAIStreamDecoder } from '../translate/openai-stream.js'
import { SseDecoder } from '../translate/sse-decode.js'
import { isContentPart, type PartDecoder, type StreamPart } from '../translate/stream-parts.js'

export type AttemptResult =
  | { ok: true; res: Response }
  /** `failover`: another candidate may succeed (refused, reset, 5xx, busy). */
  | { ok: false; error: ProxyError; failover: boolean; reason: string }

export type AttemptInput = {
  fetch: typeof fetch
  candidate: Candidate
  backend: Backend
  /** The request body, UTF-8 JSON. */
  body: Uint8Array<ArrayBuffer>
  maxTokens?: number
  signal: AbortSignal
}

export async function attempt(input: AttemptInput): Promise<AttemptResult> {
  const { backend, candidate } = input
  const anthropic = backend.kind === 'anthropic'
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
  }
  if (anthropic) headers['anthropic-version'] = '2023-06-01'
  if (backend.apiKey) {
    headers.authorization = `Bearer ${backend.apiKey}`
    if (anthropic) headers['x-api-key'] = backend.apiKey
  }
  const url = `${candidate.url}/${anthropic ? 'messages' : 'chat/completions'}`
  let res: Response
  try {
    res = await input.fetch(url, {
      method: 'POST',
      headers,
      body: input.body,
      signal: input.signal,
    })
  } catch (err) {
    if (input.signal.aborted) throw err
    const reason = describeConnectError(err)
    return {
      ok: false,
      failover: true,
      reason,
      error: unreachable(`${backend.name} at ${candidate.url}: ${reason}`),
    }
  }
  if (res.ok) return { ok: true, res }
  const body = await res.text().catch((err: unknown) => {
    // A cancel while reading the error body is the client's doing, not the backend's fault.
    if (input.signal.aborted) throw err
    return ''
  })
  const text = withoutSecret(body, backend.apiKey)
  const error = fromUpstreamStatus(backend.name, res.status, text, input.maxTokens)
  const failover = error.errorType === 'overloaded_error' || error.errorType === 'api_error'
  return { ok: false, failover, reason: `HTTP ${res.status}`, error }
}

/**
 * Decodes a 2xx answer into parts, whatever it turned out to be: one batch per read of the body.
 * @param onData called with every chunk of bytes read (the watchdog's measure of activity)
 * @param drop drops the connection (aborts the request); used when a body goes on after its
 *   last event for longer than {@link AFTER_END} allows. Without it the body's iterator is
 *   returned instead, which an async generator only honours after its pending read.
 */
export function partsOf(
  res: Response,
  backend: Backend,
  onData?: (bytes: Uint8Array) => void,
  drop?: () => void,
): AsyncIterable<StreamPart[]> {
  const type = res.headers.get('content-type') ?? ''
  if (res.body && (type === '' || type.includes('text/event-stream'))) {
    const decoder =
      backend.kind === 'anthropic' ? new AnthropicStreamDecoder() : new OpenAIStreamDecoder()
    return streamParts(res.body as unknown as AsyncIterable<Uint8Array>, decoder, onData, drop)
  }
  return otherPartsOf(res, backend, type)
}

/**
 * How much a body may still send after its last event (`[DONE]`, `message_stop`) while it is
 * read to its end in the background. Usually that is only the end of the chunked body, often in
 * a later packet. Stopping at the last event instead destroyed the keep-alive connection: on the
 * bench, 188 new connections to the backend for 623 requests, each a TCP handshake and a new
 * socket in both processes.
 */
export const AFTER_END = { ms: 2000, bytes: 64 * 1024 }

/** Reads what is left of a body so the connection can be reused; drops it if that takes too long. */
async function readRest(reads: AsyncIterator<Uint8Array>, drop: () => void): Promise<void> {
  // A timer, not `reads.return()`: an async generator queues a return behind the pending read.
  const timer = setTimeout(drop, AFTER_END.ms)
  let bytes = 0
  try {
    for (let r = await reads.next(); !r.done; r = await reads.next()) {
      bytes += r.value.byteLength
      if (bytes > AFTER_END.bytes) {
        drop()
        break
      }
    }
  } catch {
    // Dropped, or the backend closed the connection: nothing to reuse either way.
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The streaming case (nearly every answer). Bytes → SSE events → parts synchronously within each
 * read: the only async step per chunk is the read itself (three async-generator layers, one per
 * stage, cost ~30 % of the proxy's CPU and most of its allocations per token).
 */
async function* streamParts(
  body: AsyncIterable<Uint8Array>,
  decoder: PartDecoder,
  onData?: (bytes: Uint8Array) => void,
  drop?: () => void,
): AsyncGenerator<StreamPart[]> {
  const sse = new SseDecoder()
  const reads = body[Symbol.asyncIterator]()
  // Until the body has ended, leaving this generator must settle it (see the finally).
  let open = true
  let out: StreamPart[] = []
  // Until the first content, parts go on event by event: the first read often holds a dozen
  // chunks, and the first token should not wait for the rest of them to be decoded.
  let eager = true
  try {
    while (!decoder.done) {
      const read = await reads.next()
      if (read.done) {
        open = false
        break
      }
      onData?.(read.value)
      for (const item of sse.feed(read.value)) {
        decoder.push(item, out)
        if (eager && out.length > 0) {
          if (out.some(isContentPart)) eager = false
          yield out
          out = []
        }
        if (decoder.done) break
      }
      if (out.length > 0) {
        yield out
        out = []
      }
    }
    if (!decoder.done) for (const item of sse.end()) decoder.push(item, out)
    decoder.end(out)
    if (out.length > 0) yield out
  } finally {
    if (open) {
      // A finished answer: the rest of the body is read in the background, so that the connection
      // goes back to the pool. Anything else (a cancel, a fault) closes the body now.
      if (decoder.done) void readRest(reads, drop ?? (() => void reads.return?.()))
      else void reads.return?.()
    }
  }
}

async function* otherPartsOf(
  res: Response,
  backend: Backend,
  type: string,
): AsyncGenerator<StreamPart[]> {
  yield await wholeAnswerParts(res, backend, type)
}

/** A body that is not an event stream: one JSON answer, or an error. */
async function wholeAnswerParts(
  res: Response,
  backend: Backend,
  type: string,
): Promise<StreamPart[]> {
  const anthropic = backend.kind === 'anthropic'
  if (!res.body) {
    return [
      {
        type: 'error',
        errorType: 'api_error',
        message: `${backend.name} sent an empty response`,
      },
    ]
  }
  const text = await res.text()
  if (type.includes('json')) {
    // A server that ignored `stream: true` and answered with one JSON document.
    let json: Record<string, unknown>
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {
      return [
        {
          type: 'error',
          errorType: 'api_error',
          message: `${backend.name} sent invalid JSON: ${text.slice(0, 200)}`,
        },
      ]
    }
    return [...(anthropic ? anthropicMessageToParts(json) : openAIResponseToParts(json))]
  }
  return [
    {
      type: 'error',
      errorType: 'api_error',
      message: `${backend.name} answered with ${type} instead of an event stream: ${text.slice(0, 200)}`,
    },
  ]
}
