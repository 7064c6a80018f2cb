/**
 * Hand-made OpenAI streams, one per quirk the translators must absorb (protocol.md §5.3, §6.4),
 * through decodeSse → openAIStreamToParts → AnthropicEventBuilder, cut at every awkward place.
 */
import { describe, expect, it } from 'vitest'
import type {
  AnthropicMessage,
  ContentBlock,
  StopReason,
  Usage,
} from '../../../src/translate/anthropic-types.js'
import {
  eventLines,
  type Folded,
  foldAnthropicEvents,
  renderChunks,
  SPLITS,
  START,
  translateOpenAI,
} from '../../helpers/stream-translate.js'

const MB = 'é日本🙂' // 2-, 3- and 4-byte UTF-8 (and a surrogate pair in UTF-16)
const enc = new TextEncoder()

type Chunk = Record<string, unknown>
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm' }
const chunk = (delta: Chunk, extra: Chunk = {}): Chunk => ({
  ...base,
  choices: [{ index: 0, delta, finish_reason: null }],
  ...extra,
})
const finish = (reason: string, delta: Chunk = {}, extra: Chunk = {}): Chunk => ({
  ...base,
  choices: [{ index: 0, delta, finish_reason: reason }],
  ...extra,
})
const role = chunk({ role: 'assistant', content: '' })
const text = (t: string) => chunk({ content: t })
const tc = (call: Chunk) => chunk({ tool_calls: [call] })
const usageChunk = (u: Chunk): Chunk => ({ ...base, choices: [], usage: u })

/** Output tokens estimated when the backend reports none (events.ts: 3.5 chars a token). */
const est = (...texts: string[]) => Math.ceil(texts.join('').length / 3.5)
const usage = (input: number, output: number, cached = 0): Usage => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: cached,
})
const message = (content: ContentBlock[], stop: StopReason, u: Usage): AnthropicMessage => ({
  ...START,
  content,
  stop_reason: stop,
  stop_sequence: null,
  usage: u,
})
const done = (m: AnthropicMessage): Folded => ({ message: m, complete: true })

type Case = { name: string; sse: string; expected: Folded }

const args1 = JSON.stringify({ command: `echo ${MB}`, description: 'print' })

