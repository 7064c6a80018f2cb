/**
 * Property: a conversation that grows never changes the translation of what came before. For any
 * Claude Code-like history and any point where Claude Code could have sent it (after a user turn,
 * or a system message with every tool call answered), the upstream messages of that shorter
 * request, all but the last, are a prefix of the longer request's messages (with the one exception
 * the design makes, noted in `assemble`).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import type {
  ContentBlockParamT,
  MessageParamT,
  MessagesRequest,
} from '../../src/schemas/anthropic.js'
import { normalizeRequest } from '../../src/translate/normalize.js'
import { toOpenAIRequest } from '../../src/translate/request.js'
import { makeBackend } from '../helpers/backend.js'

const turn = fc.record({
  kind: fc.constantFrom('user', 'user', 'assistant', 'assistant', 'system'),
  texts: fc.array(fc.constantFrom('', 'hi', 'two words', '  ', 'é😀'), { maxLength: 3 }),
  cacheControl: fc.boolean(),
  image: fc.boolean(),
  calls: fc.integer({ min: 0, max: 3 }),
  answered: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  errors: fc.boolean(),
  thinking: fc.boolean(),
})
type Turn = typeof turn extends fc.Arbitrary<infer T> ? T : never

/** Builds the history; `ends[i]` says whether Claude Code could send a request ending at i. */
function assemble(turns: Turn[]): { messages: MessageParamT[]; ends: boolean[] } {
  const messages: MessageParamT[] = []
  const ends: boolean[] = []
  let pending: string[] = []
  let next = 0
  for (const t of turns) {
    const texts: ContentBlockParamT[] = t.texts.map((text) => ({ type: 'text', text }))
    let blocks: ContentBlockParamT[]
    if (t.kind === 'system') {
      messages.push({ role: 'system', content: t.texts.join(' ') || 'note' })
      ends.push(pending.length === 0)
      continue
    }
    if (t.kind === 'assistant') {
      const calls = Array.from({ length: t.calls }, () => `toolu_${next++}`)
      blocks = [
        ...(t.thinking ? [{ type: 'thinking' as const, thinking: 'hmm', signature: 's' }] : []),
        ...texts,
        ...calls.map((id) => ({ type: 'tool_use' as const, id, name: 'Bash', input: { n: id } })),
      ]
      pending = calls
    } else {
      const results = pending
        .filter((_, i) => t.answered[i])
        .map((id) => ({
          type: 'tool_result' as const,
          tool_use_id: id,
          content: `out ${id}`,
          is_error: t.errors,
        }))
      const image = {
        type: 'image' as const,
        source: { type: 'base64', media_type: 'image/png', data: 'AA==' },
      }
      blocks = [...results, ...texts, ...(t.image ? [image] : [])]
      // The API rejects an empty user turn; Claude Code never sends one.
      if (!blocks.some((b) => b.type !== 'text' || b.text !== ''))
        blocks.push({ type: 'text', text: 'x' })
      pending = []
    }
    const last = blocks.at(-1)
    if (t.cacheControl && last)
      blocks[blocks.length - 1] = { ...last, cache_control: { type: 'ephemeral' } }
    messages.push({ role: t.kind, content: blocks })
    ends.push(t.kind === 'user')
  }
  // design.md's one exception: a role:system message before the first answer joins the system
  // prompt, so a request sent before it arrived is not a prefix. (Claude Code sends it from the
  // first request on, at messages[1].)
  const firstAnswer = messages.findIndex((m) => m.role === 'assistant')
  const lateSystem = messages.findLastIndex(
    (m, i) => m.role === 'system' && (firstAnswer === -1 || i < firstAnswer),
  )
  return { messages, ends: ends.map((canEnd, i) => canEnd && i >= lateSystem) }
}

const upstream = (messages: MessageParamT[], backend: Backend) => {
  const req: MessagesRequest = { model: 'm', max_tokens: 10, system: 'S', messages }
  const normalized = normalizeRequest(req, { stripBillingHeader: true }).value
  const body = toOpenAIRequest(normalized, backend, { model: 'm', stream: true }).value
  return (body.messages as unknown[]).map((m) => JSON.stringify(m))
}

const backends: Record<string, Backend> = {
  default: makeBackend(),
  'no vision, short ids': makeBackend({ vision: false, shortToolIds: true, replayThinking: true }),
  'strings only': makeBackend({ stringContentOnly: true }),
  'history as text': makeBackend({ historyToolCallsAsText: true }),
}

describe.each(Object.entries(backends))('%s backend', (_name, backend) => {
  it('translates every earlier request as a prefix of the later ones', () => {
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 12 }), (turns) => {
        const { messages, ends } = assemble(turns)
        const full = upstream(messages, backend)
        ends.forEach((canEnd, i) => {
          if (!canEnd) return
          const earlier = upstream(messages.slice(0, i + 1), backend)
          expect(full.slice(0, earlier.length - 1)).toEqual(earlier.slice(0, -1))
        })
      }),
      { numRuns: 300 },
    )
  })
})
