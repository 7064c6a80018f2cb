import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import type {
  ContentBlockParamT,
  MessageParamT,
  MessagesRequest,
} from '../../src/schemas/anthropic.js'
import { IMAGE_OMITTED } from '../../src/translate/message-content.js'
import { toOpenAIMessages } from '../../src/translate/messages.js'
import type { OpenAIMessage } from '../../src/translate/openai-request-types.js'
import { makeBackend } from '../helpers/backend.js'

const convert = (
  messages: MessageParamT[],
  overrides: Partial<Backend> = {},
  system?: MessagesRequest['system'],
) =>
  toOpenAIMessages(
    { model: 'm', max_tokens: 100, messages, ...(system !== undefined ? { system } : {}) },
    makeBackend(overrides),
  )

const PNG = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }
const image = { type: 'image' as const, source: PNG }
const bashUse = (id: string, input: unknown = { command: 'ls' }) => ({
  type: 'tool_use' as const,
  id,
  name: 'Bash',
  input,
})
const result = (id: string, content: unknown, extra: Record<string, unknown> = {}) =>
  ({ type: 'tool_result', tool_use_id: id, content, ...extra }) as ContentBlockParamT

describe('system', () => {
  it('comes first, blocks joined with a blank line', () => {
    const { value } = convert([{ role: 'user', content: 'hi' }], {}, [
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ])
    expect(value[0]).toEqual({ role: 'system', content: 'A\n\nB' })
  })

  it('is the same object while the system prompt stays the same, a new one when it changes', () => {
    const a = 'A'.repeat(100)
    const first = convert([{ role: 'user', content: 'hi' }], {}, [{ type: 'text', text: a }])
    const again = convert([{ role: 'user', content: 'next' }], {}, [{ type: 'text', text: a }])
    expect(again.value[0]).toBe(first.value[0])
    const other = convert([{ role: 'user', content: 'hi' }], {}, [{ type: 'text', text: 'B' }])
    expect(other.value[0]).not.toBe(first.value[0])
    expect(other.value[0]).toEqual({ role: 'system', content: 'B' })
    const none = convert([{ role: 'user', content: 'hi' }], {}, [])
    expect(none.value).toEqual([{ role: 'user', content: 'hi' }])
  })

  it('is omitted when empty', () => {
    expect(convert([{ role: 'user', content: 'hi' }]).value).toEqual([
      { role: 'user', content: 'hi' },
    ])
  })

  it('passes a role:system message that was not normalized, with a warning', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'late' },
    ])
    expect(value[1]).toEqual({ role: 'system', content: 'late' })
    expect(warnings).toEqual(['messages[1]: role system not normalized; sent as a system message'])
  })
})

describe('assistant messages', () => {
  it('carry text and tool calls in one message', () => {
    const { value } = convert([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Calling.' },
          bashUse('t1'),
          bashUse('t2', { command: 'pwd' }),
        ],
      },
      { role: 'user', content: [result('t1', 'a'), result('t2', 'b')] },
    ])
    expect(value[1]).toEqual({
      role: 'assistant',
      content: 'Calling.',
      tool_calls: [
        { id: 't1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
        { id: 't2', type: 'function', function: { name: 'Bash', arguments: '{"command":"pwd"}' } },
      ],
    })
    expect(value.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'a' },
      { role: 'tool', tool_call_id: 't2', content: 'b' },
    ])
  })

  it('use null content with only tool calls, and "{}" for missing input', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'Bash' }, bashUse('t2', 'oops')],
      },
      { role: 'user', content: [result('t1', 'a'), result('t2', 'b')] },
    ])
    const msg = value[1] as Extract<OpenAIMessage, { role: 'assistant' }>
    expect(msg.content).toBeNull()
    expect(msg.tool_calls?.map((c) => c.function.arguments)).toEqual(['{}', '{}'])
    expect(warnings).toEqual(['tool_use t2: input is not an object, sent as {}'])
  })

  it('drop thinking unless the backend replays it as reasoning', () => {
    const content: MessageParamT['content'] = [
      { type: 'thinking', thinking: 'Let me think', signature: 's' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'text', text: 'Answer' },
    ]
    const msgs: MessageParamT[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content },
    ]
    expect(convert(msgs).value[1]).toEqual({ role: 'assistant', content: 'Answer' })
    expect(convert(msgs, { replayThinking: true }).value[1]).toEqual({
      role: 'assistant',
      content: 'Answer',
      reasoning: 'Let me think',
    })
  })

  it('flatten server-tool artefacts with text and drop the others', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 's1', name: 'web_search', input: { query: 'x' } },
          {
            type: 'web_search_tool_result',
            tool_use_id: 's1',
            content: [{ type: 'web_search_result', url: 'u' }],
          },
          { type: 'text', text: 'Found it.' },
        ],
      },
    ])
    expect(value[1]).toEqual({ role: 'assistant', content: 'Found it.' })
    expect(warnings).toEqual([
      'dropped an assistant server_tool_use block',
      'dropped an assistant web_search_tool_result block',
    ])
  })
})

