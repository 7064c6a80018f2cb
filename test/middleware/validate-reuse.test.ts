/** validate({ reuse }): a top-level value whose JSON text repeats is taken from a recent request. */
import fc from 'fast-check'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { validate } from '../../src/middleware/validate.js'
import { MessagesRequestSchema } from '../../src/schemas/anthropic.js'
import type { AppEnv } from '../../src/types.js'
import { onError, postJson } from '../helpers/middleware.js'

const tool = (name: string) => ({
  name,
  description: `Runs ${name} — with “quotes”.`,
  input_schema: { type: 'object', properties: { x: { type: 'string' } } },
})
const request = (over: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
  tools: [tool('Bash'), tool('Read')],
  ...over,
})

/** The Node server's byte helpers (server.ts): Buffer views and Buffer.compare. */
const nodeBytes = {
  view: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  equal: (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0,
}

/** An app that records the body each request validated to. */
function reuseApp(bytes?: typeof nodeBytes) {
  const bodies: Record<string, unknown>[] = []
  const app = new Hono<AppEnv>()
  app.post(
    '/v1/messages',
    validate({
      schema: MessagesRequestSchema,
      reuse: { values: ['tools'], items: ['messages'], equal: bytes?.equal },
      view: bytes?.view,
    }),
    (c) => {
      bodies.push(c.get('body') as Record<string, unknown>)
      return c.json({ ok: true })
    },
  )
  app.onError(onError)
  const send = (body: unknown) => app.request('/v1/messages', postJson(body))
  return { bodies, send }
}

const message = async (res: Response) =>
  ((await res.json()) as { error: { message: string } }).error.message

describe('validate: reused values', () => {
  it('takes the same tools text from the last request: the same value, in the same place', async () => {
    const { bodies, send } = reuseApp()
    expect((await send(request())).status).toBe(200)
    expect((await send(request({ messages: [{ role: 'user', content: 'next' }] }))).status).toBe(
      200,
    )
    expect(bodies[1]!.tools).toBe(bodies[0]!.tools)
    expect(bodies[1]).toEqual(request({ messages: [{ role: 'user', content: 'next' }] }))
    expect(Object.keys(bodies[1]!)).toEqual(Object.keys(request()))
  })

  it('keeps tools in use while many others come and go (most recently used first)', async () => {
    const { bodies, send } = reuseApp()
    await send(request())
    const first = bodies[0]!.tools
    for (let i = 0; i < 20; i++) {
      await send(request({ tools: [tool(`Other${i}`)] }))
      await send(request())
      expect(bodies.at(-1)!.tools).toBe(first)
    }
  })

  it('takes history messages whose text repeats from the last request, frozen, in order', async () => {
    const { bodies, send } = reuseApp()
    const history = [
      { role: 'user', content: 'list files' },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure — “here”.' }] },
    ]
    await send(request({ messages: history }))
    const next = [...history, { role: 'user', content: 'thanks' }]
    expect((await send(request({ messages: next }))).status).toBe(200)
    const [before, after] = [bodies[0]!.messages as unknown[], bodies[1]!.messages as unknown[]]
    expect(after[0]).toBe(before[0])
    expect(after[1]).toBe(before[1])
    expect(after).toEqual(next)
    expect(Object.isFrozen(after[1])).toBe(true)
    expect(Object.isFrozen((after[1] as { content: unknown[] }).content[0])).toBe(true)
  })

  it('keeps at most a few messages that look alike (same length, middle and end): bounded work', async () => {
    const { bodies, send } = reuseApp()
    // Differ only near the start, which the lookup key does not sample.
    const alike = Array.from({ length: 10 }, (_, i) => ({
      role: 'user',
      content: `${'y'.repeat(10)}${String(i).padStart(4, '0')}${'x'.repeat(80)}`,
    }))
    await send(request({ messages: alike }))
    await send(request({ messages: alike }))
    const [first, again] = [bodies[0]!.messages as unknown[], bodies[1]!.messages as unknown[]]
    expect(again).toEqual(alike)
    const reused = again.filter((m, i) => m === first[i]).length
    expect(reused).toBe(4)
  })

  it('an invalid new message after known ones is reported at its own index', async () => {
    const { send } = reuseApp()
    const history = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
    ]
    await send(request({ messages: history }))
    for (const [messages, path] of [
      [[...history, { role: 'bot', content: 'c' }], /^messages\.2\.role/],
      [[history[0], { role: 'user', content: 7 }, history[1]], /^messages\.1\.content/],
    ] as const) {
      const res = await send(request({ messages }))
      expect(res.status).toBe(400)
      expect(await message(res)).toMatch(path)
    }
  })

  it('parses tools anew when their text differs by one character', async () => {
    const { bodies, send } = reuseApp()
    await send(request())
    await send(request({ tools: [tool('Bash'), tool('Reed')] }))
    expect(bodies[1]!.tools).not.toBe(bodies[0]!.tools)
    expect(bodies[1]!.tools).toEqual([tool('Bash'), tool('Reed')])
  })

  it('never remembers tools that failed validation', async () => {
    const { send } = reuseApp()
    const bad = request({ tools: [{ name: 'Bash', input_schema: 'nope' }] })
    expect((await send(bad)).status).toBe(400)
    const res = await send(bad)
    expect(res.status).toBe(400)
    expect(await message(res)).toMatch(/^tools\.0\.input_schema/)
  })

  it('with reused tools, an error elsewhere is still reported by its path', async () => {
    const { send } = reuseApp()
    await send(request())
    const res = await send(request({ messages: [{ role: 'bot', content: 'hi' }] }))
    expect(res.status).toBe(400)
    expect(await message(res)).toMatch(/^messages\.0\.role/)
  })

  it('malformed JSON around a known tools text is a 400 with the parser’s message', async () => {
    const { send } = reuseApp()
    await send(request())
    const text = JSON.stringify(request())
    const broken = `${text.slice(0, -1)},}`
    const res = await send(broken)
    expect(res.status).toBe(400)
    expect(await message(res)).toMatch(/^malformed JSON in the request body/)
  })

  it('tools given twice: the last one counts, as JSON.parse has it', async () => {
    const { bodies, send } = reuseApp()
    await send(request())
    const text = JSON.stringify(request())
    const second = JSON.stringify([tool('Grep')])
    const twice = `${text.slice(0, -1)},"tools":${second}}`
    expect((await send(twice)).status).toBe(200)
    expect(bodies[1]!.tools).toEqual([tool('Grep')])
  })

  it.each([
    ['portable byte helpers', undefined],
    ["the Node server's byte helpers", nodeBytes],
  ])(
    'gives exactly what JSON.parse gives, for any mix of repeated and new tools, with %s (property)',
    async (_name, helpers) => {
      const { bodies, send } = reuseApp(helpers)
      const pool = [[tool('A')], [tool('A'), tool('B')], [tool('C')], [tool('D')], [tool('E')]]
      const said = ['hi', 'é', '{"a":[1,2]}', 'a, b', '']
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              pick: fc.nat({ max: 4 }),
              text: fc.string(),
              history: fc.array(fc.nat({ max: 4 }), { maxLength: 4 }),
              pretty: fc.boolean(),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          async (steps) => {
            for (const { pick, text, history, pretty } of steps) {
              const body = request({
                messages: [
                  ...history.map((h, i) => ({
                    role: i % 2 ? 'assistant' : 'user',
                    content: said[h] || [{ type: 'text', text: `t${h}` }],
                  })),
                  { role: 'user', content: text || 'x' },
                ],
                tools: pool[pick],
              })
              const raw = pretty ? JSON.stringify(body, null, 1) : JSON.stringify(body)
              expect((await send(raw)).status).toBe(200)
              const got = bodies.at(-1)!
              expect(got).toEqual(JSON.parse(raw))
              expect(Object.keys(got)).toEqual(Object.keys(body))
            }
          },
        ),
        { numRuns: 60, seed: 8 },
      )
    },
  )
})
