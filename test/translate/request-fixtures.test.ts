/**
 * Every real Claude Code 2.1.197 request in test/fixtures/claude-code, translated for a backend and
 * checked field by field.
 */
import { describe, expect, it } from 'vitest'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { normalizeRequest } from '../../src/translate/normalize.js'
import type { OpenAIMessage, OpenAITool } from '../../src/translate/openai-request-types.js'
import { toOpenAIRequest } from '../../src/translate/request.js'
import { makeBackend } from '../helpers/backend.js'
import {
  CLAUDE_CODE_FIXTURES,
  loadClaudeCodeRequests,
  type RecordedRequest,
} from '../helpers/claude-code-fixtures.js'

const BILLING = 'x-anthropic-billing-header:'
const backend = makeBackend()

const all: Array<RecordedRequest & { fixture: string }> = CLAUDE_CODE_FIXTURES.flatMap((fixture) =>
  loadClaudeCodeRequests(fixture).map((r) => ({ ...r, fixture })),
)

function translate(body: MessagesRequest) {
  const normalized = normalizeRequest(body, { stripBillingHeader: true })
  const upstream = toOpenAIRequest(normalized.value, backend, {
    model: 'local-model',
    stream: true,
  })
  return {
    body: upstream.value,
    messages: upstream.value.messages as OpenAIMessage[],
    tools: (upstream.value.tools ?? []) as OpenAITool[],
    warnings: [...normalized.warnings, ...upstream.warnings],
  }
}

/** Schema keywords used anywhere, never counting the names inside a `properties` map. */
function keywords(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) keywords(s, found)
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return found
  for (const [key, value] of Object.entries(schema)) {
    found.add(key)
    if (key === 'properties' && value && typeof value === 'object')
      for (const sub of Object.values(value)) keywords(sub, found)
    else if (['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not'].includes(key))
      keywords(value, found)
  }
  return found
}

const textOf = (c: unknown): string =>
  typeof c === 'string' ? c : (c as Array<{ text?: string }>).map((b) => b.text ?? '').join('\n\n')

it('loads every recorded /v1/messages request', () => {
  expect(all.length).toBe(18)
})

describe.each(all.map((r) => [`${r.fixture} #${r.seq}`, r] as const))('%s', (_name, rec) => {
  const input = rec.body
  const out = translate(input)

  it('puts the joined system text first, without the billing block', () => {
    const system = out.messages[0]
    expect(system?.role).toBe('system')
    const blocks = (input.system as Array<{ text: string }>).filter(
      (b) => !b.text.startsWith(BILLING),
    )
    const expected = blocks.map((b) => b.text).join('\n\n')
    expect(String(system?.content).startsWith(expected)).toBe(true)
    expect(JSON.stringify(out.body)).not.toContain(BILLING)
    expect(out.messages.slice(1).every((m) => m.role !== 'system')).toBe(true)
  })

  it('joins the role:system message at index 1 into the system prompt', () => {
    const sys = input.messages[1]
    if (sys?.role !== 'system') {
      expect(input.messages.every((m) => m.role !== 'system')).toBe(true)
      return
    }
    expect(String(out.messages[0]?.content).endsWith(`\n\n${textOf(sys.content)}`)).toBe(true)
  })

  it('sends every client tool in order with cleaned schemas', () => {
    const expected = (input.tools ?? []).filter((t) => t.input_schema).map((t) => t.name)
    expect(out.tools.map((t) => t.function.name)).toEqual(expected)
    if (expected.length === 0) expect(out.body).not.toHaveProperty('tools')
    for (const tool of out.tools) {
      const used = keywords(tool.function.parameters)
      for (const k of ['$schema', 'propertyNames', 'format', 'exclusiveMinimum']) {
        expect(used.has(k), `${tool.function.name} keeps ${k}`).toBe(false)
      }
      expect(tool.function.parameters.type).toBe('object')
      expect(tool.function.parameters).toHaveProperty('properties')
    }
  })

  it('keeps property names that look like keywords', () => {
    for (const tool of out.tools) {
      const original = input.tools?.find((t) => t.name === tool.function.name)
      const names = Object.keys((original?.input_schema?.properties ?? {}) as object)
      expect(Object.keys(tool.function.parameters.properties as object)).toEqual(names)
    }
  })

  it('answers each assistant tool call with tool messages right after it', () => {
    out.messages.forEach((m, i) => {
      if (m.role !== 'assistant' || !m.tool_calls) return
      const ids = m.tool_calls.map((c) => c.id)
      const following = out.messages.slice(i + 1, i + 1 + ids.length)
      expect(following.map((t) => (t.role === 'tool' ? t.tool_call_id : t.role))).toEqual(ids)
      for (const call of m.tool_calls)
        expect(() => JSON.parse(call.function.arguments)).not.toThrow()
    })
    const toolMessages = out.messages.filter((m) => m.role === 'tool').length
    const results = input.messages.flatMap((m) =>
      typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result'),
    ).length
    expect(toolMessages).toBe(results)
  })

  it('sets model, max_tokens, streaming usage and thinking; drops Anthropic-only fields', () => {
    expect(out.body.model).toBe('local-model')
    expect(out.body.max_tokens).toBe(input.max_tokens)
    expect(out.body.stream).toBe(true)
    expect(out.body.stream_options).toEqual({ include_usage: true })
    expect(out.body.chat_template_kwargs).toEqual({
      enable_thinking: input.thinking?.type !== 'disabled',
    })
    const json = JSON.stringify(out.body)
    expect(json).not.toContain('cache_control')
    for (const k of ['metadata', 'context_management', 'output_config', 'thinking', 'system'])
      expect(out.body).not.toHaveProperty(k)
  })

  it('maps the structured-output title request to response_format', () => {
    const format = input.output_config?.format
    if (!format) {
      expect(out.body).not.toHaveProperty('response_format')
      return
    }
    expect(out.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema },
    })
  })

  it('translates without warnings', () => {
    expect(out.warnings).toEqual([])
  })
})
