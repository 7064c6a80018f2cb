/**
 * @module middleware/host-check: blocks browser cross-site posts and DNS rebinding.
 * A request must carry a `Host` that names the proxy (a loopback name, or the configured host),
 * and a body-carrying request must be `application/json` (a cross-site form post cannot be).
 */
import type { MiddlewareHandler } from 'hono'
import { ProxyError } from '../errors.js'

export type HostCheckOptions = { host: string }

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

const hostName = (hostHeader: string): string => {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1)
  return hostHeader.split(':')[0] ?? ''
}

/** @example app.use(hostCheck({ host: config.host })) */
export const hostCheck = (options: HostCheckOptions): MiddlewareHandler => {
  const allowed = new Set(LOOPBACK)
  allowed.add(options.host)
  const anyHost = options.host === '0.0.0.0' || options.host === '::'
  return async function hostCheck(c, next) {
    const host = c.req.header('host')
    if (host !== undefined && !anyHost && !allowed.has(hostName(host).toLowerCase()))
      throw new ProxyError(403, 'permission_error', `Host "${host}" does not name this proxy`)
    if (
      c.req.method === 'POST' &&
      c.req.header('origin') &&
      c.req.header('sec-fetch-site') === 'cross-site'
    )
      throw new ProxyError(403, 'permission_error', 'cross-site requests are not accepted')
    await next()
  }
}
