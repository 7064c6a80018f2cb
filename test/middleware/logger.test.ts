import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/errors.js'
import { logger } from '../../src/middleware/logger.js'
import { requestId } from '../../src/middleware/request-id.js'
import type { AppEnv } from '../../src/types.js'
import { collectingLog } from '../helpers/app.js'
import { onError, postJson } from '../helpers/middleware.js'

describe('middleware: logger', () => {
  let app: Hono<AppEnv>
  let log: ReturnType<typeof collectingLog>
  let clock: number
  let finishStream: () => void

  beforeEach(() => {
    log = collectingLog()
    clock = 1000
    app = new Hono<AppEnv>()
    app.use(requestId({ generate: () => 'req_1' }))
    app.use(logger({ log, now: () => clock }))
    app.post('/v1/messages', (c) => {
      clock += 42
      Object.assign(c.var.stats, { backend: 'mlx-lm', ttfbMs: 7, outputTokens: 3, warnings: [] })
      return c.json({ ok: true })
    })
    app.post('/v1/stream', (c) => {
      let close!: () => void
      const body = new ReadableStream<Uint8Array>({
        start(ctrl) {
          close = () => ctrl.close()
        },
      })
      c.var.stats.done = new Promise<void>((resolve) => {
        finishStream = () => {
          clock += 500
          close()
          resolve()
        }
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    })
    app.post('/v1/denied', () => {
      throw new ProxyError(401, 'authentication_error', 'invalid x-api-key')
    })
    app.get('/health', (c) => c.json({ ok: true }))
    app.onError(onError)
  })

  it('writes one line per request: id, method, path, status, ms and the handler’s stats', async () => {
    const res = await app.request('/v1/messages', postJson({}))
    expect(res.status).toBe(200)
    expect(log.lines).toHaveLength(1)
    const [line] = log.lines
    expect(line).toMatchObject({ level: 'info', msg: 'request' })
    expect(line!.obj).toMatchObject({
      id: 'req_1',
      method: 'POST',
      path: '/v1/messages',
      status: 200,
      ms: 42,
      backend: 'mlx-lm',
      ttfbMs: 7,
      outputTokens: 3,
    })
    // Empty warnings and the internal `done` promise stay out of the line.
    expect(line!.obj.warnings).toBeUndefined()
    expect(line!.obj.done).toBeUndefined()
  })

  it('never logs headers or bodies', async () => {
    await app.request(
      '/v1/messages',
      postJson(
        { secret: 'body-secret' },
        { 'x-api-key': 'sk-secret-key', authorization: 'Bearer sk-secret-bearer' },
      ),
    )
    const text = JSON.stringify(log.lines)
    expect(text).not.toContain('sk-secret')
    expect(text).not.toContain('body-secret')
    expect(text).not.toMatch(/x-api-key|authorization/i)
  })

  it('waits for a streamed body to end (stats.done) before writing the line', async () => {
    const res = await app.request('/v1/stream', postJson({}))
    expect(res.status).toBe(200)
    expect(log.lines).toHaveLength(0)
    finishStream()
    await res.text()
    await new Promise((r) => setTimeout(r, 0))
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]!.obj).toMatchObject({ path: '/v1/stream', status: 200, ms: 500 })
  })

  it('logs errors with the status onError chose and the error message', async () => {
    const res = await app.request('/v1/denied', postJson({}))
    expect(res.status).toBe(401)
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]!.obj).toMatchObject({ status: 401, error: 'invalid x-api-key' })
  })

  it('logs health checks at debug level only', async () => {
    await app.request('/health')
    await app.request('/health', { method: 'HEAD' })
    expect(log.lines.map((l) => l.level)).toEqual(['debug', 'debug'])
  })
})
