/**
 * KV-cache prefix stability on real Claude Code traffic: each request of a session must translate
 * to an upstream prompt that starts with the previous one, so the backend re-uses its cache.
 */
import { describe, expect, it } from 'vitest'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { normalizeRequest } from '../../src/translate/normalize.js'
import { checkCacheStability, comparePrefix } from '../../src/translate/prefix-check.js'
import { toOpenAIRequest } from '../../src/translate/request.js'
import { makeBackend } from '../helpers/backend.js'
import {
  CLAUDE_CODE_FIXTURES,
  loadClaudeCodeRequests,
  type RecordedRequest,
} from '../helpers/claude-code-fixtures.js'

const opts = { model: 'local-model', stream: true, stripBillingHeader: true }
const backends = {
  default: makeBackend(),
  'short ids, strings only': makeBackend({ shortToolIds: true, stringContentOnly: true }),
  'history as text': makeBackend({ historyToolCallsAsText: true, replayThinking: true }),
}

function upstream(body: MessagesRequest, stripBillingHeader = true) {
  const normalized = normalizeRequest(body, { stripBillingHeader }).value
  return toOpenAIRequest(normalized, makeBackend(), opts).value
}

/** System and tools as Claude Code sent them, normalized (billing block and cache_control out). */
function ownSystemAndTools(body: MessagesRequest): string {
  const { system, tools } = normalizeRequest(body, { stripBillingHeader: true }).value
  return JSON.stringify({ system, tools })
}

/** Requests of one Claude Code session that share a backend cache (design.md: session × tools). */
function sessions(): Array<[string, RecordedRequest[]]> {
  const groups = new Map<string, RecordedRequest[]>()
  for (const fixture of CLAUDE_CODE_FIXTURES) {
    for (const r of loadClaudeCodeRequests(fixture)) {
      const key = `${fixture} ${r.sessionId.slice(0, 8)} tools=${(r.body.tools ?? []).length > 0}`
      groups.set(key, [...(groups.get(key) ?? []), r])
    }
  }
  return [...groups].filter(([, g]) => g.length > 1)
}

describe.each(Object.entries(backends))('prefix stability, %s backend', (_name, backend) => {
  it.each(sessions())('%s: every request extends the previous one', (key, group) => {
    const reports = checkCacheStability(
      group.map((r) => r.body),
      backend,
      opts,
    )
    expect(reports.length).toBe(group.length - 1)
    let checked = 0
    for (const report of reports) {
      const prev = group[report.index - 1] as RecordedRequest
      const next = group[report.index] as RecordedRequest
      // 04-continue run 2: Claude Code itself changed system and tools (below).
      if (ownSystemAndTools(prev.body) !== ownSystemAndTools(next.body)) continue
      checked++
      // Stronger than required: even the previous request's last message is unchanged.
      expect(report.sharedMessages).toBe(report.prevMessages)
      expect(report.extendsPrefix).toBe(true)
      expect(report.systemAndToolsIdentical).toBe(true)
      // Everything but the closing `]}` of the previous rendering is shared.
      expect(report.sharedBytes).toBe(report.prevBytes - 2)
      expect(report.warnings).toEqual([])
    }
    expect(checked).toBe(key.startsWith('04-continue') ? reports.length - 1 : reports.length)
  })
})

describe('04-continue: a new process for the same conversation', () => {
  const requests = loadClaudeCodeRequests('04-continue')
  const last = requests.filter((r) => r.process === 1).at(-1) as RecordedRequest
  const first = requests.find((r) => r.process === 2) as RecordedRequest

  it('changes system and tools only because Claude Code itself changed them', () => {
    const report = comparePrefix(upstream(last.body), upstream(first.body))
    expect(report.systemAndToolsIdentical).toBe(false)
    // The default model lost its [1m] variant in run 2: the input already differs.
    expect(JSON.stringify(last.body.tools)).not.toBe(JSON.stringify(first.body.tools))
  })

  it('still repeats the whole conversation after the system message', () => {
    const a = (upstream(last.body).messages as unknown[]).slice(1).map((m) => JSON.stringify(m))
    const b = (upstream(first.body).messages as unknown[]).slice(1).map((m) => JSON.stringify(m))
    expect(b.slice(0, a.length)).toEqual(a)
  })
})

describe('billing header across conversations', () => {
  it('09 (attribution header off): system and tools identical across two sessions', () => {
    const [s1, s2] = loadClaudeCodeRequests('09-cache-friendly')
    expect(s1?.sessionId).not.toBe(s2?.sessionId)
    for (const strip of [true, false]) {
      const report = comparePrefix(upstream(s1!.body, strip), upstream(s2!.body, strip))
      expect(report.systemAndToolsIdentical).toBe(true)
      expect(report.sharedMessages).toBe(1)
    }
  })

  it('09 with the billing blocks 01 and 02 carried: identical only when stripped', () => {
    const [s1, s2] = loadClaudeCodeRequests('09-cache-friendly').map((r) => r.body)
    const billed = (body: MessagesRequest, suffix: string): MessagesRequest => ({
      ...body,
      system: [
        {
          type: 'text',
          text: `x-anthropic-billing-header: cc_version=2.1.197.${suffix}; cc_entrypoint=sdk-cli;`,
        },
        ...(body.system as Array<{ type: 'text'; text: string }>),
      ],
    })
    const a = billed(s1!, '123')
    const b = billed(s2!, '5b8')
    expect(comparePrefix(upstream(a, true), upstream(b, true)).systemAndToolsIdentical).toBe(true)
    const kept = comparePrefix(upstream(a, false), upstream(b, false))
    expect(kept.systemAndToolsIdentical).toBe(false)
    expect(kept.sharedBytes).toBeLessThan(100)
  })

  it('01 vs 02 (different conversations): the billing block ends the shared prefix at once', () => {
    const a = loadClaudeCodeRequests('01-plain-say-hi')[0]!.body
    const b = loadClaudeCodeRequests('02-tool-read')[0]!.body
    const kept = comparePrefix(upstream(a, false), upstream(b, false))
    const stripped = comparePrefix(upstream(a, true), upstream(b, true))
    // With the block: only `{"system":[{"role":"system","content":"x-anthropic-…cc_version=2.1.197.`.
    expect(kept.sharedBytes).toBe(86)
    // Without it the prompts agree up to the per-directory memory path in the system text.
    expect(stripped.sharedBytes).toBe(2284)
  })
})
