import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/errors.js'
import { requestId } from '../../src/middleware/request-id.js'
import type { AppEnv } from '../../src/types.js'
import { onError } from '../helpers/middleware.js'

describe('middleware: request-id', () => {
  let app: Hono<AppEnv>
  beforeEach(() => {
    app = new Hono<AppEnv>()
    app.use(requestId())
    app.get('/ok', (c) => c.json({ id: c.var.requestId }))
    app.get('/raw', () => new Response('raw body'))
    app.get('/fail', () => {
      throw new ProxyError(400, 'invalid_request_error', 'bad')
    })
    app.get('/crash', () => {
      throw new Error('boom')
    })
    app.onError(onError)
  })

  it('sets a request-id header like Anthropic’s, the same id the handlers see', async () => {
    const res = await app.request('/ok')
    expect(res.status).toBe(200)
    const id = res.headers.get('request-id')
    expect(id).toMatch(/^req_[0-9a-f]{24}$/)
    expect(await res.json()).toEqual({ id })
  })

  it('gives every request its own id', async () => {
    const ids = await Promise.all(
      Array.from({ length: 50 }, async () => (await app.request('/ok')).headers.get('request-id')),
    )
    expect(new Set(ids).size).toBe(50)
  })

  it('keeps the header on a Response the handler built itself', async () => {
    const res = await app.request('/raw')
    expect(res.headers.get('request-id')).toMatch(/^req_/)
    expect(await res.text()).toBe('raw body')
  })

  it('puts the id on error responses, header and body', async () => {
    for (const path of ['/fail', '/crash']) {
      const res = await app.request(path)
      const id = res.headers.get('request-id')
      expect(id).toMatch(/^req_/)
      expect((await res.json()).request_id).toBe(id)
    }
  })

  it('takes an id generator', async () => {
    const custom = new Hono<AppEnv>()
    let n = 0
    custom.use(requestId({ generate: () => `req_test_${++n}` }))
    custom.get('/', (c) => c.text(c.var.requestId))
    expect((await custom.request('/')).headers.get('request-id')).toBe('req_test_1')
    expect(await (await custom.request('/')).text()).toBe('req_test_2')
  })
})
