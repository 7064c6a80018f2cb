/** Behaviours found in review: each would have been a wrong answer for a real user. */
import { describe, expect, it } from 'vitest'
import { post, simpleRequest, testApp } from '../helpers/app.js'
import { refused, textChunks, toolCallChunks } from '../helpers/fake-openai.js'
import { parseSse } from '../helpers/sse.js'

const TOOLS = [
  { name: 'Write', input_schema: { type: 'object', properties: { content: { type: 'string' } } } },
]

/**
 * A Write call (after `text`, if any) whose arguments come in fragments 40 ms apart, ~400 ms in
 * all: longer than the 150 ms idle and first-token timeouts.
 */
const slowToolCall = (args: Record<string, unknown>, text?: string) =>
  testApp(
    () => ({
      chunks: toolCallChunks([{ name: 'Write', args }], { ...(text && { text }), fragment: 6 }),
      chunkDelayMs: 40,
    }),
    { idleTimeoutMs: 150, firstTokenTimeoutMs: 150, pingAfterMs: 20 },
  ).app

describe('the watchdog counts upstream bytes, not finished blocks', () => {
  it('a native tool call that streams longer than the idle timeout is not cut off', async () => {
    const args = { content: 'x'.repeat(60) }
    // Text first, then the call's fragments for longer than the idle timeout.
    const app = slowToolCall(args, 'Writing.')
    const frames = parseSse(await (await post(app, simpleRequest({ tools: TOOLS }))).text())
    expect(frames.some((f) => f.event === 'error')).toBe(false)
    const json = frames
      .flatMap((f) =>
        f.data.type === 'content_block_delta' && f.data.delta.type === 'input_json_delta'
          ? [f.data.delta.partial_json]
          : [],
      )
      .join('')
    expect(JSON.parse(json)).toEqual(args)
  })

  it('a tool call as the very first output counts as the first token', async () => {
    const args = { content: 'y'.repeat(60) }
    const app = slowToolCall(args)
    const frames = parseSse(await (await post(app, simpleRequest({ tools: TOOLS }))).text())
    expect(frames.some((f) => f.event === 'error')).toBe(false)
    expect(frames.find((f) => f.event === 'message_delta')?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
    })
  })
})

describe('several candidates failing in different ways', () => {
  it('a busy backend and an unreachable one give the retryable answer, not "do not retry"', async () => {
    const { app } = testApp(
      (call) =>
        call.url.includes('a.local') ? { status: 429, body: '{"error":"busy"}' } : { refuse: true },
      {
        backends: [
          { name: 'a', kind: 'openai', url: 'http://a.local/v1' },
          { name: 'b', kind: 'openai', url: 'http://b.local/v1' },
        ],
      },
    )
    const res = await post(app, simpleRequest({ stream: false }))
    expect(res.status).toBe(529)
    expect(res.headers.get('x-should-retry')).not.toBe('false')
    const body = (await res.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('overloaded_error')
    expect(body.error.message).toMatch(/a .*b /s)
  })

  it('only unreachable backends give 503 with x-should-retry: false', async () => {
    expect(refused()).toBeInstanceOf(TypeError)
    const { app } = testApp(() => ({ refuse: true }), {
      backends: [
        { name: 'a', kind: 'openai', url: 'http://a.local/v1' },
        { name: 'b', kind: 'openai', url: 'http://b.local/v1' },
      ],
    })
    const res = await post(app, simpleRequest({ stream: false }))
    expect(res.status).toBe(503)
    expect(res.headers.get('x-should-retry')).toBe('false')
  })
})

describe('images in prompt estimates', () => {
  it('a large pasted screenshot does not clamp max_tokens to nothing', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['seen']) }), {
      backends: [
        { name: 'v', kind: 'openai', url: 'http://v.local/v1', contextWindow: 32768, vision: true },
      ],
      scaleUsage: false,
    })
    const data = 'A'.repeat(500_000)
    const res = await post(
      app,
      simpleRequest({
        max_tokens: 8000,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data } },
              { type: 'text', text: 'what is this?' },
            ],
          },
        ],
      }),
    )
    expect(res.status).toBe(200)
    expect(fetch.calls[0]!.body.max_tokens).toBe(8000)
  })
})
