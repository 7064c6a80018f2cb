/**
 * Bad input: whatever arrives, the client gets a 4xx in the Anthropic envelope naming what is
 * wrong, never a 500 and never a crash. Tolerable oddities are repaired and logged instead.
 */
import { describe, expect, it } from 'vitest'
import { anthropicHeaders, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { expectEnvelope, send, textOf } from './helpers.js'

const LIMIT = 64 * 1024

function setup() {
  return testApp(() => ({ chunks: textChunks(['fine']) }), { bodyLimit: LIMIT })
}

type App = ReturnType<typeof setup>['app']

async function raw(
  app: App,
  body: BodyInit | null,
  headers: Record<string, string> = {},
  path = '/v1/messages',
  init: RequestInit = {},
) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { ...anthropicHeaders, ...headers },
    body,
    ...init,
  })
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) as unknown }
}

/** A 4xx with the envelope; returns the error for further checks. */
async function rejected(
  app: App,
  body: BodyInit | null,
  headers: Record<string, string> = {},
  path = '/v1/messages',
  init: RequestInit = {},
) {
  const r = await raw(app, body, headers, path, init)
  expect(r.status, r.text).toBeGreaterThanOrEqual(400)
  expect(r.status, r.text).toBeLessThan(500)
  return { status: r.status, ...expectEnvelope(r.json()) }
}

const json = (o: unknown) => JSON.stringify(o)

