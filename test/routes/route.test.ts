/** The router as the app drives it: request headers reach rules and session affinity. */
import { describe, expect, it } from 'vitest'
import { anthropicHeaders, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'

const backends = [
  { name: 'a', kind: 'openai', url: 'http://a.local/v1' },
  { name: 'b', kind: 'openai', url: 'http://b.local/v1' },
]

const send = (app: ReturnType<typeof testApp>['app'], headers: Record<string, string> = {}) =>
  app.request('/v1/messages', {
    method: 'POST',
    headers: { ...anthropicHeaders, ...headers },
    body: JSON.stringify(simpleRequest({ stream: false })),
  })

describe('header rules', () => {
  it('a rule on a request header routes by it, whatever the case of either name', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['hi']) }), {
      backends,
      rules: [{ backend: 'b', header: { 'X-Route': 'studio' } }],
    })
    const routed = await send(app, { 'x-route': 'studio' })
    expect(routed.status).toBe(200)
    expect(routed.headers.get('x-anyclaude-backend')).toBe('b')
    const other = await send(app, { 'X-ROUTE': 'other' })
    expect(other.headers.get('x-anyclaude-backend')).toBe('a')
    const none = await send(app)
    expect(none.headers.get('x-anyclaude-backend')).toBe('a')
    expect(fetch.calls.map((c) => new URL(c.url).host)).toEqual(['b.local', 'a.local', 'a.local'])
  })

  it('`*` matches any value of a present header', async () => {
    const { app } = testApp(() => ({ chunks: textChunks(['hi']) }), {
      backends,
      rules: [{ backend: 'b', header: { 'x-route': '*' } }],
    })
    expect((await send(app, { 'x-route': 'anything' })).headers.get('x-anyclaude-backend')).toBe(
      'b',
    )
    expect((await send(app)).headers.get('x-anyclaude-backend')).toBe('a')
  })
})

describe('header rules in the configuration', () => {
  it('a header name no request can carry is a configuration error, not a 500 on every request', async () => {
    const { loadConfig, ConfigError } = await import('../../src/config.js')
    for (const name of ['X Route', '', 'a:b', 'é'])
      expect(() =>
        loadConfig({ config: 'c.json' }, {}, () =>
          JSON.stringify({ backends, rules: [{ backend: 'b', header: { [name]: '*' } }] }),
        ),
      ).toThrow(ConfigError)
    expect(() =>
      loadConfig({ config: 'c.json' }, {}, () =>
        JSON.stringify({ backends, rules: [{ backend: 'b', header: { 'X Route': '*' } }] }),
      ),
    ).toThrow(/rules.0.header.X Route: not a valid HTTP header name/)
    expect(() =>
      loadConfig({ config: 'c.json' }, {}, () =>
        JSON.stringify({ backends, rules: [{ backend: 'b', header: { 'X-Route_2.v': '*' } }] }),
      ),
    ).not.toThrow()
  })
})
