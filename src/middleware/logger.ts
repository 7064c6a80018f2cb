/**
 * @module middleware/logger: one JSON line per request on stderr, after the response.
 * Fields: id, method, path, backend, route reason, status, ttfb, duration, tokens. Never secrets:
 * no headers and no bodies are logged here.
 */
import type { MiddlewareHandler } from 'hono'
import type { Log } from '../types.js'

/** What the handlers report back to the log line. */
export type RequestStats = {
  backend?: string
  reason?: string
  tried?: string[]
  ttfbMs?: number
  inputTokens?: number
  outputTokens?: number
  cachedTokens?: number
  stopReason?: string
  warnings?: string[]
  /** The failure that ended the request (also after a 200 was sent, as an error event). */
  error?: string
  /** The client went away before the answer was complete. */
  cancelled?: boolean
  /** Resolved when a streamed body has ended (the line is written then). */
  done?: Promise<void>
}

export type LoggerVariables = { stats: RequestStats }

export type LoggerOptions = { log: Log; now?: () => number; level?: 'info' | 'debug' }

/**
 * @param options.log the sink (pino in production)
 * @example app.use(logger({ log: pino() }))
 */
export const logger = (options: LoggerOptions): MiddlewareHandler => {
  const now = options.now ?? Date.now
  const { log } = options
  return async function logger(c, next) {
    const start = now()
    const stats: RequestStats = {}
    c.set('stats', stats)
    await next()
    const write = () => {
      const line = {
        id: c.get('requestId') as string | undefined,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ...stats,
        done: undefined,
        ms: now() - start,
        ...(c.error ? { error: c.error.message } : {}),
      }
      if (stats.warnings?.length === 0) line.warnings = undefined
      if (c.req.method === 'HEAD' || c.req.path === '/health' || c.req.path === '/metrics')
        log.debug(line, 'request')
      else log.info(line, 'request')
    }
    if (stats.done) void stats.done.then(write, write)
    else write()
  }
}
