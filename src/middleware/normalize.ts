/**
 * @module middleware/normalize: the validated request made cache-stable before translation:
 * billing block out, `role:"system"` messages placed, cache_control dropped (translate/normalize).
 */
import type { MiddlewareHandler } from 'hono'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { normalizeRequest } from '../translate/normalize.js'

export type NormalizeVariables = { request: MessagesRequest; warnings: string[] }

export type NormalizeOptions = { stripBillingHeader?: boolean }

/** @example app.post('/v1/messages', validate(...), normalize({ stripBillingHeader: true })) */
export const normalize = (options: NormalizeOptions = {}): MiddlewareHandler => {
  const stripBillingHeader = options.stripBillingHeader ?? true
  return async function normalize(c, next) {
    const { value, warnings } = normalizeRequest(c.get('body') as MessagesRequest, {
      stripBillingHeader,
    })
    c.set('request', value)
    c.set('warnings', warnings)
    await next()
  }
}
