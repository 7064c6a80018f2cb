import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { auth } from '../../src/middleware/auth.js'
import type { AppEnv } from '../../src/types.js'
import { onError, postJson } from '../helpers/middleware.js'

const KEY = 'sk-proxy-0123456789'

function build(apiKey?: string) {
  const app = new Hono<AppEnv>()
  app.use('/v1/*', auth({ apiKey }))
  app.post('/v1/messages', (c) => c.json({ ok: true }))
  app.onError(onError)
  return app
}

describe('middleware: auth', () => {
  describe('without a configured key', () => {
    let app: Hono<AppEnv>
    beforeEach(() => {
      app = build()
    })

    it('accepts any key, or none (Claude Code always sends a placeholder)', async () => {
      const variants: Record<string, string>[] = [
        {},
        { 'x-api-key': 'anything' },
        { authorization: 'Bearer whatever' },
      ]
      for (const headers of variants) {
        const res = await app.request('/v1/messages', postJson({}, headers))
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ ok: true })
      }
    })
  })

  describe('with a configured key', () => {
    let app: Hono<AppEnv>
    beforeEach(() => {
      app = build(KEY)
    })

    it.each([
      ['missing', {}],
      ['wrong', { 'x-api-key': 'sk-wrong' }],
      ['a prefix of the key', { 'x-api-key': KEY.slice(0, -1) }],
      ['longer than the key', { 'x-api-key': `${KEY}0` }],
      ['wrong Bearer', { authorization: 'Bearer sk-wrong' }],
      ['empty', { 'x-api-key': '' }],
    ])('rejects a %s key with 401 authentication_error', async (_, headers) => {
      const res = await app.request('/v1/messages', postJson({}, headers))
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({
        type: 'error',
        // Claude Code looks for this literal text.
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      })
    })

    it.each([
      ['x-api-key', { 'x-api-key': KEY }],
      ['Authorization: Bearer', { authorization: `Bearer ${KEY}` }],
      ['a lower-case bearer scheme', { authorization: `bearer ${KEY}` }],
    ])('accepts the key via %s', async (_, headers) => {
      const res = await app.request('/v1/messages', postJson({}, headers))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true })
    })
  })
})
