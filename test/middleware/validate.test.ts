import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { validate } from '../../src/middleware/validate.js'
import { MessagesRequestSchema } from '../../src/schemas/anthropic.js'
import type { AppEnv } from '../../src/types.js'
import { onError, postJson } from '../helpers/middleware.js'

const valid = {
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
}

describe('middleware: validate', () => {
  let app: Hono<AppEnv>
  beforeEach(() => {
    app = new Hono<AppEnv>()
    app.post('/v1/messages', validate({ schema: MessagesRequestSchema }), (c) =>
      c.json({ body: c.var.body }),
    )
    app.onError(onError)
  })

  const error400 = async (res: Response) => {
    expect(res.status).toBe(400)
    const json = await res.json()
    expect(json.type).toBe('error')
    expect(json.error.type).toBe('invalid_request_error')
    return json.error.message as string
  }

  it('hands a valid body to the handler as c.var.body', async () => {
    const res = await app.request('/v1/messages', postJson(valid))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ body: valid })
  })

  it.each([
    ['max_tokens', { ...valid, max_tokens: '100' }, /^max_tokens: /],
    ['model', { ...valid, model: 42 }, /^model: /],
    ['a missing model', { max_tokens: 1, messages: [] }, /^model: /],
    [
      'messages.0.role',
      { ...valid, messages: [{ role: 'bot', content: 'hi' }] },
      /^messages\.0\.role: /,
    ],
    [
      'messages.0.content',
      { ...valid, messages: [{ role: 'user', content: 7 }] },
      /^messages\.0\.content/,
    ],
    ['stream', { ...valid, stream: 'yes' }, /^stream: /],
    ['tools.0.name', { ...valid, tools: [{ name: '', input_schema: {} }] }, /^tools\.0\.name: /],
  ])('answers 400 naming %s when its type is wrong', async (_, body, field) => {
    expect(await error400(await app.request('/v1/messages', postJson(body)))).toMatch(field)
  })

  it('lets unknown fields and unknown block types through, untouched', async () => {
    const body = {
      ...valid,
      context_management: { edits: [] },
      betas_from_the_future: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', extra: 1 }] },
        {
          role: 'assistant',
          content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }],
        },
        { role: 'user', content: [{ type: 'brand_new_block', payload: { a: 1 } }] },
      ],
    }
    const res = await app.request('/v1/messages', postJson(body))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ body })
  })

  it.each([
    ['no content type', undefined],
    ['text/plain', 'text/plain'],
    ['a form post', 'application/x-www-form-urlencoded'],
  ])('answers 400 for %s', async (_, type) => {
    const headers: Record<string, string> = type ? { 'content-type': type } : {}
    const res = await app.request('/v1/messages', {
      method: 'POST',
      headers,
      body: JSON.stringify(valid),
    })
    expect(await error400(res)).toMatch(/content-type must be application\/json/)
  })

  it('accepts application/json with a charset', async () => {
    const res = await app.request(
      '/v1/messages',
      postJson(valid, { 'content-type': 'application/json; charset=utf-8' }),
    )
    expect(res.status).toBe(200)
  })
})
