/**
 * The text-format rescue as a part transform in the stream pipeline: text-format calls become
 * tool_use blocks, and a native call meeting held-back markup keeps the order and is not doubled.
 */
import { describe, expect, it } from 'vitest'
import { createTextToolCallParser } from '../../../src/toolcalls/parser.js'
import { TextToolCallRescue } from '../../../src/translate/rescue.js'
import {
  foldAnthropicEvents,
  renderChunks,
  SPLITS,
  type TranslateOptions,
  translateOpenAI,
} from '../../helpers/stream-translate.js'

const rescue: TranslateOptions = {
  transforms: () => [
    new TextToolCallRescue(
      createTextToolCallParser({
        formats: ['hermes', 'qwen3-coder', 'llama3-json', 'mistral', 'pythonic'],
        toolNames: ['Read'],
        think: true,
      }),
    ),
  ],
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  choices: [{ index: 0, delta, finish_reason: finish }],
})
const READ = {
  index: 0,
  id: 'call_n',
  type: 'function',
  function: { name: 'Read', arguments: '{"file_path":"/a"}' },
}

async function contentOf(sse: string) {
  const bytes = new TextEncoder().encode(sse)
  const whole = await translateOpenAI([bytes], rescue)
  for (const split of SPLITS)
    expect(await translateOpenAI(split.pieces(bytes), rescue), split.name).toEqual(whole)
  return foldAnthropicEvents(whole.events).message
}

describe('text-format rescue in the stream pipeline', () => {
  it('turns a Hermes call written as text into a tool_use block', async () => {
    const message = await contentOf(
      renderChunks([
        chunk({ content: '<think>Need the file.</think>\nReading.\n<tool_' }),
        chunk({
          content: 'call>\n{"name": "Read", "arguments": {"file_path": "/é日本🙂"}}\n</tool_call>',
        }),
        chunk({}, 'stop'),
      ]),
    )
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Need the file.', signature: '' },
      { type: 'text', text: '\nReading.\n' },
      { type: 'tool_use', id: 'toolu_gen_1', name: 'Read', input: { file_path: '/é日本🙂' } },
    ])
    expect(message.stop_reason).toBe('tool_use')
  })

  it.each([
    ['[TOOL_CALLS', '[TOOL_CALLS'],
    ['<|python_tag|>', '<|python_tag|>'],
    ['Checking. <think', 'Checking. <think'],
  ])('releases held markup (%s) before a native call, not after it', async (content, text) => {
    const message = await contentOf(
      renderChunks([chunk({ content }), chunk({ tool_calls: [READ] }), chunk({}, 'tool_calls')]),
    )
    expect(message.content).toEqual([
      { type: 'text', text },
      { type: 'tool_use', id: 'call_n', name: 'Read', input: { file_path: '/a' } },
    ])
  })

  it('does not double a call whose markup the parser had started to read', async () => {
    const message = await contentOf(
      renderChunks([
        chunk({ content: '[TOOL_CALLS]Read[ARGS]{"file_path": "/a"' }),
        chunk({ tool_calls: [READ] }),
        chunk({}, 'tool_calls'),
      ]),
    )
    expect(message.content.filter((b) => b.type === 'tool_use')).toEqual([
      { type: 'tool_use', id: 'call_n', name: 'Read', input: { file_path: '/a' } },
    ])
    expect(message.content.at(-1)?.type).toBe('tool_use')
  })
})
