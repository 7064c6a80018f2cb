/** @module test/helpers/middleware: what every single-middleware test app shares. */
import type { ErrorHandler } from 'hono'
import { errorBody, toProxyError } from '../../src/errors.js'
import type { AppEnv } from '../../src/types.js'

/** Formats errors exactly as `createApp`'s `onError` does. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const e = toProxyError(err)
  const res = c.json(errorBody(e.errorType, e.message, c.var.requestId), e.status as 400)
  if (e.shouldRetry !== undefined) res.headers.set('x-should-retry', String(e.shouldRetry))
  return res
}

/** A JSON POST (always with its content type: Hono's JSON readers see `{}` without it). */
export const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
