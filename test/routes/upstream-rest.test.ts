/**
 * What happens to an upstream body after its last event: it is read to its end in the background
 * (so that its keep-alive connection can be reused), within limits; a cancel still closes it.
 */
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import { AFTER_END, partsOf } from '../../src/routes/upstream.js'

const enc = new TextEncoder()
const openai = { name: 'b', kind: 'openai' } as Backend
const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
const ANSWER = [frame({ content: 'hi' }), frame({}, 'stop'), 'data: [DONE]\n\n']

/** A body that records how far it was read and whether it was closed. */
function body(chunks: (string | Promise<string>)[]) {
  const seen = { reads: 0, closed: false, ended: false }
  const iterable = {
    [Symbol.asyncIterator]() {
      let i = 0
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          if (seen.closed || i === chunks.length) {
            seen.ended = !seen.closed
            return { done: true, value: undefined }
          }
          seen.reads++
          return { done: false, value: enc.encode(await chunks[i++]!) }
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          seen.closed = true
          return { done: true, value: undefined }
        },
      }
    },
  }
  const res = new Response(null, { headers: { 'content-type': 'text/event-stream' } })
  Object.defineProperty(res, 'body', { value: iterable })
  return { res, seen }
}

const settle = () => new Promise((r) => setTimeout(r, 20))

async function collect(res: Response, drop?: () => void) {
  const types: string[] = []
  for await (const parts of partsOf(res, openai, undefined, drop))
    types.push(...parts.map((p) => p.type))
  return types
}

describe('the body after its last event', () => {
  it('is read to its end once the answer is complete, and not dropped', async () => {
    // The end of the body comes later, as the chunked body's end often does.
    const later = new Promise<string>((r) => setTimeout(() => r(''), 5))
    const { res, seen } = body([...ANSWER, later])
    let dropped = false
    const types = await collect(res, () => {
      dropped = true
    })
    // The answer is complete without waiting for the end of the body.
    expect(types).toContain('finish')
    expect(seen.ended).toBe(false)
    await settle()
    expect(seen.ended).toBe(true)
    expect(seen.closed).toBe(false)
    expect(dropped).toBe(false)
  })

  it('is dropped when more than the limit follows the last event', async () => {
    const junk = 'x'.repeat(AFTER_END.bytes / 2)
    const { res } = body([...ANSWER, junk, junk, junk, junk])
    let dropped = 0
    await collect(res, () => {
      dropped++
    })
    await settle()
    expect(dropped).toBe(1)
  })

  it('is dropped when it does not end in time', async () => {
    const never = new Promise<string>(() => {})
    const { res } = body([...ANSWER, never])
    const old = AFTER_END.ms
    AFTER_END.ms = 30
    try {
      let dropped = 0
      await collect(res, () => {
        dropped++
      })
      await new Promise((r) => setTimeout(r, 80))
      expect(dropped).toBe(1)
    } finally {
      AFTER_END.ms = old
    }
  })

  it('is closed at once when the reader stops before the answer is complete', async () => {
    const { res, seen } = body([frame({ content: 'a' }), frame({ content: 'b' }), ...ANSWER])
    let dropped = false
    for await (const _ of partsOf(res, openai, undefined, () => {
      dropped = true
    }))
      break
    expect(seen.closed).toBe(true)
    expect(dropped).toBe(false)
  })
})
