/** Tests of tool-call argument repair: JSON syntax, schema coercion, and what cannot be repaired. */
import { describe, expect, it } from 'vitest'
import { isCompleteJsonObject, repairToolArguments } from '../../src/toolcalls/repair.js'

const bash = {
  type: 'object',
  properties: {
    command: { type: 'string' },
    timeout: { type: 'number' },
    run_in_background: { type: 'boolean' },
  },
  required: ['command'],
  additionalProperties: false,
}

describe('repairToolArguments: syntax', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['trailing text after the object', '{"command": "ls"} and then I will', { command: 'ls' }],
    ['a stray closing tag', '{"command": "ls"}\n</tool_call>', { command: 'ls' }],
    ['an extra closing brace', '{"command": "ls"}}', { command: 'ls' }],
    ['a missing closing brace', '{"command": "ls -la"', { command: 'ls -la' }],
    ['a trailing comma', '{"command": "ls", "timeout": 5,}', { command: 'ls', timeout: 5 }],
    ['single quotes', "{'command': 'ls'}", { command: 'ls' }],
    [
      'Python literals',
      "{'command': 'ls', 'run_in_background': True, 'timeout': None}",
      { command: 'ls', run_in_background: true, timeout: null },
    ],
    ['double-encoded arguments', JSON.stringify('{"command": "ls"}'), { command: 'ls' }],
    ['an array of one object', '[{"command": "ls"}]', { command: 'ls' }],
  ]
  for (const [name, raw, input] of cases) {
    it(name, () => {
      const r = repairToolArguments(raw, undefined)
      expect(r.input).toEqual(input)
      expect(r.ok).toBe(true)
      expect(r.repaired).toBe(true)
      expect(r.notes.length).toBeGreaterThan(0)
    })
  }

  it('leaves valid JSON alone', () => {
    expect(repairToolArguments('{"command": "ls"}', bash)).toEqual({
      input: { command: 'ls' },
      ok: true,
      repaired: false,
      notes: [],
    })
  })

  it('takes an empty string or undefined as no arguments', () => {
    expect(repairToolArguments('', undefined)).toMatchObject({
      input: {},
      ok: true,
      repaired: false,
    })
    expect(repairToolArguments(undefined, undefined)).toMatchObject({ input: {}, ok: true })
  })

  it('notes a truncated object it closed', () => {
    const r = repairToolArguments('{"command": "echo hel', bash)
    expect(r.input).toEqual({ command: 'echo hel' })
    expect(r.notes.join(' ')).toMatch(/cut off/)
  })

  it('does not change an object it is given', () => {
    const raw = { command: 'ls', timeout: '5' }
    const r = repairToolArguments(raw, bash)
    expect(r.input).toEqual({ command: 'ls', timeout: 5 })
    expect(raw.timeout).toBe('5')
  })
})

describe('repairToolArguments: schema coercion (Qwen3-Coder string values)', () => {
  const schema = {
    type: 'object',
    properties: {
      count: { type: 'integer' },
      ratio: { type: 'number' },
      flag: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string' } },
      ids: { type: 'array', items: { type: 'integer' } },
      options: { type: 'object', properties: { depth: { type: 'integer' } } },
      name: { type: 'string' },
      limit: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    },
  }

  it('coerces numbers, booleans, arrays and objects given as strings', () => {
    const r = repairToolArguments(
      JSON.stringify({
        count: '5',
        ratio: '0.5',
        flag: 'true',
        tags: '["a"]',
        ids: "['1', 2]",
        options: '{"depth": "3"}',
        name: '42',
        limit: 'null',
      }),
      schema,
    )
    expect(r.input).toEqual({
      count: 5,
      ratio: 0.5,
      flag: true,
      tags: ['a'],
      ids: [1, 2],
      options: { depth: 3 },
      name: '42',
      limit: null,
    })
    expect(r.ok).toBe(true)
    expect(r.repaired).toBe(true)
  })

  it('accepts Python booleans and wraps a lone value where an array is expected', () => {
    const r = repairToolArguments('{"flag": "False", "tags": "only"}', schema)
    expect(r.input).toEqual({ flag: false, tags: ['only'] })
    expect(r.ok).toBe(true)
  })

  it('reports values that cannot be coerced', () => {
    const r = repairToolArguments('{"count": "five"}', schema)
    expect(r.input).toEqual({ count: 'five' })
    expect(r.ok).toBe(false)
    expect(r.notes.join(' ')).toMatch(/count must be integer/)
  })

  it('reports a missing required property', () => {
    const r = repairToolArguments('{"timeout": 3}', bash)
    expect(r.ok).toBe(false)
    expect(r.repaired).toBe(false)
    expect(r.notes.join(' ')).toMatch(/command/)
  })
})

describe('repairToolArguments: what cannot be repaired', () => {
  const cases: [string, string | Record<string, unknown>][] = [
    ['prose', 'I will run ls now'],
    ['an array', '[1, 2]'],
    ['a string', '"ls"'],
    ['a number', '42'],
    ['garbage', '}{::'],
  ]
  for (const [name, raw] of cases) {
    it(name, () => {
      const r = repairToolArguments(raw, bash)
      expect(r.input).toEqual({})
      expect(r.ok).toBe(false)
      expect(r.notes.length).toBeGreaterThan(0)
    })
  }
})

describe('repairToolArguments: schemas from the wild', () => {
  it('handles draft 2020-12 and draft-07 $schema, unknown formats and keywords', () => {
    for (const $schema of [
      'https://json-schema.org/draft/2020-12/schema',
      'http://json-schema.org/draft-07/schema#',
      'http://json-schema.org/draft-04/schema#',
    ]) {
      const schema = {
        $schema,
        $id: 'https://example.com/tool',
        type: 'object',
        properties: { url: { type: 'string', format: 'uri-whatever' }, n: { type: 'integer' } },
        'x-vendor': true,
      }
      const r = repairToolArguments('{"url": "not a uri", "n": "2"}', schema)
      expect(r.input).toEqual({ url: 'not a uri', n: 2 })
      expect(r.ok).toBe(true)
      // The same schema, compiled again as a new object (each request re-parses its tools).
      expect(repairToolArguments('{"n": "3"}', structuredClone(schema)).input).toEqual({ n: 3 })
    }
  })

  it('does not throw on a schema Ajv cannot compile', () => {
    const r = repairToolArguments('{"a": 1}', { type: 'object', $ref: '#/nowhere' })
    expect(r.input).toEqual({ a: 1 })
    expect(r.ok).toBe(true)
    expect(r.notes.join(' ')).toMatch(/not validated/)
  })
})

describe('isCompleteJsonObject', () => {
  it('tells complete objects from truncated ones', () => {
    expect(isCompleteJsonObject(' {"a": {"b": "}"}} ')).toBe(true)
    expect(isCompleteJsonObject('{"a": "x')).toBe(false)
    expect(isCompleteJsonObject('{"a": 1} x')).toBe(false)
    expect(isCompleteJsonObject('[1]')).toBe(false)
  })
})

describe('repairToolArguments: syntax and trailing text together', () => {
  it('repairs single quotes and drops the prose after them', () => {
    const r = repairToolArguments("{'command': 'ls'} and that is it", bash)
    expect(r.input).toEqual({ command: 'ls' })
    expect(r.ok).toBe(true)
    expect(r.notes.join(' ')).toMatch(/dropped text/)
  })
})
