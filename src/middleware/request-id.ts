/** @module middleware/request-id: a `request-id` header on every response; the id in logs and errors. */
import type { MiddlewareHandler } from 'hono'

export type RequestIdVariables = { requestId: string }

export type RequestIdOptions = { generate?: () => string }

const defaultGenerate = () => `req_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`

/**
 * @param options.generate id factory (default `req_` + 24 hex characters, like Anthropic's)
 * @example app.use(requestId())
 */
export const requestId = (options: RequestIdOptions = {}): MiddlewareHandler => {
  const generate = options.generate ?? defaultGenerate
  return async function requestId(c, next) {
    const id = generate()
    c.set('requestId', id)
    c.header('request-id', id)
    await next()
    // onError builds a fresh response: make sure it carries the id too.
    if (!c.res.headers.has('request-id')) c.res.headers.set('request-id', id)
  }
}
