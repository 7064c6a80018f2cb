/**
 * validate.ts hands on the parsed JSON itself, not zod's copy: that is only right while the schemas
 * change nothing (no defaults, no transforms). This keeps it true.
 */
import { describe, expect, it } from 'vitest'
import { CountTokensRequestSchema, MessagesRequestSchema } from '../src/schemas/anthropic.js'
import { CLAUDE_CODE_FIXTURES, loadClaudeCodeRequests } from './helpers/claude-code-fixtures.js'

describe('request schemas', () => {
  it("zod's output equals its input for every recorded Claude Code request", () => {
    for (const name of CLAUDE_CODE_FIXTURES)
      for (const r of loadClaudeCodeRequests(name)) {
        const raw = JSON.parse(JSON.stringify(r.body))
        expect(MessagesRequestSchema.parse(raw)).toEqual(raw)
        expect(CountTokensRequestSchema.parse(raw)).toEqual(raw)
      }
  })

  it('and for sparse requests, where a default would show', () => {
    const raw = {
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    }
    expect(MessagesRequestSchema.parse(structuredClone(raw))).toStrictEqual(raw)
  })
})
