/**
 * The other two part sources: a non-streaming chat completion (a server that ignored
 * `stream: true`), and an Anthropic-native backend's own event stream (re-framed, not trusted).
 */
import { describe, expect, it } from 'vitest'
import { anthropicStreamToParts } from '../../../src/translate/anthropic-parts.js'
import type { StreamEvent } from '../../../src/translate/anthropic-types.js'
import { AnthropicEventBuilder } from '../../../src/translate/events.js'
import { openAIResponseToParts } from '../../../src/translate/openai-response.js'
import { decodeSse } from '../../../src/translate/sse-decode.js'
import type { StreamPart } from '../../../src/translate/stream-parts.js'
import { collect, iterate } from '../../helpers/sse.js'
import { foldAnthropicEvents, SPLITS, START } from '../../helpers/stream-translate.js'

function build(parts: Iterable<StreamPart>): StreamEvent[] {
  let n = 0
  const builder = new AnthropicEventBuilder({
    generateToolId: () => `toolu_gen_${++n}`,
    estimateInputTokens: 1000,
  })
  const events = [...parts].flatMap((p) => builder.push(p))
  return [...events, ...builder.end()]
}

describe('openAIResponseToParts (non-streaming chat completion)', () => {
  it('gives reasoning, text, then every tool call, with usage', () => {
    const events = build(
      openAIResponseToParts({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              reasoning_content: 'Two files.',
              content: 'Reading both.',
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'Read', arguments: '{"file_path":"/a"}' },
                },
                // mlx-lm: `id: null`; the index is the position.
                {
                  id: null,
                  type: 'function',
                  function: { name: 'Read', arguments: '{"file_path":"/b"}' },
                },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 300,
          completion_tokens: 30,
          prompt_tokens_details: { cached_tokens: 200 },
        },
      }),
    )
    expect(foldAnthropicEvents(events)).toEqual({
      message: {
        ...START,
        content: [
          { type: 'thinking', thinking: 'Two files.', signature: '' },
          { type: 'text', text: 'Reading both.' },
          { type: 'tool_use', id: 'call_1', name: 'Read', input: { file_path: '/a' } },
          { type: 'tool_use', id: 'toolu_gen_1', name: 'Read', input: { file_path: '/b' } },
        ],
        stop_reason: 'tool_use',
        usage: {
          input_tokens: 100,
          output_tokens: 30,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 200,
        },
      },
      complete: true,
    })
  })

  it('drops a call cut off by the token limit and says max_tokens', () => {
    const events = build(
      openAIResponseToParts({
        choices: [
          {
            message: {
              content: 'Writing.',
              tool_calls: [{ id: 'c', function: { name: 'Write', arguments: '{"content":"ab' } }],
            },
            finish_reason: 'length',
          },
        ],
      }),
    )
    const { message } = foldAnthropicEvents(events)
    expect(message.content).toEqual([{ type: 'text', text: 'Writing.' }])
    expect(message.stop_reason).toBe('max_tokens')
  })

  it('turns an error body into an error part', () => {
    expect([
      ...openAIResponseToParts({
        error: { code: 503, message: 'Loading model', type: 'unavailable_error' },
      }),
    ]).toEqual([{ type: 'error', errorType: 'overloaded_error', message: 'Loading model' }])
  })
})

const NATIVE = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_up","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":50,"cache_read_input_tokens":400,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Plan é日本🙂"}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"upstream-sig"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: ping\ndata: {"type":"ping"}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Running."}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_up","name":"Bash","input":{}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"command\\": \\"l"}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"s\\"}"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('')

describe('anthropicStreamToParts (Anthropic-native backend)', () => {
  const translate = async (pieces: Uint8Array[]) =>
    build(await collect(anthropicStreamToParts(decodeSse(iterate(pieces)))))
  const bytes = new TextEncoder().encode(NATIVE)

  it('re-frames the backend’s events into the same message, however the bytes are cut', async () => {
    const whole = await translate([bytes])
    expect(foldAnthropicEvents(whole)).toEqual({
      message: {
        ...START,
        content: [
          // The upstream signature means nothing to Anthropic's API: it is not passed on.
          { type: 'thinking', thinking: 'Plan é日本🙂', signature: '' },
          { type: 'text', text: 'Running.' },
          { type: 'tool_use', id: 'toolu_up', name: 'Bash', input: { command: 'ls' } },
        ],
        stop_reason: 'tool_use',
        usage: {
          input_tokens: 50,
          output_tokens: 12,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 400,
        },
      },
      complete: true,
    })
    for (const split of SPLITS)
      expect(await translate(split.pieces(bytes)), split.name).toEqual(whole)
  })

  it('reports a stream cut inside an event as cut, not as invalid JSON', async () => {
    const cut = NATIVE.slice(0, NATIVE.indexOf('"Running.') + 5)
    const events = await translate([new TextEncoder().encode(cut)])
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'the backend stream ended before message_stop' },
    })
  })
})
