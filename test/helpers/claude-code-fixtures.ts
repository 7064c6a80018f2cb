/**
 * @module test/helpers/claude-code-fixtures: the real Claude Code 2.1.197 requests recorded in
 * test/fixtures/claude-code (copied from the shared fixtures; see their README).
 */
import { readFileSync } from 'node:fs'
import { type MessagesRequest, MessagesRequestSchema } from '../../src/schemas/anthropic.js'

export const CLAUDE_CODE_FIXTURES = [
  '01-plain-say-hi',
  '02-tool-read',
  '03-tool-bash',
  '04-continue',
  '06-bare-sonnet-bearer',
  '07-tui-interactive',
  '09-cache-friendly',
] as const
export type ClaudeCodeFixture = (typeof CLAUDE_CODE_FIXTURES)[number]

export type RecordedRequest = {
  seq: number
  headers: Record<string, string>
  /** The body as the validate middleware hands it on. */
  body: MessagesRequest
  sessionId: string
  /** Which CLI process sent it (each process starts with `HEAD /`): `--continue` runs differ. */
  process: number
}

const dir = new URL('../fixtures/claude-code/', import.meta.url)

/** The `POST /v1/messages` requests of one fixture, in recording order. */
export function loadClaudeCodeRequests(name: ClaudeCodeFixture): RecordedRequest[] {
  const lines = readFileSync(new URL(`${name}.jsonl`, dir), 'utf8')
    .split('\n')
    .filter(Boolean)
  const out: RecordedRequest[] = []
  let process = 0
  for (const line of lines) {
    const rec = JSON.parse(line) as {
      seq: number
      method: string
      path: string
      headers: Record<string, string>
      body: unknown
    }
    if (rec.method === 'HEAD') process++
    if (rec.path !== '/v1/messages') continue
    out.push({
      seq: rec.seq,
      headers: rec.headers,
      body: MessagesRequestSchema.parse(rec.body),
      sessionId: rec.headers['x-claude-code-session-id'] ?? '',
      process,
    })
  }
  return out
}
