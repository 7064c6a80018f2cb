/**
 * @module trace: `--debug 3` trace files, one JSONL file per `/v1/messages` exchange, for bug
 * reports. Four kinds of lines, in the order they happen:
 * `anthropic-request` (what Claude Code sent), `upstream-request` (what went to the backend,
 * emitted by the exchange), `upstream-stream` (the backend's raw answer) and `anthropic-stream`
 * (what Claude Code got). Keys are redacted before anything is written.
 *
 * Node side only: the two emission points the core does not have are a middleware (passed as
 * `deps.middleware`) and a wrapper around the upstream `fetch`; an AsyncLocalStorage carries the
 * request id from one to the other.
 */

import { AsyncLocalStorage } from 'node:async_hooks'
import { appendFileSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { MiddlewareHandler } from 'hono'
import type { Config } from './config.js'
import type { AppDeps, AppEnv, TraceRecord } from './types.js'

/** One line of a trace file. */
export type TraceLine = TraceRecord & { ts: string }

export type TraceKind =
  | 'anthropic-request'
  | 'upstream-request'
  | 'upstream-stream'
  | 'anthropic-stream'

/** Field names whose values never reach a trace file (compared lower-case, `-`/`_` ignored). */
const SECRET_KEYS = new Set([
  'authorization',
  'xapikey',
  'apikey',
  'proxyauthorization',
  'cookie',
  'setcookie',
])
const isSecretKey = (key: string): boolean =>
  SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''))

/**
 * A deep copy with every secret-looking field replaced by `"[redacted]"`.
 * @example redact({ headers: { 'x-api-key': 'sk-1' } }) // { headers: { 'x-api-key': '[redacted]' } }
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? '[redacted]' : redact(v)
  return out
}

/** Replaces every occurrence of the given values (and their JSON-escaped forms) by `[redacted]`. */
export function secretScrubber(secrets: readonly string[]): (text: string) => string {
  const values = [...new Set(secrets.filter((v) => v.length >= 4))]
  const forms = [...new Set(values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))]
  if (forms.length === 0) return (text) => text
  return (text) => {
    let out = text
    for (const f of forms) if (out.includes(f)) out = out.split(f).join('[redacted]')
    return out
  }
}

/** The trace folder: `traceDir` from the config, else `~/.anyclaude/traces`. */
export const traceDirOf = (config: Pick<Config, 'traceDir'>, home: string = homedir()): string =>
  config.traceDir ?? join(home, '.anyclaude', 'traces')

const safeName = (id: string): string => id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80)

/** `20261126-143814-119`: sorts like time, so a folder listing is the order of the requests. */
const stamp = (d: Date): string =>
  d.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace(/Z$/, '')

export type TraceWriter = {
  dir: string
  /** The sink for `AppDeps.trace`. */
  trace: (record: TraceRecord) => void
  /** The file of a request id, once something was written for it. */
  fileOf(requestId: string): string | undefined
}

/**
 * Writes one file per request id: `<dir>/<time>-<requestId>.jsonl`. Writes are synchronous (debug
 * only), so the lines of a file keep their order. A write that fails is reported once, never thrown.
 */
export function createTraceWriter(
  dir: string,
  onError: (message: string) => void = () => {},
  now = () => new Date(),
  secrets: readonly string[] = [],
): TraceWriter {
  // Configured key values are also scrubbed wherever they appear (a backend may echo its key in
  // an error body, which reaches the trace as raw stream bytes under no secret-looking field).
  const scrub = secretScrubber(secrets)
  const files = new Map<string, string>()
  let made = false
  let failed = false
  return {
    dir,
    fileOf: (id) => files.get(id),
    trace(record) {
      try {
        if (!made) {
          mkdirSync(dir, { recursive: true })
          made = true
        }
        const at = now()
        let file = files.get(record.requestId)
        if (!file) {
          file = join(dir, `${stamp(at)}-${safeName(record.requestId)}.jsonl`)
          files.set(record.requestId, file)
          // Old ids are never needed again once their exchange is over; keep the map small.
          if (files.size > 1000) files.delete(files.keys().next().value as string)
        }
        const line: TraceLine = { ts: at.toISOString(), ...record, data: redact(record.data) }
        appendFileSync(file, `${scrub(JSON.stringify(line))}\n`)
      } catch (err) {
        if (!failed) onError(`cannot write trace files in ${dir}: ${(err as Error).message}`)
        failed = true
      }
    },
  }
}

/** An SSE text whose last event is `data: [DONE]`, blank line included. */
const ENDS_AT_DONE = /(?:^|\n)data: ?\[DONE\](?:\r?\n){2}$/

/**
 * A copy of `res` whose body is also collected as text; `done` receives it once the body ends, is
 * cancelled or fails (`complete: false` then, unless it had reached an OpenAI `[DONE]`). The original body is read only as fast as the copy.
 */
