/**
 * @module upstream-fetch: the upstream `fetch` on the Node side, built on `undici.request`.
 *
 * Measured (bench/micro.mjs): undici's `fetch` with a 150 KB string body costs ~2 ms of CPU per
 * call (it re-checks, copies and re-encodes the body, then pipes it through Web streams);
 * `undici.request` costs ~0.5 ms. The answer is a minimal Response: status, headers, `text()`,
 * `json()`, and a `body` that is an async iterable of bytes (all the app reads), not a Web stream.
 * An Agent with timeouts longer than anyclaude's own watchdog: Node's built-in fetch gives up after
 * 300 s without headers, and a local prefill can take longer.
 */
import type { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import type { Config } from './config.js'

type Init = { method?: string; headers?: HeadersInit; body?: unknown; signal?: AbortSignal | null }

/** undici's response body: a Node Readable with the body mixin. */
type UndiciBody = Readable & {
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

/** The subset of Response the app uses, over undici's body. */
class UpstreamResponse {
  readonly status: number
  readonly statusText = ''
  readonly headers: Headers
  readonly #body: UndiciBody

  constructor(status: number, headers: Headers, body: UndiciBody) {
    this.status = status
    this.headers = headers
    this.#body = body
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  /**
   * The undici body itself: async-iterable bytes, typed as a Web stream for the Response shape.
   * It has no `getReader()`; the one caller that needs a Web stream (the trace tee) converts it.
   */
  get body(): ReadableStream<Uint8Array> {
    return this.#body as unknown as ReadableStream<Uint8Array>
  }

  text(): Promise<string> {
    return this.#body.text()
  }

  json(): Promise<unknown> {
    return this.#body.json()
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.arrayBuffer()
  }
}

/**
 * A body undici lets go of once written. Given bytes, undici keeps them on its request object
 * until the answer ends: a 75 KB prompt held through a whole stream, for every request in flight,
 * outlives two young-generation collections and is only freed by a full one (heap snapshots at
 * c=64: one prompt per stream). Given an iterable, it drops each chunk once written.
 */
class OnceBody implements Iterable<Uint8Array> {
  #bytes: Uint8Array | undefined

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    const bytes = this.#bytes
    this.#bytes = undefined
    if (bytes) yield bytes
  }
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers()
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) h.append(k, x)
    else h.set(k, v)
  }
  return h
}

export function createUpstreamFetch(config: Config): typeof fetch {
  const dispatcher = new Agent({
    headersTimeout: config.firstTokenTimeoutMs + 60_000,
    bodyTimeout: Math.max(config.idleTimeoutMs, config.firstTokenTimeoutMs) + 60_000,
    connectTimeout: 10_000,
    keepAliveTimeout: 30_000,
  })
  const upstream = async (input: RequestInfo | URL, init: Init = {}): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const headers: Record<string, string> = init.headers
      ? Object.fromEntries(new Headers(init.headers))
      : {}
    const bytes = typeof init.body === 'string' ? Buffer.from(init.body) : init.body
    let body = bytes as Uint8Array | undefined
    if (bytes instanceof Uint8Array) {
      headers['content-length'] = String(bytes.byteLength)
      // undici takes iterables (its types do not say so).
      body = new OnceBody(bytes) as unknown as Uint8Array
    }
    const res = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers,
      body,
      signal: init.signal ?? undefined,
      dispatcher,
    })
    return new UpstreamResponse(
      res.statusCode,
      toHeaders(res.headers),
      res.body as unknown as UndiciBody,
    ) as unknown as Response
  }
  // `close()` lets the server end the connection pool on shutdown.
  return Object.assign(upstream as typeof fetch, { close: () => dispatcher.close() })
}
