import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { normalize } from '../../src/middleware/normalize.js'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import type { AppEnv } from '../../src/types.js'
import { onError, postJson } from '../helpers/middleware.js'

const BILLING = 'x-anthropic-billing-header: cc_version=2.1.197; cc_entrypoint=cli; cch=1a2b3;'

const request = {
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  system: [
    { type: 'text', text: BILLING },
    { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
    { role: 'system', content: 'Agents: general-purpose' },
    { role: 'user', content: 'again' },
  ],
  tools: [{ name: 'Bash', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
}

/** The app for one option set: the body the validator would have set, normalize, a handler. */
function build(options?: Parameters<typeof normalize>[0]) {
  const app = new Hono<AppEnv>()
  app.post(
    '/v1/messages',
    async function body(c, next) {
      c.set('body', (await c.req.json()) as MessagesRequest)
      await next()
    },
    normalize(options),
    (c) => c.json({ request: c.var.request, warnings: c.var.warnings }),
  )
  app.onError(onError)
  return app
}

describe('middleware: normalize', () => {
  let app: Hono<AppEnv>
  beforeEach(() => {
    app = build()
  })

  it('sets c.var.request: billing block out, role:system message into the system prompt, cache_control gone', async () => {
    const res = await app.request('/v1/messages', postJson(request))
    expect(res.status).toBe(200)
    const { request: normalized, warnings } = await res.json()
    expect(normalized).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Agents: general-purpose' },
      ],
      // Two user turns around the moved system message merge into one.
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'text', text: 'again' },
          ],
        },
      ],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    })
    expect(warnings).toEqual(['merged consecutive user messages'])
  })

  it('keeps the billing block when told to', async () => {
    const res = await build({ stripBillingHeader: false }).request(
      '/v1/messages',
      postJson(request),
    )
    const { request: normalized } = await res.json()
    expect(normalized.system[0]).toEqual({ type: 'text', text: BILLING })
  })

  it('is idempotent: a normalized request comes back unchanged', async () => {
    const once = (await (await app.request('/v1/messages', postJson(request))).json()).request
    const twice = await (await app.request('/v1/messages', postJson(once))).json()
    expect(twice).toEqual({ request: once, warnings: [] })
  })
})
