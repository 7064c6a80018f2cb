import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeJson } from '../../src/translate/encode-json.js'
import { loadClaudeCodeRequests } from '../helpers/claude-code-fixtures.js'

const reference = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

describe('encodeJson', () => {
  it('gives exactly the bytes of JSON.stringify for recorded Claude Code requests', () => {
    for (const r of loadClaudeCodeRequests('07-tui-interactive'))
      expect(encodeJson(r.body as Record<string, unknown>)).toEqual(reference(r.body))
  })

  it('gives exactly the bytes of JSON.stringify for any JSON object (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        expect(encodeJson(obj)).toEqual(reference(obj))
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it('skips undefined properties and writes undefined array items as null, as JSON.stringify', () => {
    const v = { a: undefined, b: [1, undefined, 'é'], c: {} }
    expect(new TextDecoder().decode(encodeJson(v))).toBe(JSON.stringify(v))
    expect(new TextDecoder().decode(encodeJson({}))).toBe('{}')
  })
})