describe('tool results', () => {
  const call: MessageParamT = { role: 'assistant', content: [bashUse('t1')] }

  it('come first as tool messages, then one user message with the rest', () => {
    const { value } = convert([
      { role: 'user', content: 'go' },
      call,
      { role: 'user', content: [result('t1', 'out'), { type: 'text', text: 'and then?' }] },
    ])
    expect(value.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'out' },
      { role: 'user', content: 'and then?' },
    ])
  })

  it('flatten arrays with newlines, mark errors, and fill empty output', () => {
    const multi = convert([
      { role: 'user', content: 'go' },
      call,
      {
        role: 'user',
        content: [
          result('t1', [
            { type: 'text', text: 'line 1' },
            { type: 'text', text: 'line 2' },
          ]),
        ],
      },
    ])
    expect(multi.value[2]).toEqual({ role: 'tool', tool_call_id: 't1', content: 'line 1\nline 2' })
    const contents = ['boom', '', undefined].map((c, i) => {
      const extra = i === 0 ? { is_error: true } : {}
      return convert([
        { role: 'user', content: 'go' },
        call,
        { role: 'user', content: [result('t1', c, extra)] },
      ]).value[2]
    })
    expect(contents.map((m) => (m as { content: string }).content)).toEqual([
      'Error: boom',
      '(no output)',
      '(no output)',
    ])
  })

  it('without a matching tool_use in the previous message become user text', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'no tools here' },
      { role: 'user', content: [result('ghost', 'data'), { type: 'text', text: 'next' }] },
    ])
    expect(value.slice(2)).toEqual([
      { role: 'user', content: '[tool result for ghost]: data\nnext' },
    ])
    expect(warnings).toEqual([
      'tool_result ghost answers no tool_use of the previous message; sent as text',
    ])
  })

  it('answer a tool call only once', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'go' },
      call,
      { role: 'user', content: [result('t1', 'a'), result('t1', 'b')] },
    ])
    expect(value.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'a' },
      { role: 'user', content: '[tool result for t1]: b' },
    ])
    expect(warnings).toHaveLength(1)
  })

  it('are synthesized for tool calls left unanswered (Esc), before the next user text', () => {
    const { value, warnings } = convert([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [bashUse('t1'), bashUse('t2')] },
      { role: 'user', content: [result('t2', 'two'), { type: 'text', text: 'stop' }] },
    ])
    expect(value.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't2', content: 'two' },
      { role: 'tool', tool_call_id: 't1', content: '(no result)' },
      { role: 'user', content: 'stop' },
    ])
    expect(warnings).toEqual(['tool_use t1 has no tool_result; sent "(no result)"'])
  })

  it('are synthesized after a trailing assistant message and before a following assistant', () => {
    const trailing = convert([{ role: 'user', content: 'go' }, call]).value
    expect(trailing.at(-1)).toEqual({ role: 'tool', tool_call_id: 't1', content: '(no result)' })
    const twice = convert([
      { role: 'user', content: 'go' },
      call,
      { role: 'assistant', content: 'x' },
    ]).value
    expect(twice.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])
  })

  it('carry their images into the following user message', () => {
    const { value } = convert([
      { role: 'user', content: 'go' },
      call,
      {
        role: 'user',
        content: [
          result('t1', [{ type: 'text', text: 'screenshot:' }, image]),
          { type: 'text', text: 'see?' },
        ],
      },
    ])
    expect(value.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'screenshot:\n[image #1 attached below]' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '[image #1]' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'see?' },
        ],
      },
    ])
  })

  it('replace their images with a placeholder without vision', () => {
    const { value } = convert(
      [{ role: 'user', content: 'go' }, call, { role: 'user', content: [result('t1', [image])] }],
      { vision: false },
    )
    expect(value.slice(2)).toEqual([{ role: 'tool', tool_call_id: 't1', content: IMAGE_OMITTED }])
  })
})

