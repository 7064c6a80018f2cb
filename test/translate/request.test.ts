import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { toOpenAIRequest } from '../../src/translate/request.js'
import { makeBackend } from '../helpers/backend.js'

const base: MessagesRequest = {
  model: 'claude-opus-4-8',
  max_tokens: 32000,
  messages: [{ role: 'user', content: 'hi' }],
}
const bash = { name: 'Bash', input_schema: { type: 'object', properties: {} } }

const build = (
  req: Partial<MessagesRequest> = {},
  overrides: Partial<Backend> = {},
  opts: { stream?: boolean; maxTokens?: number } = {},
) =>
  toOpenAIRequest({ ...base, ...req }, makeBackend(overrides), {
    model: 'qwen3-coder',
    stream: opts.stream ?? true,
    ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
  })

describe('toOpenAIRequest', () => {
  it('builds the body in a fixed key order with the caller-resolved model', () => {
    const { value, warnings } = build({
      tools: [bash],
      system: 'S',
      thinking: { type: 'adaptive' },
    })
    expect(Object.keys(value)).toEqual([
      'model',
      'messages',
      'tools',
      'parallel_tool_calls',
      'max_tokens',
      'stream',
      'stream_options',
      'chat_template_kwargs',
    ])
    expect(value.model).toBe('qwen3-coder')
    expect(value.messages).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'hi' },
    ])
    expect(warnings).toEqual([])
  })

  it('drops Anthropic-only fields', () => {
    const { value } = build({
      metadata: { user_id: '{"device_id":"x"}' },
      context_management: { edits: [] },
      output_config: { effort: 'high' },
      service_tier: 'auto',
      cache_control: { type: 'ephemeral' },
    } as Partial<MessagesRequest>)
    for (const key of [
      'metadata',
      'context_management',
      'output_config',
      'service_tier',
      'cache_control',
    ])
      expect(value).not.toHaveProperty(key)
  })

  it('takes the smallest of the request, caller and backend max_tokens', () => {
    expect(build().value.max_tokens).toBe(32000)
    expect(build({}, {}, { maxTokens: 8000 }).value.max_tokens).toBe(8000)
    expect(build({}, { maxTokens: 4096 }, { maxTokens: 8000 }).value.max_tokens).toBe(4096)
    expect(build({ max_tokens: 1 }, { maxTokens: 4096 }).value.max_tokens).toBe(1)
  })

  it('sends max_tokens 0 (cache pre-warm) as 1, with a warning', () => {
    const { value, warnings } = build({ max_tokens: 0 })
    expect(value.max_tokens).toBe(1)
    expect(warnings).toEqual(['max_tokens 0 sent as 1'])
  })

  it.each([
    ['max_tokens', { max_tokens: 32000 }],
    ['max_completion_tokens', { max_completion_tokens: 32000 }],
    ['both', { max_tokens: 32000, max_completion_tokens: 32000 }],
  ] as const)('writes the %s field(s)', (field, expected) => {
    const { value } = build({}, { maxTokensField: field })
    expect({
      ...(value.max_tokens !== undefined ? { max_tokens: value.max_tokens } : {}),
      ...(value.max_completion_tokens !== undefined
        ? { max_completion_tokens: value.max_completion_tokens }
        : {}),
    }).toEqual(expected)
  })

  it('asks for usage only when streaming', () => {
    const streaming = build().value
    expect(streaming.stream).toBe(true)
    expect(streaming.stream_options).toEqual({ include_usage: true })
    const plain = build({}, {}, { stream: false }).value
    expect(plain.stream).toBe(false)
    expect(plain).not.toHaveProperty('stream_options')
  })

  it('uses the request sampling, else the backend defaults, else nothing', () => {
    expect(build()).not.toHaveProperty('value.temperature')
    const defaults = { sampling: { temperature: 0.7, top_p: 0.8, top_k: 20 } }
    const fromBackend = build({}, defaults).value
    expect([fromBackend.temperature, fromBackend.top_p, fromBackend.top_k]).toEqual([0.7, 0.8, 20])
    const fromRequest = build({ temperature: 1, top_p: 0.5, top_k: 5 }, defaults).value
    expect([fromRequest.temperature, fromRequest.top_p, fromRequest.top_k]).toEqual([1, 0.5, 5])
  })

  it('maps stop_sequences to stop', () => {
    expect(build({ stop_sequences: ['END'] }).value.stop).toEqual(['END'])
    expect(build({ stop_sequences: [] }).value).not.toHaveProperty('stop')
  })

  it('omits tools for tool_choice none', () => {
    const { value } = build({ tools: [bash], tool_choice: { type: 'none' } })
    expect(value).not.toHaveProperty('tools')
    expect(value).not.toHaveProperty('tool_choice')
  })
})

describe('thinking', () => {
  it.each([
    ['enabled', 'chat_template_kwargs', { chat_template_kwargs: { enable_thinking: true } }],
    ['adaptive', 'chat_template_kwargs', { chat_template_kwargs: { enable_thinking: true } }],
    ['disabled', 'chat_template_kwargs', { chat_template_kwargs: { enable_thinking: false } }],
    ['enabled', 'reasoning_effort', { reasoning_effort: 'medium' }],
    ['adaptive', 'reasoning_effort', { reasoning_effort: 'medium' }],
    ['disabled', 'reasoning_effort', { reasoning_effort: 'none' }],
    ['enabled', 'none', {}],
    ['disabled', 'none', {}],
  ] as const)('%s with a %s backend', (type, toggle, expected) => {
    const { value } = build({ thinking: { type, budget_tokens: 2048 } }, { thinking: toggle })
    const got = Object.fromEntries(
      Object.entries(value).filter(
        ([k]) => k === 'chat_template_kwargs' || k === 'reasoning_effort',
      ),
    )
    expect(got).toEqual(expected)
  })

  it('leaves thinking to the backend when absent or unknown', () => {
    expect(build().value).not.toHaveProperty('chat_template_kwargs')
    const odd = build({ thinking: { type: 'sometimes' } })
    expect(odd.value).not.toHaveProperty('chat_template_kwargs')
    expect(odd.warnings).toEqual(['thinking type sometimes not understood; left to the backend'])
  })
})

describe('structured output', () => {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { title: { type: 'string', maxLength: 100000 } },
    required: ['title'],
    additionalProperties: false,
  }
  const format = { output_config: { effort: 'high', format: { type: 'json_schema', schema } } }

  it('becomes response_format with a cleaned schema', () => {
    expect(build(format).value.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'output',
        schema: {
          type: 'object',
          properties: { title: { type: 'string' } },
          required: ['title'],
          additionalProperties: false,
        },
      },
    })
  })

  it('is only a warning where the backend has none', () => {
    const { value, warnings } = build(format, { structuredOutput: false })
    expect(value).not.toHaveProperty('response_format')
    expect(warnings).toEqual([
      'backend test has no structured output; output_config.format ignored',
    ])
  })

  it('ignores other formats with a warning', () => {
    const { value, warnings } = build({ output_config: { format: { type: 'grammar' } } })
    expect(value).not.toHaveProperty('response_format')
    expect(warnings).toEqual(['output_config.format grammar not supported; ignored'])
  })
})

it('is byte-stable: the same request gives the same JSON', () => {
  const req = { tools: [bash], system: 'S', thinking: { type: 'adaptive' } }
  expect(JSON.stringify(build(req).value)).toBe(JSON.stringify(build(req).value))
})
