/**
 * Issue 4's end-to-end check: a backend that answers only in text-format tool calls (mlx-lm with
 * a template it does not recognise) still gives Claude Code real tool use, through the server.
 */
import type Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'vitest'
import { sdkClient, testApp } from '../helpers/app.js'
import type { FakeCall } from '../helpers/fake-openai.js'
import { textChunks } from '../helpers/fake-openai.js'

const TOOLS: Anthropic.Tool[] = [
  {
    name: 'Read',
    description: 'Read a file',
    input_schema: {
      type: 'object' as const,
      properties: { file_path: { type: 'string' }, limit: { type: 'integer' } },
      required: ['file_path'],
    },
  },
  {
    name: 'Bash',
    description: 'Run a command',
    input_schema: {
      type: 'object' as const,
      properties: { command: { type: 'string' } },
      required: ['command'],
    },
  },
]

const FORMATS = {
  'qwen3-coder': [
    'I will read it.\n<tool_call>\n<function=Read>\n<parameter=file_path>\n/tmp/notes.txt\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>',
  ],
  hermes: [
    '<think>The user wants the file.</think>\n',
    '<tool_',
    'call>\n{"name": "Read", "arguments": {"file_path": "/tmp/notes.txt", "limit": "20"}}\n</tool_call>',
  ],
} as const

/** Answers like a model whose calls the server did not parse: markup in `content`. */
const textOnlyModel = (pieces: readonly string[]) => (call: FakeCall) => {
  const messages = call.body.messages as { role: string; content: unknown }[]
  const last = messages.at(-1)!
  if (last.role === 'tool')
    return { chunks: textChunks([`The file says: ${String(last.content)}`]) }
  // The content arrives in small pieces, as a stream would cut it.
  const text = pieces.join('')
  const split: string[] = []
  for (let i = 0; i < text.length; i += 3) split.push(text.slice(i, i + 3))
  return { chunks: textChunks(split) }
}

describe('text-format tool calls through the server', () => {
  for (const [format, pieces] of Object.entries(FORMATS)) {
    it(`${format}: tool_use emitted, tool_result sent back, final answer`, async () => {
      const { app, fetch } = testApp(textOnlyModel(pieces), {
        backends: [{ name: 'mlx-lm', kind: 'mlx-lm', url: 'http://mlx.local/v1' }],
      })
      const client = sdkClient(app)
      const first = await client.messages
        .stream({
          model: 'local',
          max_tokens: 1000,
          tools: TOOLS,
          messages: [{ role: 'user', content: 'read /tmp/notes.txt' }],
        })
        .finalMessage()
      expect(first.stop_reason).toBe('tool_use')
      const toolUse = first.content.find((b) => b.type === 'tool_use')
      // Qwen3-Coder's string "20" and Hermes' "20" are coerced to the schema's integer.
      expect(toolUse).toMatchObject({
        type: 'tool_use',
        name: 'Read',
        input: { file_path: '/tmp/notes.txt', limit: 20 },
      })
      expect(first.content.some((b) => b.type === 'text' && b.text.includes('<tool_call>'))).toBe(
        false,
      )
      if (format === 'hermes')
        expect(first.content[0]).toMatchObject({
          type: 'thinking',
          thinking: 'The user wants the file.',
        })

      const second = await client.messages
        .stream({
          model: 'local',
          max_tokens: 1000,
          tools: TOOLS,
          messages: [
            { role: 'user', content: 'read /tmp/notes.txt' },
            {
              role: 'assistant',
              content: first.content.filter(
                (b) => b.type !== 'thinking',
              ) as Anthropic.ContentBlockParam[],
            },
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '',
                  content: 'hello world',
                },
              ],
            },
          ],
        })
        .finalMessage()
      // The backend received the result as an OpenAI tool message right after the call.
      const sent = fetch.calls[1]!.body.messages as {
        role: string
        tool_calls?: { id: string }[]
        tool_call_id?: string
      }[]
      const assistant = sent.findIndex((m) => m.role === 'assistant')
      expect(sent[assistant + 1]).toMatchObject({
        role: 'tool',
        tool_call_id: sent[assistant]!.tool_calls![0]!.id,
        content: 'hello world',
      })
      expect(second.content).toEqual([
        expect.objectContaining({ type: 'text', text: 'The file says: hello world' }),
      ])
      expect(second.stop_reason).toBe('end_turn')
    })
  }

  it('a call of a tool the request did not declare stays text', async () => {
    const { app } = testApp(
      textOnlyModel(['<tool_call>\n{"name": "rm_rf", "arguments": {}}\n</tool_call>']),
      { backends: [{ name: 'mlx-lm', kind: 'mlx-lm', url: 'http://mlx.local/v1' }] },
    )
    const client = sdkClient(app)
    const msg = await client.messages
      .stream({
        model: 'local',
        max_tokens: 100,
        tools: TOOLS,
        messages: [{ role: 'user', content: 'x' }],
      })
      .finalMessage()
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: expect.stringContaining('rm_rf') }),
    ])
  })
})

describe('a template that opens <think> itself (thinkOpen)', () => {
  it('the answer before </think> streams as thinking, the rest as text', async () => {
    const pieces = ['The user', ' greets me.', '</th', 'ink>\n\nHello', ' there!']
    const { app } = testApp(() => ({ chunks: textChunks(pieces) }), {
      backends: [{ name: 'q', kind: 'llamacpp', url: 'http://q.local/v1', thinkOpen: true }],
    })
    const client = sdkClient(app)
    const msg = await client.messages
      .stream({ model: 'local', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'The user greets me.' }),
      expect.objectContaining({ type: 'text', text: expect.stringMatching(/^\s*Hello there!$/) }),
    ])
  })
})