describe('user content', () => {
  it('is a plain string when text-only, parts otherwise', () => {
    const text = convert([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ])
    expect(text.value).toEqual([{ role: 'user', content: 'a\nb' }])
    const withImage = convert([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          image,
          { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
        ],
      },
    ])
    expect(withImage.value[0]?.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://x/y.png' } },
    ])
  })

  it('replaces images with a placeholder without vision, and with string-only content (Ollama)', () => {
    const msgs: MessageParamT[] = [
      { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
    ]
    const expected = [{ role: 'user', content: `look\n${IMAGE_OMITTED}` }]
    expect(convert(msgs, { vision: false }).value).toEqual(expected)
    expect(convert(msgs, { stringContentOnly: true }).value).toEqual(expected)
  })

  it('replaces file images with a placeholder and a warning', () => {
    const { value, warnings } = convert([
      { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f1' } }] },
    ])
    expect(value).toEqual([
      { role: 'user', content: '[image omitted: file sources are not supported]' },
    ])
    expect(warnings).toEqual(['image with a file source replaced by a placeholder'])
  })

  it('inlines text documents and replaces PDFs with a placeholder', () => {
    const { value, warnings } = convert([
      {
        role: 'user',
        content: [
          {
            type: 'document',
            source: { type: 'text', media_type: 'text/plain', data: 'plain body' },
            title: 'a.txt',
          },
          {
            type: 'document',
            source: { type: 'content', content: [{ type: 'text', text: 'from blocks' }] },
          },
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
          },
        ],
      },
    ])
    expect(value[0]?.content).toBe(
      '[document: a.txt]\nplain body\nfrom blocks\n[document omitted: application/pdf documents are not supported]',
    )
    expect(warnings).toEqual(['document (application/pdf) replaced by a placeholder'])
  })

  it('flattens search results and drops blocks without text', () => {
    const { value, warnings } = convert([
      {
        role: 'user',
        content: [
          {
            type: 'search_result',
            source: 'https://docs',
            title: 'Docs',
            content: [{ type: 'text', text: 'Result body' }],
          },
          { type: 'container_upload', file_id: 'f' },
        ],
      },
    ])
    expect(value).toEqual([
      { role: 'user', content: '[search result: Docs https://docs]\nResult body' },
    ])
    expect(warnings).toEqual(['dropped a container_upload block'])
  })
})

describe('short tool ids (Mistral templates)', () => {
  const history: MessageParamT[] = [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [bashUse('toolu_01A09q90qw90lq917835lq9'), bashUse('toolu_02')] },
    {
      role: 'user',
      content: [result('toolu_01A09q90qw90lq917835lq9', 'a'), result('toolu_02', 'b')],
    },
  ]

  it('maps every id to 9 alphanumerics, the same in tool_calls and tool_call_id', () => {
    const { value } = convert(history, { shortToolIds: true })
    const calls = (value[1] as Extract<OpenAIMessage, { role: 'assistant' }>).tool_calls ?? []
    const ids = calls.map((c) => c.id)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{9}$/)
    expect(new Set(ids).size).toBe(2)
    expect(value.slice(2).map((m) => (m.role === 'tool' ? m.tool_call_id : ''))).toEqual(ids)
  })

  it('is deterministic across requests', () => {
    const a = JSON.stringify(convert(history, { shortToolIds: true }).value)
    const b = JSON.stringify(convert(history, { shortToolIds: true }).value)
    expect(a).toBe(b)
  })

  it('keeps ids that are already valid', () => {
    const { value } = convert(
      [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [bashUse('a1B2c3D4e')] },
        { role: 'user', content: [result('a1B2c3D4e', 'x')] },
      ],
      { shortToolIds: true },
    )
    expect(value[2]).toEqual({ role: 'tool', tool_call_id: 'a1B2c3D4e', content: 'x' })
  })
})

describe('history tool calls as text (MLX-Textgen, templates without tools)', () => {
  it('renders calls as <tool_call> text and results as <tool_response> user messages', () => {
    const { value } = convert(
      [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'text', text: 'Calling.' }, bashUse('t1')] },
        { role: 'user', content: [result('t1', 'file.txt'), { type: 'text', text: 'thanks' }] },
      ],
      { historyToolCallsAsText: true },
    )
    expect(value).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content:
          'Calling.\n<tool_call>\n{"name":"Bash","arguments":{"command":"ls"}}\n</tool_call>',
      },
      { role: 'user', content: '<tool_response>\nfile.txt\n</tool_response>\nthanks' },
    ])
  })

  it('does not synthesize results for unanswered calls', () => {
    const { value } = convert(
      [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [bashUse('t1')] },
      ],
      { historyToolCallsAsText: true },
    )
    expect(value.map((m) => m.role)).toEqual(['user', 'assistant'])
  })
})
