/**
 * KV-cache fidelity through anyclaude: replaying real Claude Code conversations against a fake
 * KV-cache backend, every follow-up turn of the same Claude Code process must hit the cache.
 */
import { describe, expect, it } from 'vitest'
import { post, testApp } from '../helpers/app.js'
import { type ClaudeCodeFixture, loadClaudeCodeRequests } from '../helpers/claude-code-fixtures.js'
import { kvCacheBackend } from '../helpers/fake-kv-backend.js'
import { parseSse } from '../helpers/sse.js'

const CONVERSATIONS: ClaudeCodeFixture[] = [
  '02-tool-read',
  '03-tool-bash',
  '04-continue',
  '07-tui-interactive',
]

describe('KV-cache fidelity', () => {
  for (const name of CONVERSATIONS) {
    it(`${name}: follow-ups of the same process are more than 95% cached, reported as cache_read_input_tokens`, async () => {
      const kv = kvCacheBackend()
      const { app } = testApp(kv.handler, {
        backends: [{ name: 'kv', kind: 'mlx-lm', url: 'http://kv.local/v1' }],
      })
      const requests = loadClaudeCodeRequests(name)
      let prevProcess = -1
      let followUps = 0
      for (const [i, r] of requests.entries()) {
        const res = await post(app, r.body)
        expect(res.status).toBe(200)
        const frames = parseSse(await res.text())
        const delta = frames.find((f) => f.event === 'message_delta')!.data as {
          usage: { input_tokens: number; cache_read_input_tokens: number }
        }
        const s = kv.stats[i]!
        // Reported honestly: cached tokens as cache_read_input_tokens, subtracted from input_tokens.
        expect(delta.usage.cache_read_input_tokens).toBe(s.cachedTokens)
        expect(delta.usage.input_tokens).toBe(s.promptTokens - s.cachedTokens)
        // The TUI's session-title request is a different prompt (no tools): not a follow-up.
        const isTitle = !r.body.tools?.length
        if (r.process === prevProcess && !isTitle) {
          followUps++
          expect(s.cachedTokens / s.promptTokens, `request ${i} of ${name}`).toBeGreaterThan(0.95)
        }
        if (!isTitle) prevProcess = r.process
      }
      expect(followUps).toBeGreaterThan(0)
    })
  }

  it('the system-and-tools prefix is shared across two cache-friendly sessions (fixture 09)', async () => {
    const kv = kvCacheBackend()
    const { app } = testApp(kv.handler, {
      backends: [{ name: 'kv', kind: 'mlx-lm', url: 'http://kv.local/v1' }],
    })
    const requests = loadClaudeCodeRequests('09-cache-friendly')
    const sessions = new Set(requests.map((r) => r.sessionId))
    expect(sessions.size).toBe(2)
    for (const r of requests) expect((await post(app, r.body)).status).toBe(200)
    // The second session's first request reuses at least the tools and system prompt.
    const firstOfSecond = requests.findIndex((r) => r.sessionId !== requests[0]!.sessionId)
    const s = kv.stats[firstOfSecond]!
    expect(s.cachedTokens / s.promptTokens).toBeGreaterThan(0.7)
  })
})
