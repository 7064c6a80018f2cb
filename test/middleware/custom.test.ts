/** The README's custom-middleware example: user middlewares run before the routes. */
import type { MiddlewareHandler } from 'hono'
import { describe, expect, it } from 'vitest'
import { post, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'

const tagUser: MiddlewareHandler = async function tagUser(c, next) {
  if (c.req.header('x-team') === 'blocked')
    return c.json(
      { type: 'error', error: { type: 'permission_error', message: 'not allowed' } },
      403,
    )
  await next()
  c.header('x-served-by', 'anyclaude')
}

describe('createApp({ middleware })', () => {
  it('runs user middlewares around the routes', async () => {
    const { app, fetch } = testApp(
      () => ({ chunks: textChunks(['hi']) }),
      {},
      { middleware: [tagUser] },
    )
    const ok = await post(app, simpleRequest({ stream: false }))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-served-by')).toBe('anyclaude')
    const blocked = await app.request('/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: '127.0.0.1:8082', 'x-team': 'blocked' },
      body: JSON.stringify(simpleRequest()),
    })
    expect(blocked.status).toBe(403)
    expect(fetch.calls).toHaveLength(1)
  })
})

describe('a user middleware that reads the body first', () => {
  it('leaves it readable for the validator', async () => {
    let seenModel: unknown
    const peek: MiddlewareHandler = async function peek(c, next) {
      if (c.req.method === 'POST') seenModel = ((await c.req.json()) as { model: string }).model
      await next()
    }
    const { app } = testApp(() => ({ chunks: textChunks(['hi']) }), {}, { middleware: [peek] })
    const res = await post(app, simpleRequest({ stream: false }))
    expect(res.status).toBe(200)
    expect(seenModel).toBe('claude-sonnet-4-5')
  })
})
