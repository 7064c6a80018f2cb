import { describe, expect, it } from 'vitest'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { checkCacheStability, comparePrefix } from '../../src/translate/prefix-check.js'
import { makeBackend } from '../helpers/backend.js'

const tools = [{ type: 'function', function: { name: 'Bash', parameters: {} } }]
const sys = { role: 'system', content: 'S' }
const u1 = { role: 'user', content: 'héllo' }
const a1 = { role: 'assistant', content: 'hi' }
const u2 = { role: 'user', content: 'more' }

describe('comparePrefix', () => {
  it('reports a clean extension', () => {
    const r = comparePrefix({ tools, messages: [sys, u1] }, { tools, messages: [sys, u1, a1, u2] })
    expect(r).toMatchObject({
      sharedMessages: 2,
      prevMessages: 2,
      extendsPrefix: true,
      systemAndToolsIdentical: true,
    })
    // All but the closing `]}` of the previous rendering; é counts two UTF-8 bytes.
    expect(r.sharedBytes).toBe(r.prevBytes - 2)
    const json = `{"system":[${JSON.stringify(sys)}],"tools":${JSON.stringify(tools)},"messages":[${JSON.stringify(u1)}]}`
    expect(r.prevBytes).toBe(new TextEncoder().encode(json).length)
  })

  it('tolerates a different last message', () => {
    const r = comparePrefix({ tools, messages: [sys, u1] }, { tools, messages: [sys, u2] })
    expect(r).toMatchObject({ sharedMessages: 1, extendsPrefix: true })
  })

  it('sees a changed system prompt or tool list', () => {
    const other = { role: 'system', content: 'T' }
    const r = comparePrefix({ tools, messages: [sys, u1] }, { tools, messages: [other, u1] })
    expect(r).toMatchObject({
      sharedMessages: 0,
      extendsPrefix: false,
      systemAndToolsIdentical: false,
    })
    expect(r.sharedBytes).toBe('{"system":[{"role":"system","content":"'.length)
    const noTools = comparePrefix({ tools, messages: [sys, u1] }, { messages: [sys, u1] })
    expect(noTools.systemAndToolsIdentical).toBe(false)
  })

  it('never counts half a surrogate pair', () => {
    const r = comparePrefix(
      { messages: [{ role: 'user', content: '😀' }] },
      { messages: [{ role: 'user', content: '😃' }] },
    )
    expect(r.sharedBytes).toBe(
      new TextEncoder().encode('{"system":[],"tools":[],"messages":[{"role":"user","content":"')
        .length,
    )
  })
})

describe('checkCacheStability', () => {
  const cc = { type: 'ephemeral' }
  const turn1: MessagesRequest = {
    model: 'm',
    max_tokens: 100,
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=1.abc;' },
      { type: 'text', text: 'S', cache_control: cc },
    ],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'go', cache_control: cc }] },
      { role: 'system', content: 'Agents' },
    ],
  }
  const turn2: MessagesRequest = {
    ...turn1,
    messages: [
      { role: 'user', content: 'go' },
      { role: 'system', content: 'Agents' },
      { role: 'assistant', content: [{ type: 'text', text: 'ok', cache_control: cc }] },
      { role: 'user', content: 'next' },
    ],
  }
  const opts = { model: 'm', stream: true, stripBillingHeader: true }

  it('reports each consecutive pair, with the later request’s warnings', () => {
    const reports = checkCacheStability([turn1, turn2, turn2], makeBackend(), opts)
    expect(reports.map((r) => r.index)).toEqual([1, 2])
    expect(reports[0]).toMatchObject({
      sharedMessages: 2,
      prevMessages: 2,
      extendsPrefix: true,
      systemAndToolsIdentical: true,
      warnings: [],
    })
  })

  it('shows the billing block breaking the system prompt between conversations', () => {
    const other = {
      ...turn1,
      system: [
        { type: 'text' as const, text: 'x-anthropic-billing-header: cc_version=1.def;' },
        { type: 'text' as const, text: 'S' },
      ],
    }
    const stripped = checkCacheStability([turn1, other], makeBackend(), opts)
    const kept = checkCacheStability([turn1, other], makeBackend(), {
      ...opts,
      stripBillingHeader: false,
    })
    expect(stripped[0]?.systemAndToolsIdentical).toBe(true)
    expect(kept[0]?.systemAndToolsIdentical).toBe(false)
  })
})