describe('bad input → a 4xx envelope naming the problem', () => {
  const cases: {
    name: string
    body: () => BodyInit
    headers?: Record<string, string>
    status: number
    type: string
    says: RegExp
  }[] = [
    {
      name: 'malformed JSON',
      body: () => '{"model": "m", "max_tokens": ',
      status: 400,
      type: 'invalid_request_error',
      says: /malformed JSON/,
    },
    {
      name: 'an empty body',
      body: () => '',
      status: 400,
      type: 'invalid_request_error',
      says: /malformed JSON/,
    },
    {
      name: 'JSON that is not an object',
      body: () => '[1,2,3]',
      status: 400,
      type: 'invalid_request_error',
      says: /^body: .*expected object/,
    },
    {
      name: 'JSON null',
      body: () => 'null',
      status: 400,
      type: 'invalid_request_error',
      says: /^body: /,
    },
    {
      name: 'a text/plain content type',
      body: () => json(simpleRequest()),
      headers: { 'content-type': 'text/plain' },
      status: 400,
      type: 'invalid_request_error',
      says: /content-type must be application\/json.*text\/plain/,
    },
    {
      name: 'a form content type',
      body: () => 'model=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 400,
      type: 'invalid_request_error',
      says: /content-type/,
    },
    // Bytes, so that Request does not add text/plain itself.
    {
      name: 'no content type',
      body: () => new TextEncoder().encode(json(simpleRequest())),
      headers: { 'content-type': '' },
      status: 400,
      type: 'invalid_request_error',
      says: /content-type.*none/,
    },
    {
      name: 'max_tokens as a string',
      body: () => json(simpleRequest({ max_tokens: '1024' })),
      status: 400,
      type: 'invalid_request_error',
      says: /^max_tokens: .*expected number/,
    },
    {
      name: 'max_tokens as 1e400 (Infinity)',
      body: () => '{"model":"m","max_tokens":1e400,"messages":[]}',
      status: 400,
      type: 'invalid_request_error',
      says: /^max_tokens: /,
    },
    {
      name: 'a missing model',
      body: () => json({ max_tokens: 5, messages: [] }),
      status: 400,
      type: 'invalid_request_error',
      says: /^model: /,
    },
    {
      name: 'messages as an object',
      body: () => json(simpleRequest({ messages: {} })),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages: .*expected array/,
    },
    {
      name: 'an unknown role',
      body: () => json(simpleRequest({ messages: [{ role: 'robot', content: 'x' }] })),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages\.0\.role: /,
    },
    {
      name: 'content as a number',
      body: () => json(simpleRequest({ messages: [{ role: 'user', content: 5 }] })),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages\.0\.content: /,
    },
    {
      name: 'a text block whose text is a number',
      body: () =>
        json(
          simpleRequest({
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: 'ok' },
                  { type: 'text', text: 5 },
                ],
              },
            ],
          }),
        ),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages\.0\.content\.1\.text: .*expected string/,
    },
    {
      name: 'a tool_use block without its id',
      body: () =>
        json(
          simpleRequest({
            messages: [
              { role: 'user', content: 'x' },
              { role: 'assistant', content: [{ type: 'tool_use', name: 'Bash', input: {} }] },
            ],
          }),
        ),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages\.1\.content\.0\.id: /,
    },
    {
      name: 'a tool_result whose content is a number',
      body: () =>
        json(
          simpleRequest({
            messages: [
              { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 5 }] },
            ],
          }),
        ),
      status: 400,
      type: 'invalid_request_error',
      says: /^messages\.0\.content\.0\.content: /,
    },
    {
      name: 'a tool without a name',
      body: () => json(simpleRequest({ tools: [{ name: 5 }] })),
      status: 400,
      type: 'invalid_request_error',
      says: /^tools\.0\.name: /,
    },
    {
      name: 'system as a number',
      body: () => json(simpleRequest({ system: 5 })),
      status: 400,
      type: 'invalid_request_error',
      says: /^system: /,
    },
    {
      name: 'thinking as a string',
      body: () => json(simpleRequest({ thinking: 'yes' })),
      status: 400,
      type: 'invalid_request_error',
      says: /^thinking: /,
    },
    {
      name: 'a body over the limit',
      body: () =>
        json(simpleRequest({ messages: [{ role: 'user', content: 'x'.repeat(LIMIT * 2) }] })),
      status: 413,
      type: 'request_too_large',
      says: /larger than 65536 bytes/,
    },
    {
      name: 'deeply nested JSON (60 000 levels)',
      body: () => '['.repeat(60_000),
      status: 400,
      type: 'invalid_request_error',
      says: /nests deeper than 256/,
    },
    {
      name: 'deep nesting inside a valid request',
      body: () =>
        `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":${'{"a":'.repeat(300)}1${'}'.repeat(300)}}`,
      status: 400,
      type: 'invalid_request_error',
      says: /nests deeper than 256/,
    },
    {
      name: 'invalid UTF-8',
      body: () =>
        new Uint8Array([
          ...new TextEncoder().encode(
            '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"',
          ),
          0xff,
          0xfe,
          0xc3,
          ...new TextEncoder().encode('"}]}'),
        ]),
      status: 400,
      type: 'invalid_request_error',
      says: /not valid UTF-8/,
    },
    {
      name: 'a backslash before a non-ASCII character is a bad escape, not a literal \\u00e9',
      body: () => '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"caf\\é"}]}',
      status: 400,
      type: 'invalid_request_error',
      says: /malformed JSON in the request body: Bad escaped character/,
    },
    {
      name: 'a lone surrogate escape is fine JSON but bad text: still not a 500',
      body: () =>
        '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"\\ud800"}],"stream":"yes"}',
      status: 400,
      type: 'invalid_request_error',
      says: /^stream: /,
    },
  ]

  for (const c of cases) {
    it(c.name, async () => {
      const { app, fetch } = setup()
      const h: Record<string, string> = { ...anthropicHeaders, ...c.headers }
      if (c.headers?.['content-type'] === '') delete h['content-type']
      const res = await app.request('/v1/messages', { method: 'POST', headers: h, body: c.body() })
      const text = await res.text()
      expect(res.status, text).toBe(c.status)
      const e = expectEnvelope(JSON.parse(text))
      expect(e.type).toBe(c.type)
      expect(e.message).toMatch(c.says)
      expect(fetch.calls).toHaveLength(0) // nothing reached a backend
      // And the app is fine afterwards.
      expect(textOf(await send(app, simpleRequest()))).toBe('fine')
    })
  }

  it('a streamed (chunked) body over the limit is a 413 too', async () => {
    const { app } = setup()
    const piece = new TextEncoder().encode('x'.repeat(16 * 1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent === 0)
          ctrl.enqueue(
            new TextEncoder().encode(
              '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"',
            ),
          )
        if (sent++ > 10) return ctrl.close()
        ctrl.enqueue(piece)
      },
    })
    const e = await rejected(app, body, {}, '/v1/messages', { duplex: 'half' } as RequestInit)
    expect(e).toMatchObject({ status: 413, type: 'request_too_large' })
  })

  it('count_tokens rejects the same way', async () => {
    const { app } = setup()
    const e = await rejected(
      app,
      json({ model: 'm', messages: 'nope' }),
      {},
      '/v1/messages/count_tokens',
    )
    expect(e).toMatchObject({ status: 400, type: 'invalid_request_error' })
    expect(e.message).toMatch(/^messages: /)
  })

  it('an unknown path or method is a 404 not_found_error envelope', async () => {
    const { app } = setup()
    expect(await rejected(app, json({}), {}, '/v1/complete')).toMatchObject({
      status: 404,
      type: 'not_found_error',
    })
    const res = await app.request('/v1/messages', { method: 'GET', headers: anthropicHeaders })
    expect(res.status).toBe(404)
    expect(expectEnvelope(await res.json()).type).toBe('not_found_error')
  })

  it('deep but legal nesting (a 200-level tool schema) is served, not a crash', async () => {
    const { app } = setup()
    let schema: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 120; i++) schema = { type: 'object', properties: { a: schema } }
    const got = await send(app, simpleRequest({ tools: [{ name: 'Deep', input_schema: schema }] }))
    expect(got.kind).toBe('ok')
  })

  it('__proto__ and constructor keys do not pollute anything', async () => {
    const { app } = setup()
    const r = await raw(
      app,
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stream":false}',
    )
    expect(r.status).toBe(200)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('tolerable oddities are repaired and logged, not rejected', () => {
  const warningsOf = (log: ReturnType<typeof setup>['log']) =>
    log.lines
      .filter((l) => l.msg === 'request')
      .flatMap((l) => (l.obj.warnings as string[] | undefined) ?? [])

  for (const stream of [true, false]) {
    const mode = stream ? 'streaming' : 'non-streaming'

    it(`${mode}: unknown block types are dropped with a warning`, async () => {
      const { app, log } = setup()
      const got = await send(
        app,
        simpleRequest({
          stream,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'weird_block', foo: 1 },
                { type: 'text', text: 'hi' },
              ],
            },
          ],
        }),
      )
      expect(textOf(got)).toBe('fine')
      expect(warningsOf(log).join('\n')).toMatch(/weird_block/)
    })

    it(`${mode}: a tool_result without its tool_use is sent as text with a warning`, async () => {
      const { app, log, fetch } = setup()
      const got = await send(
        app,
        simpleRequest({
          stream,
          messages: [
            {
              role: 'user',
              content: [{ type: 'tool_result', tool_use_id: 'toolu_gone', content: 'result' }],
            },
          ],
        }),
      )
      expect(textOf(got)).toBe('fine')
      expect(warningsOf(log).join('\n')).toMatch(/toolu_gone/)
      expect(JSON.stringify(fetch.calls[0]!.body.messages)).toContain('result')
    })

    it(`${mode}: consecutive same-role turns are merged with a warning`, async () => {
      const { app, log, fetch } = setup()
      const got = await send(
        app,
        simpleRequest({
          stream,
          messages: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
            { role: 'assistant', content: 'c' },
            { role: 'assistant', content: 'd' },
            { role: 'user', content: 'e' },
          ],
        }),
      )
      expect(textOf(got)).toBe('fine')
      expect(warningsOf(log).join('\n')).toMatch(/consecutive/)
      const roles = (fetch.calls[0]!.body.messages as { role: string }[]).map((m) => m.role)
      for (let i = 1; i < roles.length; i++) expect(roles[i]).not.toBe(roles[i - 1])
    })
  }
})
