/**
 * @module middleware/normalize: the validated request made cache-stable before translation:
 * billing block out, `role:"system"` messages placed, cache_control dropped (translate/normalize).
 */
import type { MiddlewareHandler } from 'hono'
import { Interner } from '../intern.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { normalizeRequest } from '../translate/normalize.js'

export type NormalizeVariables = { request: MessagesRequest; warnings: string[] }

export type NormalizeOptions = { stripBillingHeader?: boolean }

/** @example app.post('/v1/messages', validate(...), normalize({ stripBillingHeader: true })) */
export const normalize = (options: NormalizeOptions = {}): MiddlewareHandler => {
  const stripBillingHeader = options.stripBillingHeader ?? true
  // One per app: tools and system prompt shared across requests (see intern.ts).
  const interner = new Interner()
  // Computed outside the middleware's frame: its locals live until `next()` returns, and the
  // request's own copies of tools and system prompt must die young (see intern.ts).
  const prepare = (body: MessagesRequest) => {
    const { value, warnings } = normalizeRequest(body, { stripBillingHeader })
    return { request: interner.request(value), warnings }
  }
  return async function normalize(c, next) {
    const { request, warnings } = prepare(c.get('body') as MessagesRequest)
    c.set('request', request)
    // The validated body is not needed past this point: do not keep a second tree alive.
    c.set('body', undefined)
    c.set('warnings', warnings)
    await next()
  }
}
