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
 */
export function partsOf(
  res: Response,
  backend: Backend,
  onData?: (bytes: Uint8Array) => void,
): AsyncIterable<StreamPart[]> {
  const type = res.headers.get('content-type') ?? ''
  if (res.body && (type === '' || type.includes('text/event-stream'))) {
    const decoder =
      backend.kind === 'anthropic' ? new AnthropicStreamDecoder() : new OpenAIStreamDecoder()
    return streamParts(res.body as unknown as AsyncIterable<Uint8Array>, decoder, onData)
  }
  return otherPartsOf(res, backend, type)
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
): AsyncGenerator<StreamPart[]> {
  const sse = new SseDecoder()
  let out: StreamPart[] = []
  // Until the first content, parts go on event by event: the first read often holds a dozen
  // chunks, and the first token should not wait for the rest of them to be decoded.
  let eager = true
  for await (const bytes of body) {
    onData?.(bytes)
    for (const item of sse.feed(bytes)) {
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
    if (decoder.done) break
  }
  if (!decoder.done) for (const item of sse.end()) decoder.push(item, out)
  decoder.end(out)
  if (out.length > 0) yield out
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
