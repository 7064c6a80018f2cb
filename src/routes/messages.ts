/**
 * @module routes/messages: `POST /v1/messages`, streaming and not. Picks the candidates (pure
 * router), runs the exchange, and owns the commit point: the status goes out when the first
 * backend answers 2xx or after `pingAfterMs`, whichever comes first.
 */
import type { Context } from 'hono'
import type { BackendRegistry } from '../backends/registry.js'
import { ProxyError, statusOf } from '../errors.js'
import type { RequestStats } from '../middleware/logger.js'
import type { AnthropicMessage, StreamEvent } from '../translate/anthropic-types.js'
import { zeroUsage } from '../translate/anthropic-types.js'
import { MessageFolder, StreamFault } from '../translate/fold.js'
import { imageSize, withoutImageData } from '../translate/image-size.js'
import type { AppEnv } from '../types.js'
import type { UsageCalibrator } from '../usage-calibration.js'
import { type ExchangeInput, runExchange, type Sink } from './exchange.js'
import { route as routeFor } from './route.js'

export type MessagesRouteDeps = { registry: BackendRegistry; calibrator: UsageCalibrator }

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Never let a compression layer buffer the stream.
  'content-encoding': 'identity',
  'x-accel-buffering': 'no',
  // Said up front, @hono/node-server streams at once instead of waiting to size the body.
  'transfer-encoding': 'chunked',
}

const encoder = new TextEncoder()

export const messagesHandler = (deps: MessagesRouteDeps) =>
  async function messages(c: Context<AppEnv>): Promise<Response> {
    // c.get(), not c.var: Hono's c.var copies every variable into a new object on each access.
    const config = c.get('config')
    const { log, now } = c.get('deps')
    const request = c.get('request')
    const plan = c.get('upstream')
    const stats = c.get('stats')
    if (c.get('warnings').length) stats.warnings = [...c.get('warnings')]

    const images = imageSize(request)
    const tokenEstimate = deps.calibrator.estimate('', withoutImageData(c.get('bodyBytes'), images))
    const { candidates, reason, request: route } = routeFor(c, deps.registry, tokenEstimate)
    stats.reason = reason
    const first = candidates[0]

    const messageId = c.get('deps').generateId('msg_')
    const start: AnthropicMessage = {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: zeroUsage(),
    }
    // The exchange stops the moment the client goes away: node-server aborts the request signal
    // on a closed socket (see watchClient), and a cancelled SSE body (streamResponse) aborts this
    // controller too.
    const client = new AbortController()

    const input: ExchangeInput = {
      request,
      plan,
      reframe: c.get('reframe'),
      candidates,
      registry: deps.registry,
      config,
      fetch: c.get('deps').fetch,
      log,
      calibrator: deps.calibrator,
      clientSignal: client.signal,
      generateId: c.get('deps').generateId,
      stats,
      requestId: c.get('requestId'),
      now,
      metrics: c.get('deps').metrics,
      trace: config.debug >= 3 ? c.get('deps').trace : undefined,
      shutdownSignal: c.get('deps').shutdownSignal,
      promptBytes: withoutImageData(c.get('bodyBytes'), images),
      images,
      allocBytes: c.get('deps').allocBytes,
    }
    const affinityKey = route.sessionKey
      ? `${route.sessionKey}|${route.hasTools ? 'tools' : 'chat'}`
      : undefined
    const remember = () => {
      if (affinityKey && stats.backend) deps.registry.setAffinity(affinityKey, stats.backend)
    }

    if (request.stream) return streamResponse(c, input, start, stats, remember, client)

    const folder = new MessageFolder(start)
    const sink: Sink = {
      committed: false,
      commit() {},
      write(events) {
        for (const ev of events) folder.push(ev)
      },
      ping() {},
    }
    let result: Awaited<ReturnType<typeof runExchange>>
    const exchange = runExchange(input, sink)
    const forget = watchClient(c, client)
    try {
      result = await exchange
    } catch (err) {
      if (err instanceof StreamFault)
        throw new ProxyError(statusOf(err.errorType), err.errorType, err.message)
      throw err
    } finally {
      forget()
    }
    if (client.signal.aborted) return clientGone()
    if (!result.ok) {
      // Error answers name the backend too (onError keeps headers set here).
      c.header('x-anyclaude-backend', stats.tried?.at(-1) ?? first?.backend.name ?? '')
      throw result.error
    }
    remember()
    c.header('x-anyclaude-backend', stats.backend ?? first?.backend.name ?? '')
    return c.json(folder.message)
  }

/**
 * Aborts `client` when the request's own signal aborts (node-server: the socket closed). Hooked
 * up once the exchange has started, off the path to the upstream request: the signal and its
 * listener cost ~20 µs. The returned function unhooks it.
 */
