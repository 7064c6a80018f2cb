/**
 * @module middleware/auth: the proxy key check. Without a configured key any key (or none) is
 * accepted: it is a local proxy and Claude Code always sends a placeholder.
 */
import type { MiddlewareHandler } from 'hono'
import { ProxyError } from '../errors.js'

export type AuthOptions = { apiKey?: string }

/** Constant-time comparison, so a key cannot be guessed byte by byte from timings. */
const sameKey = (a: string, b: string): boolean => {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return diff === 0
}

/** @example app.use('/v1/*', auth({ apiKey: config.apiKey })) */
export const auth = (options: AuthOptions = {}): MiddlewareHandler => {
  const expected = options.apiKey
  return async function auth(c, next) {
    if (expected) {
      const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '')
      const key = c.req.header('x-api-key') ?? bearer
      // Claude Code's key check looks for the literal "invalid x-api-key".
      if (!key || !sameKey(key, expected))
        throw new ProxyError(401, 'authentication_error', 'invalid x-api-key')
    }
    await next()
  }
}
