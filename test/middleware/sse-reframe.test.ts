import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { sseReframe } from '../../src/middleware/sse-reframe.js'
import type { StreamPart } from '../../src/translate/stream-parts.js'
import type { AppEnv } from '../../src/types.js'
import { onError, postJson } from '../helpers/middleware.js'
import { parseSse } from '../helpers/sse.js'

const parts: StreamPart[] = [
  { type: 'reasoning-delta', text: 'hmm' },
  { type: 'text-delta', text: 'Hi' },
  { type: 'tool-call', name: 'Bash', arguments: '{"command":"ls"}' },
  { type: 'usage', usage: { promptTokens: 10, completionTokens: 4 } },
  { type: 'finish', finishReason: 'tool_calls' },
]

/** An app whose handler re-frames `parts` with c.var.reframe and returns the SSE text. */
function build(hideThinking?: boolean) {
  const app = new Hono<AppEnv>()
  app.post(
    '/v1/messages',
    sseReframe(hideThinking === undefined ? undefined : { hideThinking }),
    (c) => {
      const builder = c.var.reframe.builder({ generateToolId: () => 'toolu_1' })
      const events = parts.flatMap((p) => builder.push(p))
      events.push(...builder.end())
      return c.body(c.var.reframe.encode(events), 200, { 'content-type': 'text/event-stream' })
    },
  )
  app.onError(onError)
  return app
}

describe('middleware: sse-reframe', () => {
  it('gives handlers a builder and an encoder producing the Anthropic grammar', async () => {
    const res = await build().request('/v1/messages', postJson({}))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const frames = parseSse(await res.text())
    expect(frames.map((f) => f.data)).toEqual([
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '{"command":"ls"}' },
      },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: {
          input_tokens: 10,
          output_tokens: 4,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
      { type: 'message_stop' },
    ])
  })

  it('drops thinking when configured to hide it', async () => {
    const frames = parseSse(await (await build(true).request('/v1/messages', postJson({}))).text())
    expect(frames.some((f) => JSON.stringify(f.data).includes('thinking'))).toBe(false)
    expect(frames[0]!.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    })
  })
})
