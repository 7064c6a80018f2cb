import { describe, expect, it } from 'vitest'
import { cleanSchema } from '../../src/translate/schema-clean.js'

const deepFreeze = <T>(o: T): T => {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

/** Claude Code 2.0.77's Grep tool: properties named like keywords. */
const grep = () =>
  deepFreeze({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      pattern: { type: 'string', description: 'The regular expression' },
      format: { type: 'string' },
      '-A': { type: 'number' },
      '-i': { type: 'boolean' },
      $schema: { type: 'string' },
    },
    required: ['pattern'],
    additionalProperties: false,
  })

describe('cleanSchema', () => {
  it('removes annotation keywords and keeps property names that look like keywords', () => {
    expect(cleanSchema(grep())).toEqual({
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'The regular expression' },
        format: { type: 'string' },
        '-A': { type: 'number' },
        '-i': { type: 'boolean' },
        $schema: { type: 'string' },
      },
      required: ['pattern'],
      additionalProperties: false,
    })
  })

  it('removes $id, $comment, examples, format, propertyNames and exclusive bounds', () => {
    const out = cleanSchema({
      type: 'object',
      $id: 'x',
      $comment: 'c',
      properties: {
        url: { type: 'string', format: 'uri', examples: ['https://a'] },
        limit: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10 },
        answers: {
          type: 'object',
          propertyNames: { type: 'string' },
          additionalProperties: { type: 'string' },
        },
      },
    })
    expect(out).toEqual({
      type: 'object',
      properties: {
        url: { type: 'string' },
        limit: { type: 'integer' },
        answers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    })
  })

  it('keeps anchored patterns only (llama.cpp GBNF)', () => {
    const out = cleanSchema({
      type: 'object',
      properties: {
        a: { type: 'string', pattern: '^wf_[a-z0-9-]{6,}$' },
        b: { type: 'string', pattern: '[a-z]+' },
        c: { type: 'string', pattern: '^abc\\$' },
      },
    })
    expect(out.properties).toEqual({
      a: { type: 'string', pattern: '^wf_[a-z0-9-]{6,}$' },
      b: { type: 'string' },
      c: { type: 'string' },
    })
  })

  it('drops big length bounds and 53-bit ranges, keeps small ones', () => {
    const out = cleanSchema({
      type: 'object',
      properties: {
        script: { type: 'string', maxLength: 524288, minLength: 1 },
        summary: { type: 'string', maxLength: 200 },
        list: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 4 },
        many: { type: 'array', maxItems: 100000 },
        offset: { type: 'integer', minimum: 0, maximum: 9007199254740991 },
        line: { type: 'integer', minimum: -9007199254740991 },
        timeout: { type: 'number', maximum: 600000, default: 30000 },
      },
    })
    expect(out.properties).toEqual({
      script: { type: 'string', minLength: 1 },
      summary: { type: 'string', maxLength: 200 },
      list: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 4 },
      many: { type: 'array' },
      offset: { type: 'integer', minimum: 0 },
      line: { type: 'integer' },
      timeout: { type: 'number', maximum: 600000, default: 30000 },
    })
  })

  it('walks anyOf, items, additionalProperties and tuple items', () => {
    const out = cleanSchema({
      type: 'object',
      properties: {
        status: {
          anyOf: [
            { type: 'string', format: 'date' },
            { const: 'deleted', $comment: 'x' },
          ],
        },
        rows: { type: 'array', items: { type: 'object', properties: { u: { format: 'uri' } } } },
        map: { type: 'object', additionalProperties: { type: 'string', format: 'email' } },
        pair: { type: 'array', items: [{ type: 'string', format: 'uuid' }, { type: 'number' }] },
      },
    })
    expect(out.properties).toEqual({
      status: { anyOf: [{ type: 'string' }, { const: 'deleted' }] },
      rows: { type: 'array', items: { type: 'object', properties: { u: {} } } },
      map: { type: 'object', additionalProperties: { type: 'string' } },
      pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
    })
  })

  it('leaves data keywords alone (enum, const, default, required)', () => {
    const schema = {
      type: 'object',
      properties: { mode: { type: 'string', enum: ['format', 'pattern'], default: 'format' } },
      required: ['mode'],
    }
    expect(cleanSchema(schema)).toEqual(schema)
  })

  it('inlines $ref to $defs and definitions, then drops them', () => {
    const out = cleanSchema({
      type: 'object',
      $defs: { Point: { type: 'object', properties: { x: { type: 'number' } }, $comment: 'p' } },
      definitions: { Name: { type: 'string', format: 'hostname' } },
      properties: {
        at: { $ref: '#/$defs/Point' },
        name: { $ref: '#/definitions/Name', description: 'host' },
      },
    })
    expect(out).toEqual({
      type: 'object',
      properties: {
        at: { type: 'object', properties: { x: { type: 'number' } } },
        name: { type: 'string', description: 'host' },
      },
    })
  })

  it('leaves recursive refs as {} and drops unresolvable ones', () => {
    const out = cleanSchema({
      type: 'object',
      $defs: {
        Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } },
      },
      properties: {
        tree: { $ref: '#/$defs/Node' },
        self: { $ref: '#' },
        remote: { $ref: 'https://example.com/s.json', description: 'r' },
      },
    })
    expect(out.properties).toEqual({
      tree: { type: 'object', properties: { child: {} } },
      self: {},
      remote: { description: 'r' },
    })
  })

  it('ensures a top-level object with properties', () => {
    expect(cleanSchema({})).toEqual({ type: 'object', properties: {} })
    expect(cleanSchema({ properties: { a: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    })
    expect(cleanSchema({ type: 'object', required: [] })).toEqual({
      type: 'object',
      required: [],
      properties: {},
    })
    expect(cleanSchema(undefined)).toEqual({ type: 'object', properties: {} })
  })

  it('keeps the input key order', () => {
    const out = cleanSchema({
      required: ['a'],
      $schema: 'x',
      properties: { b: {}, a: {} },
      type: 'object',
    })
    expect(Object.keys(out)).toEqual(['required', 'properties', 'type'])
    expect(Object.keys(out.properties as object)).toEqual(['b', 'a'])
  })

  it('does not mutate its input and memoizes by identity', () => {
    const schema = grep()
    const before = JSON.stringify(schema)
    const first = cleanSchema(schema)
    expect(JSON.stringify(schema)).toBe(before)
    expect(cleanSchema(schema)).toBe(first)
    expect(cleanSchema(grep())).not.toBe(first)
    expect(cleanSchema(grep())).toEqual(first)
  })
})