export function teeResponse(
  res: Response,
  done: (text: string, complete: boolean) => void,
): Response {
  const source = res.body
  if (!source) {
    done('', true)
    return res
  }
  // The Node upstream's body is async-iterable bytes, not a Web stream (upstream-fetch.ts).
  const reader =
    typeof (source as { getReader?: unknown }).getReader === 'function'
      ? source.getReader()
      : (Readable.toWeb(source as unknown as Readable) as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let text = ''
  let reported = false
  const report = (complete: boolean) => {
    if (reported) return
    reported = true
    text += decoder.decode()
    done(text, complete)
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read()
        if (end) {
          report(true)
          controller.close()
          return
        }
        text += decoder.decode(value, { stream: true })
        controller.enqueue(value)
      } catch (err) {
        report(false)
        controller.error(err)
      }
    },
    async cancel(reason) {
      // Cancelled after an OpenAI `[DONE]` (the body went on too long after it, see AFTER_END
      // in routes/upstream.ts): that answer was complete.
      report(ENDS_AT_DONE.test(text))
      await reader.cancel(reason).catch(() => {})
    },
  })
  // Statuses that may not carry a body (204, 205, 304) would make the Response constructor throw.
  const nullBody = res.status === 204 || res.status === 205 || res.status === 304
  return new Response(nullBody ? null : body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  })
}

const HEADERS_KEPT_OUT = new Set(['host', 'content-length', 'connection', 'accept-encoding'])

const headersOf = (headers: Headers): Record<string, string> =>
  Object.fromEntries([...headers].filter(([k]) => !HEADERS_KEPT_OUT.has(k)))

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The request id of the exchange running in this async context (set by {@link traceMiddleware},
 * read by {@link tracingFetch}).
 */
export type TraceContext = AsyncLocalStorage<string>

/**
 * Records the Anthropic request as it arrived and the answer as it left (`anthropic-request`,
 * `anthropic-stream`), for `POST /v1/messages`.
 * @example createApp(config, { ...deps, middleware: [traceMiddleware(writer.trace, context)] })
 */
export const traceMiddleware = (
  trace: (record: TraceRecord) => void,
  context: TraceContext = new AsyncLocalStorage(),
): MiddlewareHandler<AppEnv> =>
  async function traceExchange(c, next) {
    if (c.req.method !== 'POST' || c.req.path !== '/v1/messages') return next()
    const requestId = c.get('requestId')
    // Cached by Hono: the validate middleware reads the same bytes afterwards.
    const raw = new TextDecoder().decode(await c.req.arrayBuffer())
    trace({
      requestId,
      kind: 'anthropic-request',
      data: {
        method: c.req.method,
        path: c.req.path,
        headers: headersOf(c.req.raw.headers),
        body: parseJson(raw),
      },
    })
    await context.run(requestId, next)
    const res = c.res
    const meta = {
      status: res.status,
      headers: {
        'content-type': res.headers.get('content-type') ?? '',
        'x-anyclaude-backend': res.headers.get('x-anyclaude-backend') ?? '',
      },
    }
    c.res = teeResponse(res, (text, complete) =>
      trace({ requestId, kind: 'anthropic-stream', data: { ...meta, complete, body: text } }),
    )
  }

/**
 * The upstream `fetch`, recording each backend's raw answer as `upstream-stream` (the request
 * itself is traced by the exchange as `upstream-request`). Calls outside an exchange (probes) pass
 * through untouched.
 */
export function tracingFetch(
  inner: typeof fetch,
  trace: (record: TraceRecord) => void,
  context: TraceContext,
): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const requestId = context.getStore()
    const res = await inner(input, init)
    if (requestId === undefined) return res
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const meta = {
      url,
      status: res.status,
      headers: { 'content-type': res.headers.get('content-type') ?? '' },
    }
    return teeResponse(res, (text, complete) =>
      trace({ requestId, kind: 'upstream-stream', data: { ...meta, complete, body: text } }),
    )
  }) as typeof fetch
}

/**
 * What `startServer` needs for `--debug 3`: the trace sink, the middleware and the wrapped
 * upstream fetch (for the app only; probes keep the plain one).
 * @param upstream the real upstream fetch (`createUpstreamFetch(config)`)
 * @example
 * const upstream = createUpstreamFetch(config)
 * const t = traceDeps(config, upstream)
 * await startServer(config, { fetch: upstream, deps: t.deps })
 */
export function traceDeps(
  config: Config,
  upstream: typeof fetch,
  onError?: (message: string) => void,
): { dir: string; writer: TraceWriter; deps: Pick<AppDeps, 'trace' | 'middleware' | 'fetch'> } {
  const secrets = [config.apiKey, ...config.backends.map((b) => b.apiKey)].filter(
    (k): k is string => typeof k === 'string',
  )
  const writer = createTraceWriter(traceDirOf(config), onError, undefined, secrets)
  const context: TraceContext = new AsyncLocalStorage()
  return {
    dir: writer.dir,
    writer,
    deps: {
      trace: writer.trace,
      middleware: [traceMiddleware(writer.trace, context)],
      fetch: tracingFetch(upstream, writer.trace, context),
    },
  }
}
