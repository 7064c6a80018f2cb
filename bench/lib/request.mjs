/**
 * @module bench/lib/request: the benchmark's requests, built from a recorded Claude Code request
 * (test/fixtures/claude-code/03-tool-bash.jsonl: 24 tools, system prompt, a tool round trip,
 * about 76 KB), with its recorded headers.
 *
 * - `anthropic`: the request as Claude Code sent it (what goes through anyclaude);
 * - `openai`: the same request translated by anyclaude's own code in dist/ (normalize, plan,
 *   build, kind adjustments), i.e. the bytes anyclaude sends upstream: the direct steps send it
 *   straight to the backend;
 * - `long`: the same session with 30 more tool round trips (~12 KB results), about 450 KB.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = 'test/fixtures/claude-code/03-tool-bash.jsonl'

/** The recorded `/v1/messages` exchange with the most messages. */
export function recorded() {
  const lines = readFileSync(`${root}${FIXTURE}`, 'utf8').split('\n').filter(Boolean)
  const posts = lines.map((l) => JSON.parse(l)).filter((r) => r.path === '/v1/messages' && r.body)
  posts.sort((a, b) => b.body.messages.length - a.body.messages.length)
  return posts[0]
}

const DROP_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding'])

/** 12 KB of file-like text for one tool result (deterministic; `tag` makes it differ). */
function fileText(k, tag) {
  const lines = []
  for (let i = 0; lines.join('\n').length < 12_000; i++)
    lines.push(
      `${String(i + 1).padStart(5)}\t export function handler${k}_${i}${tag}(input: string): string { return input.replace(/é/g, "e") + '${k}:${i}' }`,
    )
  return lines.join('\n')
}

/**
 * The request with `rounds` more Read round trips appended; a `tag` makes them (ids, results)
 * those of another session.
 */
export function lengthen(body, rounds, tag = '') {
  const messages = [...body.messages]
  for (let k = 0; k < rounds; k++) {
    const id = `toolu_bench${tag}_${String(k).padStart(4, '0')}`
    messages.push(
      {
        role: 'assistant',
        content: [
          { type: 'text', text: `Reading part ${k} of the module.` },
          { type: 'tool_use', id, name: 'Read', input: { file_path: `/work/src/part-${k}.ts` } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: id, content: fileText(k, tag) }],
      },
    )
  }
  return { ...body, messages }
}

/**
 * Builds everything a step needs; `dist` is the imported dist modules (the build must exist).
 * @param backendUrl the fake backend's base URL (`http://127.0.0.1:<port>/v1`)
 */
export async function buildRequests(backendUrl) {
  const { resolveBackend } = await import('../../dist/backends/resolve.js')
  const { normalizeRequest } = await import('../../dist/translate/normalize.js')
  const { planUpstream } = await import('../../dist/middleware/tool-mapping.js')
  const { MessagesRequestSchema } = await import('../../dist/schemas/anthropic.js')
  const rec = recorded()
  const headers = {}
  for (const [k, v] of Object.entries(rec.headers)) if (!DROP_HEADERS.has(k)) headers[k] = v
  headers['x-api-key'] = 'bench'

  const backend = resolveBackend({ name: 'bench', kind: 'openai', url: backendUrl, model: 'bench' })
  const toOpenAI = (body) => {
    const parsed = MessagesRequestSchema.parse(body)
    const normalized = normalizeRequest(parsed, { stripBillingHeader: true }).value
    return planUpstream(normalized).build(backend, { model: 'bench', stream: true }).value
  }
  const make = (body) => {
    const openai = toOpenAI(body)
    return {
      anthropic: JSON.stringify(body),
      openai: JSON.stringify(openai),
      tools: openai.tools,
      messages: body.messages.length,
    }
  }
  return {
    headers,
    openaiHeaders: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: 'Bearer bench',
    },
    /**
     * Turn `turn` of session `session`: the recorded request, its first message marked as that
     * session's, with `turn` round trips of its own (as a Claude Code session grows).
     */
    session(session, turn) {
      const [first, ...rest] = rec.body.messages
      const mark = (c) =>
        typeof c === 'string'
          ? `[session ${session}] ${c}`
          : [{ type: 'text', text: `[session ${session}]` }, ...c]
      const body = { ...rec.body, messages: [{ ...first, content: mark(first.content) }, ...rest] }
      return JSON.stringify(lengthen(body, turn, `_s${session}`))
    },
    normal: make(rec.body),
    long: make(lengthen(rec.body, 30)),
    source: `${FIXTURE} seq ${rec.seq}`,
  }
}
