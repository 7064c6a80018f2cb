/**
 * The history's translation is kept per shared (frozen) message (normalize.ts, messages.ts).
 * Property: whatever the conversation, the backend and what was translated before, a request
 * made of shared messages translates to exactly what the same request made of fresh copies
 * does: the same upstream messages, the same warnings.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import type {
  ContentBlockParamT,
  MessageParamT,
  MessagesRequest,
} from '../../src/schemas/anthropic.js'
import { encodeJson } from '../../src/translate/encode-json.js'
import { deepFreeze } from '../../src/translate/freeze.js'
import { normalizeRequest } from '../../src/translate/normalize.js'
import { toOpenAIRequest } from '../../src/translate/request.js'
import { makeBackend } from '../helpers/backend.js'

const image = {
  type: 'image' as const,
  source: { type: 'base64', media_type: 'image/png', data: 'AA==' },
}

const turn = fc.record({
  role: fc.constantFrom('user', 'user', 'assistant', 'assistant', 'system'),
  text: fc.constantFrom('', 'hi', 'é😀', 'two\nlines'),
  calls: fc.integer({ min: 0, max: 2 }),
  /** Tool results for: the last calls, other ids, none. */
  answers: fc.constantFrom('pending', 'pending', 'stray', 'none'),
  imageInResult: fc.boolean(),
  image: fc.boolean(),
  thinking: fc.boolean(),
  error: fc.boolean(),
})
type Turn = typeof turn extends fc.Arbitrary<infer T> ? T : never

/** Any history, valid or not: orphan results, unanswered calls, images in results. */
function history(turns: Turn[]): MessageParamT[] {
  const messages: MessageParamT[] = []
  let pending: string[] = []
  let next = 0
  for (const t of turns) {
    if (t.role === 'system') {
      messages.push({ role: 'system', content: t.text || 'note' })
      continue
    }
    const blocks: ContentBlockParamT[] = []
    if (t.role === 'assistant') {
      if (t.thinking) blocks.push({ type: 'thinking', thinking: 'hmm', signature: 's' })
      if (t.text) blocks.push({ type: 'text', text: t.text })
      pending = Array.from({ length: t.calls }, () => `toolu_${next++}`)
      for (const id of pending) blocks.push({ type: 'tool_use', id, name: 'Bash', input: { id } })
    } else {
      const ids = t.answers === 'pending' ? pending : t.answers === 'stray' ? ['toolu_x'] : []
      for (const id of ids)
        blocks.push({
          type: 'tool_result',
          tool_use_id: id,
          content: t.imageInResult ? [{ type: 'text', text: `out ${id}` }, image] : `out ${id}`,
          ...(t.error ? { is_error: true } : {}),
        })
      if (t.text) blocks.push({ type: 'text', text: t.text })
      if (t.image) blocks.push(image)
      pending = []
    }
    messages.push({ role: t.role, content: blocks.length ? blocks : t.text })
  }
  return messages
}

const translate = (messages: MessageParamT[], backend: Backend) => {
  const req: MessagesRequest = { model: 'm', max_tokens: 10, system: 'S', messages }
  const normalized = normalizeRequest(req, { stripBillingHeader: true })
  const built = toOpenAIRequest(normalized.value, backend, { model: 'm', stream: true })
  return {
    body: new TextDecoder().decode(encodeJson(built.value)),
    warnings: [...normalized.warnings, ...built.warnings],
  }
}

const backends: Backend[] = [
  makeBackend(),
  makeBackend({ vision: false, replayThinking: true }),
  makeBackend({ stringContentOnly: true }),
  makeBackend({ historyToolCallsAsText: true }),
  makeBackend({ shortToolIds: true }),
]

describe('history translated once per shared message', () => {
  it('gives what fresh copies give, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(turn, { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: backends.length - 1 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 9 }),
        (turns, order, cut) => {
          const messages = history(turns)
          // As validate's reuse hands them out: the same frozen objects, request after request.
          const shared = deepFreeze(structuredClone(messages))
          // The same history with one message left out: every later message sees a different
          // context (other calls to answer, other image numbers).
          const gapped = shared.filter((_, i) => i !== cut)
          for (const b of order) {
            const backend = backends[b] as Backend
            for (const variant of [shared, gapped, shared]) {
              const expected = translate(structuredClone(variant), backend)
              expect(translate(variant, backend)).toEqual(expected)
            }
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it("numbers a shared message's images after the images carried before it", () => {
    const call = (id: string): MessageParamT => ({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Screenshot', input: {} }],
    })
    const shot = (id: string): MessageParamT => ({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: [image] }],
    })
    const [a1, u1, a2, u2] = deepFreeze([call('t1'), shot('t1'), call('t2'), shot('t2')])
    const backend = makeBackend()
    const numbers = (messages: MessageParamT[]) =>
      [...translate(messages, backend).body.matchAll(/image #(\d+) attached/g)].map((m) => m[1])
    expect(numbers([a1, u1, a2, u2] as MessageParamT[])).toEqual(['1', '2'])
    // The same u2 object, now after no other image.
    expect(numbers([a2, u2] as MessageParamT[])).toEqual(['1'])
  })

  it('hands out the same frozen objects for shared messages, new ones for fresh copies', () => {
    const messages = history([
      {
        role: 'user',
        text: 'hi',
        calls: 0,
        answers: 'none',
        imageInResult: false,
        image: false,
        thinking: false,
        error: false,
      },
      {
        role: 'assistant',
        text: 'hi',
        calls: 1,
        answers: 'none',
        imageInResult: false,
        image: false,
        thinking: false,
        error: false,
      },
      {
        role: 'user',
        text: '',
        calls: 0,
        answers: 'pending',
        imageInResult: false,
        image: false,
        thinking: false,
        error: false,
      },
    ])
    const shared = deepFreeze(structuredClone(messages))
    const backend = makeBackend()
    const upstream = (m: MessageParamT[]) => {
      const req: MessagesRequest = { model: 'm', max_tokens: 10, messages: m }
      const normalized = normalizeRequest(req, { stripBillingHeader: true }).value
      return {
        normalized: normalized.messages,
        translated: toOpenAIRequest(normalized, backend, { model: 'm', stream: true }).value
          .messages as object[],
      }
    }
    const first = upstream(shared)
    const again = upstream(shared)
    expect(again.normalized).toHaveLength(3)
    again.normalized.forEach((m, i) => {
      expect(m).toBe(first.normalized[i])
      expect(Object.isFrozen(m)).toBe(true)
    })
    // user → user; assistant with a call → assistant; its answer → a tool message.
    expect(again.translated).toHaveLength(3)
    again.translated.forEach((m, i) => {
      expect(m).toBe(first.translated[i])
      expect(Object.isFrozen(m)).toBe(true)
    })
    const fresh = upstream(structuredClone(messages))
    expect(fresh.translated).toEqual(first.translated)
    for (const [i, m] of fresh.translated.entries()) expect(m).not.toBe(first.translated[i])
  })
})
