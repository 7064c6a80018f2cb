import { describe, expect, it } from 'vitest'
import { scanJson } from '../../src/middleware/json-scan.js'
import { Reuse } from '../../src/middleware/reuse.js'

/** One body through the reuse cache as validate does it; returns the indexes taken from it. */
function pass(reuse: Reuse, body: unknown): number[] {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  const scan = scanJson(bytes, 100, reuse.keys, reuse.itemKeys)
  const sub = reuse.substitute(bytes, scan)
  const known = [...(sub.items.find(([k]) => k === 'messages')?.[1].keys() ?? [])]
  reuse.remember(bytes, sub, JSON.parse(JSON.stringify(body)))
  return known
}

describe('Reuse', () => {
  it('keeps about 2 M characters of elements: the oldest go first, the recent stay', () => {
    const reuse = new Reuse({ items: ['messages'] })
    const big = (i: number) => ({ role: 'user', content: `${'x'.repeat(100_000)}${i}` })
    for (let i = 0; i < 30; i++) pass(reuse, { messages: [big(i)] })
    expect(pass(reuse, { messages: [big(0)] })).toEqual([])
    expect(pass(reuse, { messages: [big(29), big(28)] })).toEqual([0, 1])
  })

  it('keeps the last 8 whole values, the ones in use moved to the front', () => {
    const reuse = new Reuse({ values: ['tools'] })
    const seen = (tools: unknown) => {
      const bytes = new TextEncoder().encode(JSON.stringify({ tools }))
      const sub = reuse.substitute(bytes, scanJson(bytes, 100, reuse.keys))
      reuse.remember(bytes, sub, { tools })
      return sub.values.length > 0
    }
    seen(['main'])
    for (let i = 0; i < 20; i++) {
      seen([`side ${i}`])
      expect(seen(['main'])).toBe(true)
    }
    expect(seen(['side 0'])).toBe(false)
    expect(seen(['side 19'])).toBe(true)
  })

  it('tells apart tool results that differ only in their tool_use_id (a repeated tool call)', () => {
    const reuse = new Reuse({ items: ['messages'] })
    // The same 2 KB answer to the same call, 12 times: same length, same middle, same end.
    const result = (i: number) => ({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: `toolu_01A9${String(i).padStart(16, '0')}`,
          content: 'line\n'.repeat(400),
        },
      ],
    })
    const history = Array.from({ length: 12 }, (_, i) => result(i))
    expect(pass(reuse, { messages: history })).toEqual([])
    expect(pass(reuse, { messages: [...history, result(12)] })).toEqual([...history.keys()])
  })

  it('keeps copies, not views of the body (a Node Buffer view would keep every body alive)', () => {
    const reuse = new Reuse({ values: ['tools'], items: ['messages'] })
    const body = { tools: ['t'], messages: [{ role: 'user', content: 'hi' }] }
    const text = JSON.stringify(body)
    const first = Buffer.from(text)
    reuse.remember(
      first,
      reuse.substitute(first, scanJson(first, 100, reuse.keys, reuse.itemKeys)),
      JSON.parse(text),
    )
    // The request's memory is reused for something else.
    first.fill(32)
    const again = Buffer.from(text)
    const sub = reuse.substitute(again, scanJson(again, 100, reuse.keys, reuse.itemKeys))
    expect(sub.values.map(([key]) => key)).toEqual(['tools'])
    expect([...(sub.items[0]?.[1].keys() ?? [])]).toEqual([0])
  })
})
