import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { scanJson } from '../../src/middleware/json-scan.js'

/** Nesting depth by walking the parsed value (the reference). */
const depthOf = (v: unknown): number =>
  typeof v === 'object' && v !== null
    ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
    : 0

const utf8 = new TextEncoder()
/** The scan of a text's UTF-8 bytes (ranges are byte offsets). */
const scanText = (
  text: string,
  ...rest: Parameters<typeof scanJson> extends [unknown, ...infer R] ? R : never
) => scanJson(utf8.encode(text), ...rest)
/** The text between two byte offsets. */
const sl = (text: string, start: number, end?: number) =>
  new TextDecoder().decode(utf8.encode(text).subarray(start, end))

describe('scanJson', () => {
  it('measures the nesting depth of any JSON, compact or indented (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => {
        const text = pretty ? JSON.stringify(v, null, 2) : JSON.stringify(v)
        expect(scanText(text, 1000).depth).toBe(depthOf(v))
      }),
      { numRuns: 1000, seed: 3 },
    )
  })

  it('stops counting past the limit', () => {
    const deep = `${'['.repeat(50)}${']'.repeat(50)}`
    expect(scanText(deep, 10).depth).toBe(11)
  })

  it('locates a top-level value exactly, wherever the key stands (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }),
        fc.jsonValue(),
        fc.nat(),
        fc.boolean(),
        (rest, tools, at, pretty) => {
          const entries = Object.entries(rest).filter(([k]) => k !== 'tools')
          entries.splice(at % (entries.length + 1), 0, ['tools', tools])
          const object = Object.fromEntries(entries)
          const text = pretty ? JSON.stringify(object, null, 2) : JSON.stringify(object)
          const range = scanText(text, 1000, ['tools']).values.get('tools')
          const escaped = Object.keys(object).some((k) => JSON.stringify(k).includes('\\'))
          if (escaped) expect(range).toBeUndefined()
          else {
            expect(range).toBeDefined()
            const [start, end] = range!
            expect(JSON.parse(sl(text, start, end))).toEqual(JSON.parse(JSON.stringify(tools)))
            // Replacing exactly that text replaces exactly that value.
            const spliced = JSON.parse(`${sl(text, 0, start)}null${sl(text, end)}`)
            expect(Object.keys(spliced)).toEqual(Object.keys(object))
            expect(spliced.tools).toBeNull()
          }
        },
      ),
      { numRuns: 1000, seed: 4 },
    )
  })

  it('locates each element of a chosen top-level array exactly (property)', () => {
    fc.assert(
      fc.property(
        // Any characters: ranges are byte offsets, and multi-byte UTF-8 must not shift them.
        fc.array(fc.jsonValue({ stringUnit: 'binary' }), { maxLength: 6 }),
        fc.jsonValue({ stringUnit: 'grapheme' }),
        fc.boolean(),
        (messages, other, pretty) => {
          const object = { a: other, messages, z: [other] }
          const text = pretty ? JSON.stringify(object, null, 2) : JSON.stringify(object)
          const scan = scanText(text, 1000, ['messages'], ['messages'])
          const ranges = scan.items.get('messages')!
          expect(ranges.map(([s, e]) => JSON.parse(sl(text, s, e)))).toEqual(
            JSON.parse(JSON.stringify(messages)),
          )
        },
      ),
      { numRuns: 1000, seed: 5 },
    )
  })

  it('locates no elements when the value is not an array, or the key is not chosen for them', () => {
    expect(scanText('{"messages":{"a":[1,2]}}', 100, ['messages'], ['messages']).items.size).toBe(0)
    expect(scanText('{"messages":[1,2]}', 100, ['messages']).items.size).toBe(0)
    expect(
      scanText('{"messages":[]}', 100, ['messages'], ['messages']).items.get('messages'),
    ).toEqual([])
  })

  it('does not take a nested key, a key in a string, or an array root for a top-level key', () => {
    const nested = JSON.stringify({ messages: [{ tools: [1] }], note: '"tools": [2]' })
    expect(scanText(nested, 100, ['tools']).values.size).toBe(0)
    expect(scanText(JSON.stringify([{ tools: 1 }]), 100, ['tools']).values.size).toBe(0)
  })

  it('locates nothing for a key given twice, or when any top-level key is escaped', () => {
    expect(scanText('{"tools":[1],"x":0,"tools":[2]}', 100, ['tools']).values.size).toBe(0)
    // "tool\u0073" is "tools" to JSON.parse: it could be a second spelling of the same key.
    expect(scanText('{"tools":[1],"tool\\u0073":[2]}', 100, ['tools']).values.size).toBe(0)
    expect(scanText('{"tools":[1],"tools2":[2]}', 100, ['tools']).values.get('tools')).toEqual([
      9, 12,
    ])
  })
})