function watchClient(c: Context<AppEnv>, client: AbortController): () => void {
  const raw = c.req.raw.signal
  const onClientGone = () => client.abort(raw.reason)
  if (raw.aborted) onClientGone()
  else raw.addEventListener('abort', onClientGone, { once: true })
  return () => raw.removeEventListener('abort', onClientGone)
}

/**
 * Nobody is listening: nginx's 499 "client closed request", so the log line and metrics say what
 * happened instead of a 500 (or a partial message) for a request the client cancelled.
 */
const clientGone = () => new Response(null, { status: 499 })

/** Streams SSE; the status is decided by whichever comes first: a 2xx upstream or pingAfterMs. */
async function streamResponse(
  c: Context<AppEnv>,
  input: ExchangeInput,
  start: AnthropicMessage,
  stats: RequestStats,
  remember: () => void,
  client: AbortController,
): Promise<Response> {
  const config = c.get('config')
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  let resolveCommit!: () => void
  const committedP = new Promise<void>((r) => {
    resolveCommit = r
  })
  const encode = c.get('reframe').encode
  // Frames written in one turn of the event loop (all the events of one upstream read) go out as
  // one chunk: one socket write instead of one per event.
  let pending = ''
  let wroteContent = false
  const flush = () => {
    const s = pending
    pending = ''
    if (closed || s === '') return
    try {
      controller.enqueue(encoder.encode(s))
    } catch {
      closed = true // the client went away
    }
  }
  const defer = c.get('deps').defer ?? ((fn: () => void) => setTimeout(fn, 0))
  const enqueue = (s: string) => {
    if (closed) return
    if (pending === '') defer(flush)
    pending += s
  }
  const sink: Sink = {
    committed: false,
    commit() {
      if (this.committed) return
      ;(this as { committed: boolean }).committed = true
      enqueue(encode([{ type: 'message_start', message: start }]))
      resolveCommit()
    },
    write(events: StreamEvent[]) {
      enqueue(encode(events))
      // The first write of the answer goes out at once (the time to first token); later ones
      // are batched per turn of the event loop.
      if (!wroteContent) {
        wroteContent = true
        flush()
      }
    },
    ping() {
      enqueue(encode([{ type: 'ping' }]))
    },
  }
  // Started first: the upstream request goes out now, and the response plumbing below is built
  // while the backend works (the sink is used only once it answers, asynchronously).
  const exchange = runExchange(input, sink)
  const forget = watchClient(c, client)
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      controller = ctrl
    },
    cancel(reason) {
      // The client stopped reading (in-process, or a runtime that cancels the body instead of
      // aborting the request): stop the backend too.
      closed = true
      client.abort(reason ?? new Error('the client cancelled the stream'))
    },
  })
  let finished!: () => void
  stats.done = new Promise<void>((r) => {
    finished = () => {
      forget()
      r()
    }
  })
  const close = () => {
    flush()
    if (!closed) {
      closed = true
      try {
        controller.close()
      } catch {
        // already closed by a cancel
      }
    }
    finished()
  }

  const run = exchange.then(
    (result) => {
      if (!result.ok && sink.committed) {
        enqueue(
          encode([
            {
              type: 'error',
              error: { type: result.error.errorType, message: result.error.message },
            },
          ]),
        )
      }
      if (result.ok) remember()
      return result
    },
    (err: unknown) => {
      input.log.error({ id: input.requestId, err: String(err) }, 'exchange crashed')
      if (sink.committed)
        enqueue(
          encode([
            { type: 'error', error: { type: 'api_error', message: 'internal error in anyclaude' } },
          ]),
        )
      return { ok: false as const, error: undefined }
    },
  )
  void run
    .finally(() => {
      if (sink.committed) close()
    })
    .catch(() => {}) // reported above; an unhandled rejection would end the process

  let timer: ReturnType<typeof setTimeout> | undefined
  const early = await Promise.race([
    committedP.then(() => 'committed' as const),
    run.then((r) => (sink.committed ? ('committed' as const) : r)),
    new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), config.pingAfterMs)
    }),
  ])
  clearTimeout(timer)
  if (early === 'timeout') sink.commit()
  else if (early !== 'committed') {
    // Failed before the status was sent: a real HTTP error.
    finished()
    if (client.signal.aborted) return clientGone()
    const error = early.ok ? undefined : early.error
    if (!error) throw new Error('exchange ended without an answer')
    c.header('x-anyclaude-backend', stats.tried?.at(-1) ?? input.candidates[0]?.backend.name ?? '')
    throw error
  }
  // Built whole here: touching c.res would make Hono re-wrap the response (slower first byte).
  return new Response(body, {
    status: 200,
    headers: {
      ...SSE_HEADERS,
      'request-id': c.get('requestId'),
      // The backend answering, or the one being tried when the status went out on pingAfterMs.
      'x-anyclaude-backend':
        stats.backend ?? stats.tried?.at(-1) ?? input.candidates[0]?.backend.name ?? '',
    },
  })
}
