import { describe, expect, it } from 'vitest'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { toOpenAITools } from '../../src/translate/tools.js'
import { makeBackend } from '../helpers/backend.js'

const bash = {
  name: 'Bash',
  description: 'Run a command',
  input_schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { command: { type: 'string' } },
  },
}
const read = { name: 'Read', input_schema: { type: 'object', properties: {} }, type: 'custom' }
const webSearch = { name: 'web_search', type: 'web_search_20250305', max_uses: 5 }
const noSchema = { name: 'Broken' }

type Req = Pick<MessagesRequest, 'tools' | 'tool_choice'>
const run = (req: Req, overrides = {}) => toOpenAITools(req, makeBackend(overrides))

describe('toOpenAITools', () => {
  it('maps client tools in order with cleaned schemas, description only when given', () => {
    const { value, warnings } = run({ tools: [bash, read] })
    expect(value.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'Bash',
          description: 'Run a command',
          parameters: { type: 'object', properties: { command: { type: 'string' } } },
        },
      },
      {
        type: 'function',
        function: { name: 'Read', parameters: { type: 'object', properties: {} } },
      },
    ])
    expect(warnings).toEqual([])
  })

  it('drops server tools and tools without input_schema, with a warning', () => {
    const { value, warnings } = run({ tools: [webSearch, bash, noSchema] })
    expect(value.tools?.map((t) => t.function.name)).toEqual(['Bash'])
    expect(warnings).toEqual(['dropped server tools: web_search, Broken'])
  })

  it('sends nothing when no tool is left', () => {
    const { value, warnings } = run({
      tools: [webSearch],
      tool_choice: { type: 'tool', name: 'web_search' },
    })
    expect(value).toEqual({})
    expect(warnings).toEqual([
      'dropped server tools: web_search',
      'tool_choice tool ignored: no tools to call',
    ])
    expect(run({}).value).toEqual({})
  })

  it.each([
    [{ type: 'auto' as const }, 'auto'],
    [{ type: 'any' as const }, 'required'],
    [
      { type: 'tool' as const, name: 'Bash' },
      { type: 'function', function: { name: 'Bash' } },
    ],
  ])('maps tool_choice %j', (choice, expected) => {
    expect(run({ tools: [bash], tool_choice: choice }).value.tool_choice).toEqual(expected)
  })

  it('omits the tools entirely for tool_choice none (mlx-lm and Ollama ignore tool_choice)', () => {
    const { value, warnings } = run({ tools: [bash], tool_choice: { type: 'none' } })
    expect(value).toEqual({})
    expect(warnings).toEqual([])
  })

  it('leaves an unknown forced tool to the model, with a warning', () => {
    const { value, warnings } = run({ tools: [bash], tool_choice: { type: 'tool', name: 'Nope' } })
    expect(value).not.toHaveProperty('tool_choice')
    expect(warnings).toEqual(['tool_choice names unknown tool Nope; left to the model'])
  })

  it('omits tool_choice where the backend ignores it, warning unless it was auto', () => {
    const any = run({ tools: [bash], tool_choice: { type: 'any' } }, { toolChoice: false })
    expect(any.value).not.toHaveProperty('tool_choice')
    expect(any.warnings).toEqual(['backend test ignores tool_choice; any not enforced'])
    const auto = run({ tools: [bash], tool_choice: { type: 'auto' } }, { toolChoice: false })
    expect(auto.value).not.toHaveProperty('tool_choice')
    expect(auto.warnings).toEqual([])
  })

  it('maps disable_parallel_tool_use to parallel_tool_calls false', () => {
    const req: Req = {
      tools: [bash],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    }
    expect(run(req).value.parallel_tool_calls).toBe(false)
    expect(run(req, { parallelToolCalls: false }).value.parallel_tool_calls).toBe(false)
  })

  it('asks for parallel calls only where the backend supports them (llama.cpp defaults to off)', () => {
    expect(run({ tools: [bash] }).value.parallel_tool_calls).toBe(true)
    expect(run({ tools: [bash] }, { parallelToolCalls: false }).value).not.toHaveProperty(
      'parallel_tool_calls',
    )
  })

  it('sends no tools to a backend without tool support', () => {
    const { value, warnings } = run({ tools: [bash] }, { tools: 'none' })
    expect(value).toEqual({})
    expect(warnings).toEqual(['backend test has no tool support; 1 tools not sent'])
  })

  it('writes keys in a fixed order', () => {
    const { value } = run({ tools: [bash], tool_choice: { type: 'any' } })
    expect(Object.keys(value)).toEqual(['tools', 'tool_choice', 'parallel_tool_calls'])
  })
})
