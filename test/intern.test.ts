import { describe, expect, it } from 'vitest'
import { Interner } from '../src/intern.js'
import type { MessagesRequest } from '../src/schemas/anthropic.js'
import { loadClaudeCodeRequests } from './helpers/claude-code-fixtures.js'

const parse = (r: MessagesRequest) => JSON.parse(JSON.stringify(r)) as MessagesRequest

describe('Interner', () => {
  it('hands on one shared tools array for the same tools, parsed anew on every request', () => {
    const interner = new Interner()
    const [a, b] = loadClaudeCodeRequests('03-tool-bash').map((r) => r.body)
    const first = interner.request(parse(a!))
    const second = interner.request(parse(b!))
    expect(second.tools).toBe(first.tools)
    expect(JSON.stringify(second)).toBe(JSON.stringify(interner.request(parse(b!))))
    expect(JSON.stringify(first.tools)).toBe(JSON.stringify(a!.tools))
  })

  it('the same parsed tools again (reused by validate) map to the shared list without comparing', () => {
    const interner = new Interner()
    const [a] = loadClaudeCodeRequests('03-tool-bash').map((r) => r.body)
    const raw = parse(a!)
    const first = interner.request(raw)
    // A new array of the same tool objects, as normalize hands on.
    const again = interner.request({ ...raw, tools: [...raw.tools!] })
    expect(again.tools).toBe(first.tools)
    expect(again.tools![0]).toBe(first.tools![0])
    expect(JSON.stringify(again.tools)).toBe(JSON.stringify(a!.tools))
  })

  it('never shares when anything in a tool differs', () => {
    const interner = new Interner()
    const body = loadClaudeCodeRequests('03-tool-bash')[0]!.body
    const first = interner.request(parse(body))
    for (const change of [
      (r: MessagesRequest) => {
        r.tools![3]!.description += '.'
      },
      (r: MessagesRequest) => {
        ;(r.tools![5]!.input_schema!.properties as Record<string, unknown>).extra = {
          type: 'string',
        }
      },
      (r: MessagesRequest) => {
        r.tools!.pop()
      },
      (r: MessagesRequest) => {
        ;(r.tools![0] as Record<string, unknown>).strict = true
      },
    ]) {
      const changed = parse(body)
      change(changed)
      const out = interner.request(changed)
      expect(out.tools).not.toBe(first.tools)
      expect(JSON.stringify(out.tools)).toBe(JSON.stringify(changed.tools))
    }
  })
})

describe('several tool sets', () => {
  it('keeps sharing when requests alternate between two tool sets (main agent and a sub-agent)', () => {
    const interner = new Interner()
    const body = loadClaudeCodeRequests('03-tool-bash')[0]!.body
    const sub = parse(body)
    sub.tools = sub.tools!.slice(0, 3)
    const main1 = interner.request(parse(body))
    const sub1 = interner.request(parse(sub))
    expect(interner.request(parse(body)).tools).toBe(main1.tools)
    expect(interner.request(parse(sub)).tools).toBe(sub1.tools)
  })
})
