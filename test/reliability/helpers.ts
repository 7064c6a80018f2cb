/**
 * @module test/reliability/helpers: shared checks for the reliability suites: the Anthropic error
 * envelope, reading a response as either a status error or a stream, and "the app still works".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { anthropicHeaders } from '../helpers/app.js'
import { type Frame, parseSse } from '../helpers/sse.js'

export const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'timeout_error',
  'overloaded_error',
  'api_error',
] as const

type AppLike = { request: (path: string, init?: RequestInit) => Response | Promise<Response> }

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Asserts the Anthropic error body: `{type:'error', error:{type, message}, request_id}`. */
export function expectEnvelope(body: unknown): { type: string; message: string } {
  const b = body as {
    type?: unknown
    error?: { type?: unknown; message?: unknown }
    request_id?: unknown
  }
  expect(b.type).toBe('error')
  expect(ERROR_TYPES).toContain(b.error?.type)
  expect(typeof b.error?.message).toBe('string')
  expect(b.error?.message).not.toBe('')
  expect(String(b.request_id)).toMatch(/^req_/)
  // No stack traces in what a client sees.
  expect(String(b.error?.message)).not.toMatch(/\n\s+at /)
  return { type: String(b.error?.type), message: String(b.error?.message) }
}

export type Outcome =
  | { kind: 'status'; status: number; type: string; message: string; headers: Headers }
  | { kind: 'event'; type: string; message: string; frames: Frame[]; headers: Headers }
  | {
      kind: 'ok'
      status: number
      frames?: Frame[]
      message?: Record<string, unknown>
      headers: Headers
    }

/** Reads a response whole: a status error, an SSE stream ending in an `error` event, or a success. */
export async function outcome(res: Response): Promise<Outcome> {
  const text = await res.text()
  if (res.status >= 400) {
    const { type, message } = expectEnvelope(JSON.parse(text))
    return { kind: 'status', status: res.status, type, message, headers: res.headers }
  }
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const frames = parseSse(text)
    const err = frames.find((f) => f.event === 'error')
    if (err) {
      const e = (err.data as { error: { type: string; message: string } }).error
      // Nothing may follow the error event.
      expect(frames.at(-1)).toBe(err)
      return { kind: 'event', type: e.type, message: e.message, frames, headers: res.headers }
    }
    return { kind: 'ok', status: res.status, frames, headers: res.headers }
  }
  return {
    kind: 'ok',
    status: res.status,
    message: JSON.parse(text) as Record<string, unknown>,
    headers: res.headers,
  }
}

/** Posts and reads; `stream` picks the mode of `body`. */
export async function send(
  app: AppLike,
  body: Record<string, unknown>,
  init: RequestInit = {},
): Promise<Outcome> {
  const res = await app.request('/v1/messages', {
    method: 'POST',
    headers: anthropicHeaders,
    body: JSON.stringify(body),
    ...init,
  })
  return outcome(res)
}

/** The visible text of a successful outcome (stream or message). */
export function textOf(o: Outcome): string {
  if (o.kind !== 'ok') throw new Error(`expected success, got ${o.kind} ${o.type}: ${o.message}`)
  if (o.frames) {
    let s = ''
    for (const f of o.frames) {
      const d = f.data as { type: string; delta?: { type: string; text?: string } }
      if (d.type === 'content_block_delta' && d.delta?.type === 'text_delta') s += d.delta.text
    }
    return s
  }
  const content = (o.message?.content ?? []) as { type: string; text?: string }[]
  return content.map((b) => (b.type === 'text' ? b.text : '')).join('')
}

/** The Anthropic stream grammar: message_start, blocks in order, message_delta, message_stop. */
export function expectCompleteStream(frames: Frame[]): void {
  const t = frames.map((f) => f.event).filter((e) => e !== 'ping')
  expect(t[0]).toBe('message_start')
  expect(t.at(-2)).toBe('message_delta')
  expect(t.at(-1)).toBe('message_stop')
  let open = -1
  let next = 0
  for (const f of frames) {
    const d = f.data as { type: string; index?: number }
    if (d.type === 'content_block_start') {
      expect(open).toBe(-1)
      expect(d.index).toBe(next++)
      open = d.index!
    } else if (d.type === 'content_block_delta') expect(d.index).toBe(open)
    else if (d.type === 'content_block_stop') {
      expect(d.index).toBe(open)
      open = -1
    }
  }
  expect(open).toBe(-1)
}

/** A real HTTP fake backend on 127.0.0.1:0 (node:http), for socket-level faults. */
export async function httpBackend(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => {
      body += d
    })
    req.on('end', () => handler(req, res, body))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** SSE text for OpenAI chunks, ending with `[DONE]`. */
export const sseOf = (chunks: Record<string, unknown>[], done = true): string =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '')

/** Active handles and requests by type, without the ones every test run has (stdio, etc.). */
export function resourceCounts(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

/** Waits until `check` passes (polling), or fails with its last error. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 2000,
  stepMs = 10,
): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (e) {
      if (Date.now() > end) throw e
      await sleep(stepMs)
    }
  }
}

/** Waits until no type of active resource (server, socket, timer) outnumbers `before`. */
export function backToBaseline(before: Record<string, number>, timeoutMs = 3000): Promise<void> {
  return eventually(() => {
    const after = resourceCounts()
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)]))
      expect(after[key] ?? 0, `${key}: ${JSON.stringify({ before, after })}`).toBeLessThanOrEqual(
        before[key] ?? 0,
      )
  }, timeoutMs)
}
