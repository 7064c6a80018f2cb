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

describe('encodeEvent', () => {
  it('writes the hot deltas byte for byte as JSON.stringify would', async () => {
    const { encodeEvent } = await import('../../src/translate/sse-encode.js')
    const fc2 = await import('fast-check')
    fc2.assert(
      fc2.property(
        fc2.string(),
        fc2.nat(),
        fc2.constantFrom('text_delta', 'thinking_delta', 'input_json_delta'),
        (s, index, kind) => {
          const delta =
            kind === 'text_delta'
              ? { type: kind, text: s }
              : kind === 'thinking_delta'
                ? { type: kind, thinking: s }
                : { type: kind, partial_json: s }
          const ev = { type: 'content_block_delta' as const, index, delta } as Parameters<
            typeof encodeEvent
          >[0]
          expect(encodeEvent(ev)).toBe(
            `event: content_block_delta\ndata: ${JSON.stringify(ev)}\n\n`,
          )
        },
      ),
      { numRuns: 300, seed: 11 },
    )
  })
})

describe('reused encodings', () => {
  it('an array marked reusable encodes to the same bytes from its cache', async () => {
    const { reuseEncoding } = await import('../../src/translate/encode-json.js')
    const tools = [{ type: 'function', function: { name: 'Bash', description: 'é runs — things' } }]
    reuseEncoding(tools)
    const first = encodeJson({ model: 'm', tools, messages: [{ role: 'user', content: 'a' }] })
    const second = encodeJson({ model: 'm', tools, messages: [{ role: 'user', content: 'b' }] })
    expect(first).toEqual(
      reference({ model: 'm', tools, messages: [{ role: 'user', content: 'a' }] }),
    )
    expect(second).toEqual(
      reference({ model: 'm', tools, messages: [{ role: 'user', content: 'b' }] }),
    )
  })

  it('an element marked reusable is encoded once, wherever it sits in an array', async () => {
    const { reuseEncoding } = await import('../../src/translate/encode-json.js')
    const system = { role: 'system', content: 'You are — a “helper”.\n' }
    reuseEncoding(system)
    const bodies = [
      { model: 'm', messages: [system, { role: 'user', content: 'a' }] },
      { model: 'm', messages: [{ role: 'user', content: 'b' }, system, system] },
    ]
    for (const body of bodies) expect(encodeJson(body)).toEqual(reference(body))
    // The bytes come from the cache: a change the contract forbids does not show.
    system.content = 'changed'
    const after = new TextDecoder().decode(encodeJson({ model: 'm', messages: [system] }))
    expect(after).toContain('You are')
    expect(after).not.toContain('changed')
  })

  it('fills all of the memory it is given (Node passes Buffer.allocUnsafe: old bytes)', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'héllo — "x"\n' }] }
    const dirty = (size: number) => new Uint8Array(size).fill(0xff)
    expect(encodeJson(body, dirty)).toEqual(reference(body))
    expect(new Uint8Array(encodeJson(body, (size) => Buffer.allocUnsafe(size)))).toEqual(
      reference(body),
    )
  })
})
