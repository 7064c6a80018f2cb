import { describe, expect, it } from 'vitest'
import { post, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks, toolCallChunks } from '../helpers/fake-openai.js'
import { parseSse, types } from '../helpers/sse.js'

describe('POST /v1/messages (smoke)', () => {
  it('streams a text answer in the Anthropic grammar', async () => {
    const { app, fetch } = testApp(() => ({
      chunks: textChunks(['Hel', 'lo!'], {
        usage: {
          prompt_tokens: 100,
          completion_tokens: 2,
          prompt_tokens_details: { cached_tokens: 60 },
        },
      }),
    }))
    const res = await post(app, simpleRequest())
    expect(res.status).toBe(200)
    const frames = parseSse(await res.text())
    expect(types(frames)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const delta = frames.at(-2)!.data
    expect(delta).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 2 },
    })
    expect(fetch.calls[0]!.body.model).toBe('fake-model')
    expect(res.headers.get('x-anyclaude-backend')).toBe('fake')
  })

  it('folds a non-streaming tool call', async () => {
    const { app } = testApp(() => ({
      chunks: toolCallChunks([{ name: 'Bash', args: { command: 'ls' } }]),
    }))
    const res = await post(
      app,
      simpleRequest({
        stream: false,
        tools: [
          {
            name: 'Bash',
            input_schema: { type: 'object', properties: { command: { type: 'string' } } },
          },
        ],
      }),
    )
    expect(res.status).toBe(200)
    const msg = await res.json()
    expect(msg.content).toEqual([
      { type: 'tool_use', id: 'call_0', name: 'Bash', input: { command: 'ls' } },
    ])
    expect(msg.stop_reason).toBe('tool_use')
  })
})

describe('x-anyclaude-backend on errors', () => {
  it('names the backend on an error status, streaming or not', async () => {
    const { app } = testApp(() => ({
      status: 400,
      body: JSON.stringify({ error: { message: 'bad' } }),
    }))
    for (const stream of [true, false]) {
      const res = await post(app, simpleRequest({ stream }))
      expect(res.status).toBe(400)
      expect(res.headers.get('x-anyclaude-backend')).toBe('fake')
    }
  })
})
