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

  it('stands for random bytes exactly, or declines: never a different JSON (property)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
    const outcome = (text: string) => {
      try {
        return { value: JSON.parse(text) as unknown }
      } catch {
        return { error: true }
      }
    }
    // Random bytes at random offsets, weighted towards JSON-ish ASCII, backslashes and quotes.
    const byte = fc.oneof(
      fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x3a, 0x2c, 0x61, 0x75),
      fc.integer({ min: 0, max: 255 }),
    )
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 64 }), fc.nat({ max: 7 }), (list, offset) => {
        const buffer = new Uint8Array(offset + list.length)
        buffer.set(list, offset)
        const bytes = buffer.subarray(offset)
        let valid = true
        let plain = ''
        try {
          plain = fatal.decode(bytes)
        } catch {
          valid = false
        }
        const text = asciiJson(bytes, dec)
        if (!valid) expect(text).toBeUndefined()
        else if (text !== undefined) expect(outcome(text)).toEqual(outcome(plain))
      }),
      { numRuns: 5000, seed: 9 },
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

  it('declines a backslash escaping a non-ASCII character (invalid JSON), not two of them', () => {
    expect(asciiJson(enc.encode('{"a":"\\é"}'), dec)).toBeUndefined()
    expect(asciiJson(enc.encode('{"a":"\\\\\\é"}'), dec)).toBeUndefined()
    const two = asciiJson(enc.encode('{"a":"\\\\é"}'), dec)!
    expect(JSON.parse(two)).toEqual({ a: '\\é' })
  })

  it('reads views too short for one aligned word, at every offset', () => {
    const base = new Uint8Array(16).fill(0x61)
    for (let offset = 0; offset < 8; offset++)
      for (let length = 0; length < 8; length++)
        expect(asciiJson(base.subarray(offset, offset + length), dec)).toBe('a'.repeat(length))
    const accented = enc.encode('"é"')
    const buffer = new Uint8Array(8)
    buffer.set(accented, 1)
    expect(JSON.parse(asciiJson(buffer.subarray(1, 1 + accented.length), dec)!)).toBe('é')
  })
})