const cases: Case[] = [
  {
    name: 'text with multi-byte characters',
    sse: renderChunks([role, text('Hello '), text(MB), text(' wörld'), finish('stop')]),
    expected: done(
      message(
        [{ type: 'text', text: `Hello ${MB} wörld` }],
        'end_turn',
        usage(1000, est(`Hello ${MB} wörld`)),
      ),
    ),
  },
  {
    name: 'thinking via reasoning_content (LM Studio, vLLM), then text',
    sse: renderChunks([
      chunk({ role: 'assistant', content: null }),
      chunk({ reasoning_content: 'Let me ' }),
      chunk({ reasoning_content: `think ${MB}` }),
      chunk({ content: '\n\n' }),
      text('Answer.'),
      finish('stop'),
    ]),
    expected: done(
      message(
        [
          { type: 'thinking', thinking: `Let me think ${MB}`, signature: '' },
          { type: 'text', text: '\n\nAnswer.' },
        ],
        'end_turn',
        usage(1000, est(`Let me think ${MB}`, '\n\nAnswer.')),
      ),
    ),
  },
  {
    name: 'thinking via reasoning (Ollama, mlx-lm), then text',
    sse: renderChunks([
      chunk({ role: 'assistant', content: '', reasoning: 'Hmm' }),
      chunk({ role: 'assistant', content: '', reasoning: ` ${MB}` }),
      chunk({ role: 'assistant', content: 'Done' }),
      finish('stop', { role: 'assistant', content: '' }),
    ]),
    expected: done(
      message(
        [
          { type: 'thinking', thinking: `Hmm ${MB}`, signature: '' },
          { type: 'text', text: 'Done' },
        ],
        'end_turn',
        usage(1000, est(`Hmm ${MB}`, 'Done')),
      ),
    ),
  },
  {
    name: 'one tool call in fragments, after text and the "\\n\\n" before it',
    sse: renderChunks([
      role,
      text('I will run it.'),
      text('\n\n'),
      tc({ index: 0, id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '' } }),
      ...[args1.slice(0, 5), args1.slice(5, 17), args1.slice(17, 18), args1.slice(18)].map((a) =>
        tc({ index: 0, function: { arguments: a } }),
      ),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'text', text: 'I will run it.\n\n' },
          {
            type: 'tool_use',
            id: 'call_1',
            name: 'Bash',
            input: { command: `echo ${MB}`, description: 'print' },
          },
        ],
        'tool_use',
        usage(1000, est('I will run it.\n\n', args1)),
      ),
    ),
  },
  {
    name: 'whitespace-only text before a tool call is dropped',
    sse: renderChunks([
      role,
      text('\n\n'),
      tc({
        index: 0,
        id: 'call_1',
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":"/a"}' },
      }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [{ type: 'tool_use', id: 'call_1', name: 'Read', input: { file_path: '/a' } }],
        'tool_use',
        usage(1000, est('\n\n', '{"file_path":"/a"}')),
      ),
    ),
  },
  {
    name: 'three parallel tool calls, fragments interleaved by index',
    sse: renderChunks([
      role,
      chunk({
        tool_calls: [
          {
            index: 0,
            id: 'call_a',
            type: 'function',
            function: { name: 'Read', arguments: '{"file_' },
          },
          { index: 1, id: 'call_b', type: 'function', function: { name: 'Glob', arguments: '' } },
        ],
      }),
      tc({
        index: 2,
        id: 'call_c',
        type: 'function',
        function: { name: 'Grep', arguments: '{"pattern":' },
      }),
      tc({ index: 1, function: { arguments: '{"pattern":"*.ts"}' } }),
      tc({ index: 0, function: { arguments: 'path":"/x"}' } }),
      tc({ index: 2, function: { arguments: `"${MB}"}` } }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'tool_use', id: 'call_a', name: 'Read', input: { file_path: '/x' } },
          { type: 'tool_use', id: 'call_b', name: 'Glob', input: { pattern: '*.ts' } },
          { type: 'tool_use', id: 'call_c', name: 'Grep', input: { pattern: MB } },
        ],
        'tool_use',
        usage(1000, est('{"file_path":"/x"}', '{"pattern":"*.ts"}', `{"pattern":"${MB}"}`)),
      ),
    ),
  },
  {
    name: 'whole calls in one chunk, id null and no index (old mlx-lm)',
    sse: renderChunks([
      chunk({ role: 'assistant', content: '' }),
      tc({
        id: null,
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":"/a"}' },
      }),
      tc({
        id: null,
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":"/b"}' },
      }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'tool_use', id: 'toolu_gen_1', name: 'Read', input: { file_path: '/a' } },
          { type: 'tool_use', id: 'toolu_gen_2', name: 'Read', input: { file_path: '/b' } },
        ],
        'tool_use',
        usage(1000, est('{"file_path":"/a"}', '{"file_path":"/b"}')),
      ),
    ),
  },
  {
    name: 'empty names in later chunks (LM Studio 0.3.16)',
    sse: renderChunks([
      tc({ index: 0, id: 'call_9', type: 'function', function: { name: 'Write', arguments: '' } }),
      tc({ index: 0, type: 'function', function: { name: '', arguments: '{"content' } }),
      tc({ index: 0, type: 'function', function: { name: '', arguments: `":"${MB}"}` } }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [{ type: 'tool_use', id: 'call_9', name: 'Write', input: { content: MB } }],
        'tool_use',
        usage(1000, est(`{"content":"${MB}"}`)),
      ),
    ),
  },
  {
    name: 'index 0 reused for a second, fragmented call (Ollama 0.20, ollama#15457)',
    sse: renderChunks([
      tc({
        index: 0,
        id: 'call_x',
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":' },
      }),
      tc({ index: 0, function: { arguments: '"/x"}' } }),
      tc({
        index: 0,
        id: 'call_y',
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":' },
      }),
      tc({ index: 0, function: { arguments: '"/y"}' } }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'tool_use', id: 'call_x', name: 'Read', input: { file_path: '/x' } },
          { type: 'tool_use', id: 'call_y', name: 'Read', input: { file_path: '/y' } },
        ],
        'tool_use',
        usage(1000, est('{"file_path":"/x"}', '{"file_path":"/y"}')),
      ),
    ),
  },
  {
    name: 'finish_reason "stop" after a tool call (vLLM)',
    sse: renderChunks([
      role,
      tc({
        index: 0,
        id: 'call_s',
        type: 'function',
        function: { name: 'Bash', arguments: '{"command":' },
      }),
      finish('stop', { tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
    ]),
    expected: done(
      message(
        [{ type: 'tool_use', id: 'call_s', name: 'Bash', input: { command: 'ls' } }],
        'tool_use',
        usage(1000, est('{"command":"ls"}')),
      ),
    ),
  },
  {
    name: 'finish_reason "tool_calls" with no call (mlx-lm dropped an unparsable one)',
    sse: renderChunks([role, text('Sorry.'), finish('tool_calls', { tool_calls: [] })]),
    expected: done(
      message([{ type: 'text', text: 'Sorry.' }], 'end_turn', usage(1000, est('Sorry.'))),
    ),
  },
  {
    name: 'usage on every chunk (vLLM continuous usage stats): the last one wins',
    sse: renderChunks([
      chunk(
        { role: 'assistant', content: '' },
        { usage: { prompt_tokens: 50, completion_tokens: 0, total_tokens: 50 } },
      ),
      chunk(
        { content: 'A' },
        { usage: { prompt_tokens: 50, completion_tokens: 1, total_tokens: 51 } },
      ),
      chunk(
        { content: 'B' },
        { usage: { prompt_tokens: 50, completion_tokens: 2, total_tokens: 52 } },
      ),
      finish('stop', {}, { usage: { prompt_tokens: 50, completion_tokens: 3, total_tokens: 53 } }),
    ]),
    expected: done(message([{ type: 'text', text: 'AB' }], 'end_turn', usage(50, 3))),
  },
  {
    name: 'usage chunk after finish, with cached tokens (mlx-lm, vLLM with include_usage)',
    sse: renderChunks([
      role,
      text(MB),
      finish('stop'),
      {
        ...base,
        object: 'chat.completion', // mlx-lm labels its usage chunk so
        choices: [],
        usage: {
          prompt_tokens: 19350,
          completion_tokens: 87,
          total_tokens: 19437,
          prompt_tokens_details: { cached_tokens: 17500 },
        },
      },
    ]),
    expected: done(message([{ type: 'text', text: MB }], 'end_turn', usage(1850, 87, 17500))),
  },
  {
    name: 'timings.cache_n without usage (llama.cpp)',
    sse: renderChunks([
      chunk({ role: 'assistant', content: null }),
      text('ok'),
      finish('stop', {}, { timings: { cache_n: 314, prompt_n: 15, predicted_n: 35 } }),
    ]),
    expected: done(message([{ type: 'text', text: 'ok' }], 'end_turn', usage(15, 35, 314))),
  },
  {
    name: '"length" stop in text',
    sse: renderChunks([
      role,
      text(`cut ${MB}`),
      finish('length'),
      usageChunk({ prompt_tokens: 10, completion_tokens: 4 }),
    ]),
    expected: done(message([{ type: 'text', text: `cut ${MB}` }], 'max_tokens', usage(10, 4))),
  },
  {
    name: '"length" stop inside a tool call: the broken call is dropped',
    sse: renderChunks([
      role,
      text('Writing.'),
      tc({
        index: 0,
        id: 'call_l',
        type: 'function',
        function: { name: 'Write', arguments: '{"content":"abc' },
      }),
      finish('length'),
    ]),
    expected: done(
      message([{ type: 'text', text: 'Writing.' }], 'max_tokens', usage(1000, est('Writing.'))),
    ),
  },
  {
    name: 'error chunk mid-stream (llama.cpp after PR #16109, vLLM)',
    sse: renderChunks(
      [
        role,
        text(`Partial ${MB}`),
        { error: { code: 500, message: 'Context size has been exceeded.', type: 'server_error' } },
      ],
      false,
    ),
    expected: {
      message: { ...START, content: [{ type: 'text', text: `Partial ${MB}` }] },
      error: {
        type: 'invalid_request_error',
        message: 'prompt is too long: Context size has been exceeded.',
      },
      complete: false,
    },
  },
  {
    name: 'error chunk with a plain string (SGLang)',
    sse: renderChunks([role, { error: 'model is loading, try again later' }], false),
    expected: {
      message: { ...START },
      error: { type: 'overloaded_error', message: 'model is loading, try again later' },
      complete: false,
    },
  },
  {
    name: 'cut: no finish_reason and no [DONE]',
    sse: renderChunks([role, text(`Half ${MB}`)], false),
    expected: {
      message: { ...START, content: [{ type: 'text', text: `Half ${MB}` }] },
      error: {
        type: 'api_error',
        message: 'the backend stream ended before the answer was complete',
      },
      complete: false,
    },
  },
  {
    name: '[DONE] without a finish_reason still ends the answer',
    sse: renderChunks([role, text('fine')], true),
    expected: done(message([{ type: 'text', text: 'fine' }], 'end_turn', usage(1000, est('fine')))),
  },
  {
    name: 'the last event without its blank line (server closes right after data:)',
    sse: `${renderChunks([role, text(MB)], false)}data: ${JSON.stringify(finish('stop'))}\n`,
    expected: done(message([{ type: 'text', text: MB }], 'end_turn', usage(1000, est(MB)))),
  },
  {
    name: 'the last event without any line end',
    sse: `${renderChunks([role, text(MB)], false)}data: ${JSON.stringify(finish('stop'))}`,
    expected: done(message([{ type: 'text', text: MB }], 'end_turn', usage(1000, est(MB)))),
  },
  {
    name: 'keep-alive comments and tool_calls: [] on every chunk (mlx-lm, MLX-Textgen)',
    sse: renderChunks([
      ': keepalive 128/2000\n\n',
      ': keepalive 2000/2000\n\n',
      chunk({ role: 'assistant', content: 'Hi', tool_calls: [] }),
      chunk({ role: 'assistant', content: ` ${MB}`, tool_calls: [] }),
      finish('stop', { tool_calls: [] }),
    ]),
    expected: done(
      message([{ type: 'text', text: `Hi ${MB}` }], 'end_turn', usage(1000, est(`Hi ${MB}`))),
    ),
  },
  {
    name: 'arguments sent as an object (some Ollama versions)',
    sse: renderChunks([
      tc({
        index: 0,
        id: 'call_o',
        type: 'function',
        function: { name: 'Bash', arguments: { command: MB } },
      }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [{ type: 'tool_use', id: 'call_o', name: 'Bash', input: { command: MB } }],
        'tool_use',
        usage(1000, est(JSON.stringify({ command: MB }))),
      ),
    ),
  },
  {
    name: 'leaked call markup before a native call is dropped (llama-server Qwen3-Coder parser)',
    sse: renderChunks([
      chunk({ role: 'assistant', content: null }),
      text(`Checking ${MB}.\n`),
      text('<tool_'),
      text('call>\n'),
      text('<function=Re'),
      chunk({}),
      tc({
        index: 0,
        id: 'call_r',
        type: 'function',
        function: { name: 'Read', arguments: '{"file_path":"/r"}' },
      }),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'text', text: `Checking ${MB}.\n` },
          { type: 'tool_use', id: 'call_r', name: 'Read', input: { file_path: '/r' } },
        ],
        'tool_use',
        usage(1000, est(`Checking ${MB}.\n`, '{"file_path":"/r"}')),
      ),
    ),
  },
  {
    name: 'markup-like text with no native call after it stays text',
    sse: renderChunks([
      role,
      text('Use the <tool'),
      text('_call> tag, a <'),
      text(' b, and <function=f> too. '),
      text('x'.repeat(300)),
      text(' <tool_call>'),
      finish('stop'),
    ]),
    expected: done(
      message(
        [
          {
            type: 'text',
            text: `Use the <tool_call> tag, a < b, and <function=f> too. ${'x'.repeat(300)} <tool_call>`,
          },
        ],
        'end_turn',
        usage(
          1000,
          est(
            `Use the <tool_call> tag, a < b, and <function=f> too. ${'x'.repeat(300)} <tool_call>`,
          ),
        ),
      ),
    ),
  },
  {
    name: 'text after a tool call opens a new block',
    sse: renderChunks([
      tc({ index: 0, id: 'call_t', type: 'function', function: { name: 'Bash', arguments: '{}' } }),
      text('\n'),
      text('After.'),
      finish('tool_calls'),
    ]),
    expected: done(
      message(
        [
          { type: 'tool_use', id: 'call_t', name: 'Bash', input: {} },
          { type: 'text', text: '\nAfter.' },
        ],
        'tool_use',
        usage(1000, est('{}', '\nAfter.')),
      ),
    ),
  },
]

describe('hand-made OpenAI streams → Anthropic events', () => {
  describe.each(cases)('$name', ({ sse, expected }) => {
    const bytes = enc.encode(sse)

    it('gives the expected events and message', async () => {
      const { events } = await translateOpenAI([bytes])
      expect(foldAnthropicEvents(events)).toEqual(expected)
      expect(eventLines(events)).toMatchSnapshot()
    })

    it('gives identical results however the bytes are cut', async () => {
      const whole = await translateOpenAI([bytes])
      for (const split of SPLITS) {
        const result = await translateOpenAI(split.pieces(bytes))
        expect(result, split.name).toEqual(whole)
      }
    })
  })
})
