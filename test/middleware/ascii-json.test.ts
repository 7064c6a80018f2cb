import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { asciiJson } from '../../src/middleware/ascii-json.js'
import { loadClaudeCodeRequests } from '../helpers/claude-code-fixtures.js'

const dec = new TextDecoder()
const enc = new TextEncoder()

describe('asciiJson', () => {
  it('parses to the same value as the UTF-8 text, on recorded Claude Code requests', () => {
    for (const r of loadClaudeCodeRequests('07-tui-interactive')) {
      const bytes = enc.encode(JSON.stringify(r.body))
      const text = asciiJson(bytes, dec)!
      expect(/^[\x00-\x7f]*$/.test(text)).toBe(true)
      expect(JSON.parse(text)).toEqual(JSON.parse(dec.decode(bytes)))
    }
  })

  it('parses to the same value for any JSON with any characters (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
        const bytes = enc.encode(JSON.stringify({ v, s }))
        expect(JSON.parse(asciiJson(bytes, dec)!)).toEqual({ v, s })
      }),
      { numRuns: 500, seed: 5 },
    )
  })

  it('reads bytes that start anywhere in their buffer (the scan goes four bytes at a time)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 7 }),
        (s, before, after) => {
          const json = enc.encode(JSON.stringify({ s, pad: 'x'.repeat(before + after) }))
          const buffer = new Uint8Array(before + json.length + after).fill(0xff)
          buffer.set(json, before)
          const view = buffer.subarray(before, before + json.length)
          expect(JSON.parse(asciiJson(view, dec)!)).toEqual({ s, pad: 'x'.repeat(before + after) })
        },
      ),
      { numRuns: 1000, seed: 11 },
    )
  })

  it('refuses exactly what a fatal decoder refuses (property over random bytes)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let valid = true
        try {
          fatal.decode(bytes)
        } catch {
          valid = false
        }
        expect(asciiJson(bytes, dec) !== undefined).toBe(valid)
      }),
      { numRuns: 3000, seed: 9 },
    )
    for (const bad of [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
      [0xe2, 0x82],
    ])
      expect(asciiJson(new Uint8Array(bad), dec)).toBeUndefined()
  })
})
