/** The SSE codec: the upstream decoder's edge cases, and the exact frames the encoder writes. */
import { describe, expect, it } from 'vitest'
import { decodeSse } from '../../../src/translate/sse-decode.js'
import { encodeEvent, encodeEvents } from '../../../src/translate/sse-encode.js'
import { collect, iterate, splitBytes } from '../../helpers/sse.js'

const enc = new TextEncoder()
const decode = (text: string, sizes?: number[]) => {
  const bytes = enc.encode(text)
  return collect(decodeSse(iterate(sizes ? splitBytes(bytes, sizes) : [bytes])))
}

describe('decodeSse', () => {
  it('yields data events with their names, skipping comments and blank events', async () => {
    const items = await decode(
      ': keepalive 10/200\n\nevent: ping\ndata: {"a":1}\n\ndata: x\n\n\n\n',
    )
    expect(items).toEqual([
      { kind: 'event', event: 'ping', data: '{"a":1}' },
      { kind: 'event', event: undefined, data: 'x' },
    ])
  })

  it('joins multi-line data and accepts CRLF and bare CR line ends', async () => {
    expect(await decode('data: a\r\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n')).toEqual([
      { kind: 'event', event: undefined, data: 'a\nb' },
      { kind: 'event', event: undefined, data: 'c' },
      { kind: 'event', event: undefined, data: 'd' },
    ])
  })

  it('reports llama.cpp b5966 `error:` fields', async () => {
    expect(await decode('error: {"code":400}\n\ndata: [DONE]\n\n')).toEqual([
      { kind: 'error-field', value: '{"code":400}' },
      { kind: 'event', event: undefined, data: '[DONE]' },
    ])
  })

  it('keeps a last event without its blank line, marked unterminated', async () => {
    for (const tail of ['data: {"end":1}\n', 'data: {"end":1}', 'data: {"end":1}\r'])
      expect(await decode(`data: 1\n\n${tail}`, [3])).toEqual([
        { kind: 'event', event: undefined, data: '1' },
        { kind: 'event', event: undefined, data: '{"end":1}', unterminated: true },
      ])
  })

  it('decodes characters split across reads', async () => {
    const items = await decode('data: é日本🙂\n\n', [1])
    expect(items).toEqual([{ kind: 'event', event: undefined, data: 'é日本🙂' }])
  })

  it('reads a web ReadableStream as well as an async iterable', async () => {
    const body = new Response('data: 1\n\n').body!
    expect(await collect(decodeSse(body))).toEqual([{ kind: 'event', event: undefined, data: '1' }])
  })
})

describe('sse-encode', () => {
  it('writes exactly `event: <type>\\ndata: <json>\\n\\n`', () => {
    expect(encodeEvent({ type: 'message_stop' })).toBe(
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    )
    expect(
      encodeEvents([
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a\nb "é"' } },
        { type: 'ping' },
      ]),
    ).toBe(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\nb \\"é\\""}}\n\n' +
        'event: ping\ndata: {"type":"ping"}\n\n',
    )
  })

  it('keeps U+2028 and U+2029 inside the one data line', () => {
    const frame = encodeEvent({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'a\u2028b\u2029c\r' },
    })
    expect(frame.split('\n')).toHaveLength(4)
    expect(frame).not.toContain('\r')
  })
})

describe('vLLM stop sequences', () => {
  it('a string stop_reason next to finish_reason "stop" becomes stop_sequence', async () => {
    const { openAIStreamToParts } = await import('../../../src/translate/openai-stream.js')
    const { AnthropicEventBuilder } = await import('../../../src/translate/events.js')
    const items = [
      {
        kind: 'event' as const,
        data: JSON.stringify({
          choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }],
        }),
      },
      {
        kind: 'event' as const,
        data: JSON.stringify({
          choices: [{ index: 0, delta: {}, finish_reason: 'stop', stop_reason: 'END' }],
        }),
      },
      { kind: 'event' as const, data: '[DONE]' },
    ]
    async function* gen() {
      yield* items
    }
    const b = new AnthropicEventBuilder({ generateToolId: () => 'id' })
    for await (const p of openAIStreamToParts(gen())) b.push(p)
    const delta = b.end().find((e) => e.type === 'message_delta')
    expect(delta).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' } })
  })
})
