/**
 * Fault handling against a backend that misbehaves on purpose (design.md's error table).
 *
 * Each row says what the client sees: a status (the fault happened before the commit point) or an
 * `error` event after a 200 (it happened after), the error type, `x-should-retry` where the table
 * sets it, and words the message must carry (the backend's name and the cause). Every row runs
 * streaming and non-streaming where meaningful, and afterwards the same app must serve a normal
 * request with nothing left in flight.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { createUpstreamFetch } from '../../src/server.js'
import { collectingLog, simpleRequest, testApp, testConfig } from '../helpers/app.js'
import { type FakeCall, type FakeReply, refused, textChunks } from '../helpers/fake-openai.js'
import {
  expectCompleteStream,
  httpBackend,
  type Outcome,
  send,
  sleep,
  sseOf,
  textOf,
} from './helpers.js'

type Expect =
  /** Before the commit point: an HTTP status with the Anthropic envelope. */
  | { status: number; type: string; retry?: 'false'; says?: (string | RegExp)[] }
  /** After it: 200, then an `error` event as the last frame. */
  | { event: string; says?: (string | RegExp)[] }

type Row = {
  name: string
  /** The fault, for the first request only; a function may throw (a connection error). */
  fault: FakeReply | ((call: FakeCall) => FakeReply | Promise<FakeReply>)
  backend?: { name: string; kind: string }
  config?: Record<string, unknown>
  request?: Record<string, unknown>
  /** Omitted: the mode is not meaningful for this fault. */
  stream?: Expect
  json?: Expect
  /** The upstream request must have been aborted (a timeout must not leave the backend working). */
  aborts?: boolean
}

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/backend-streams/${name}`, import.meta.url), 'utf8')

const connError = (code: string, message: string) => {
  const err = new TypeError('fetch failed')
  ;(err as { cause?: unknown }).cause = Object.assign(new Error(message), { code })
  return err
}

const openaiError = (
  message: string,
  type = 'invalid_request_error',
  extra: Record<string, unknown> = {},
) => JSON.stringify({ error: { message, type, param: null, code: null, ...extra } })

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-x',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
})

// Short timeouts everywhere; pingAfterMs stays long unless a row commits early on purpose.
const BASE = {
  pingAfterMs: 2000,
  pingIntervalMs: 20,
  firstTokenTimeoutMs: 5000,
  idleTimeoutMs: 5000,
}
const EARLY = { pingAfterMs: 30 }

const both = (e: Expect): Pick<Row, 'stream' | 'json'> => ({ stream: e, json: e })

/**
 * The backend answered 200 and failed before the first content block: the streaming status was
 * already sent with that 200 (design.md's commit point), so streaming sees an `error` event of the
 * same type; non-streaming still gets the status.
 */
const after200 = (e: Expect & { status: number; type: string }): Pick<Row, 'stream' | 'json'> => ({
  stream: { event: e.type, says: e.says },
  json: e,
})

// --- HTTP statuses × body shapes -------------------------------------------------------------
const STATUS_ROWS: Row[] = []
for (const status of [400, 401, 404, 413, 429, 500, 503]) {
  const words = `backend says no to this (${status})`
  const bodies: [string, string, string | undefined][] = [
    ['OpenAI-style', openaiError(words), 'application/json'],
    ['plain-text', words, 'text/plain'],
    ['empty', '', undefined],
  ]
  for (const [shape, body, contentType] of bodies) {
    const says: (string | RegExp)[] = ['fake', `HTTP ${status}`]
    says.push(body ? words : 'empty body')
    let expectation: Expect
    if (status === 429 || status === 503)
      expectation = { status: 529, type: 'overloaded_error', says }
    else if (status >= 500) expectation = { status: 500, type: 'api_error', says }
    else expectation = { status: 400, type: 'invalid_request_error', says }
    STATUS_ROWS.push({
      name: `HTTP ${status}, ${shape} body`,
      fault: { status, body, contentType },
      ...both(expectation),
    })
  }
}

// --- Context overflow in each server's words ---------------------------------------------------
const tooLong = (backend: string, ...more: (string | RegExp)[]) => ({
  status: 400,
  type: 'invalid_request_error',
  says: [/prompt is too long/i, backend, ...more],
})

const OVERFLOW_ROWS: Row[] = [
  {
    // mlx-lm has no context check: a prompt too large for memory fails to allocate (HTTP 404 + error).
    name: 'mlx-lm: Metal allocation failure (404)',
    backend: { name: 'mlx-lm', kind: 'mlx-lm' },
    fault: {
      status: 404,
      body: JSON.stringify({
        error:
          '[metal::malloc] Attempting to allocate 85899345920 bytes which is greater than the maximum allowed buffer size of 77309411328 bytes.',
      }),
    },
    ...both(tooLong('mlx-lm', 'metal::malloc')),
  },
  {
    // ...or the server process dies during the prefill: a 200 whose body ends before any chunk.
    name: 'mlx-lm: server crash during the prefill (200, connection lost)',
    backend: { name: 'mlx-lm', kind: 'mlx-lm' },
    fault: { chunks: [': keepalive 1/4\n\n'], cutAfter: 1 },
    ...after200({
      status: 500,
      type: 'api_error',
      says: ['mlx-lm', /connection .*lost|terminated/],
    }),
  },
  {
    name: 'LM Studio (MLX engine): "Context size has been exceeded"',
    backend: { name: 'lmstudio', kind: 'lmstudio' },
    fault: { status: 400, body: JSON.stringify({ error: 'Context size has been exceeded.' }) },
    ...both(tooLong('lmstudio', 'Context size has been exceeded')),
  },
  {
    name: 'LM Studio (llama.cpp engine): tokens to keep > context length',
    backend: { name: 'lmstudio', kind: 'lmstudio' },
    fault: {
      status: 400,
      body: JSON.stringify({
        error:
          'The number of tokens to keep from the initial prompt is greater than the context length. Try to load the model with a larger context length, or provide a shorter input',
      }),
    },
    ...both(tooLong('lmstudio', 'tokens to keep')),
  },
  {
    name: 'llama.cpp: 400 exceed_context_size_error with n_prompt_tokens/n_ctx',
    backend: { name: 'llamacpp', kind: 'llamacpp' },
    fault: {
      status: 400,
      body: JSON.stringify({
        error: {
          code: 400,
          message: 'the request exceeds the available context size, try increasing it',
          type: 'exceed_context_size_error',
          n_prompt_tokens: 40000,
          n_ctx: 32768,
        },
      }),
    },
    ...both(tooLong('llamacpp', 'prompt is too long: 40000 tokens > 32768 maximum')),
  },
  {
    name: 'llama.cpp: 500 "Context size has been exceeded."',
    backend: { name: 'llamacpp', kind: 'llamacpp' },
    fault: {
      status: 500,
      body: JSON.stringify({
        error: { code: 500, message: 'Context size has been exceeded.', type: 'server_error' },
      }),
    },
    ...both(tooLong('llamacpp', 'Context size has been exceeded')),
  },
  {
    name: 'Ollama: "prompt too long; exceeded max context length"',
    backend: { name: 'ollama', kind: 'ollama' },
    fault: {
      status: 400,
      body: openaiError('prompt too long; exceeded max context length by 4021 tokens'),
    },
    ...both(tooLong('ollama', 'exceeded max context length by 4021 tokens')),
  },
  {
    // The prompt fits but prompt + max_tokens does not: Claude Code's own retry message, exactly.
    name: 'vLLM: maximum context length, prompt + completion too big',
    backend: { name: 'vllm', kind: 'vllm' },
    request: { max_tokens: 32000 },
    fault: {
      status: 400,
      body: JSON.stringify({
        object: 'error',
        message:
          "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (8000 in the messages, 32000 in the completion). Please reduce the length of the messages or completion.",
        type: 'BadRequestError',
        param: null,
        code: 400,
      }),
    },
    ...both({
      status: 400,
      type: 'invalid_request_error',
      says: ['input length and `max_tokens` exceed context limit: 8000 + 32000 > 32768', 'vllm'],
    }),
  },
  {
    // The numbers come from the backend's words, not from what was sent.
    name: 'vLLM (newer wording): max_tokens too large for the remaining context',
    backend: { name: 'vllm', kind: 'vllm' },
    request: { max_tokens: 32000 },
    fault: {
      status: 400,
      body: openaiError(
        "'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 32768 tokens and your request has 8000 input tokens (32000 > 32768 - 8000).",
        'BadRequestError',
      ),
    },
    ...both({
      status: 400,
      type: 'invalid_request_error',
      says: ['input length and `max_tokens` exceed context limit: 8000 + 32000 > 32768', 'vllm'],
    }),
  },
  {
    name: 'vLLM: the prompt alone exceeds the context',
    backend: { name: 'vllm', kind: 'vllm' },
    fault: {
      status: 400,
      body: openaiError(
        "This model's maximum context length is 32768 tokens. However, your request has 40000 input tokens. Please reduce the length of the input messages.",
        'BadRequestError',
      ),
    },
    ...both(tooLong('vllm', 'prompt is too long: 40000 tokens > 32768 maximum')),
  },
]

// --- Connections, streams and timeouts ----------------------------------------------------------
const hello = textChunks(['Hel', 'lo'])
const FAULT_ROWS: Row[] = [
  {
    name: 'connection refused',
    fault: { refuse: true },
    ...both({
      status: 503,
      type: 'api_error',
      retry: 'false',
      says: ['fake', 'http://fake.local/v1', 'connection refused'],
    }),
  },
  {
    name: 'connection reset before the headers',
    fault: () => {
      throw connError('ECONNRESET', 'read ECONNRESET')
    },
    ...both({ status: 503, type: 'api_error', retry: 'false', says: ['fake', 'connection reset'] }),
  },
  {
    name: 'host not found',
    fault: () => {
      throw connError('ENOTFOUND', 'getaddrinfo ENOTFOUND fake.local')
    },
    ...both({ status: 503, type: 'api_error', retry: 'false', says: ['fake', 'host not found'] }),
  },
  {
    name: 'connection refused after the status was sent',
    config: EARLY,
    fault: async () => {
      await sleep(120)
      throw refused()
    },
    stream: { event: 'api_error', says: ['fake', 'connection refused'] },
    json: { status: 503, type: 'api_error', retry: 'false', says: ['fake', 'connection refused'] },
  },
  {
    name: 'HTTP 500 after the status was sent',
    config: EARLY,
    fault: { status: 500, body: openaiError('kaboom', 'server_error'), headerDelayMs: 120 },
    stream: { event: 'api_error', says: ['fake', 'HTTP 500', 'kaboom'] },
    json: { status: 500, type: 'api_error', says: ['fake', 'kaboom'] },
  },
  {
    name: 'HTTP 503 "loading model" after the status was sent',
    config: EARLY,
    fault: {
      status: 503,
      body: openaiError('Loading model', 'unavailable_error'),
      headerDelayMs: 120,
    },
    stream: { event: 'overloaded_error', says: ['fake', 'Loading model'] },
    json: { status: 529, type: 'overloaded_error', says: ['fake', 'Loading model'] },
  },
  {
    name: 'HTTP 400 after the status was sent',
    config: EARLY,
    fault: {
      status: 400,
      body: openaiError('tools are not supported by this model'),
      headerDelayMs: 120,
    },
    stream: { event: 'invalid_request_error', says: ['fake', 'tools are not supported'] },
    json: { status: 400, type: 'invalid_request_error', says: ['fake', 'tools are not supported'] },
  },
  {
    name: 'stream cut off after content (connection lost)',
    fault: { chunks: hello, cutAfter: 3 },
    stream: { event: 'api_error', says: ['fake', /lost|terminated/] },
    json: { status: 500, type: 'api_error', says: ['fake', /lost|terminated/] },
  },
  {
    name: 'stream cut off mid-event (the body ends inside a data line)',
    fault: {
      chunks: [
        ...hello.slice(0, 2),
        'data: {"id":"chatcmpl-x","choices":[{"index":0,"delta":{"content":"wor',
      ],
      noDone: true,
    },
    // The unterminated last event is still decoded (sse-decode), so it reads as invalid JSON.
    stream: { event: 'api_error', says: ['fake', /invalid JSON.*wor$|ended/] },
    json: { status: 500, type: 'api_error', says: ['fake', /invalid JSON.*wor$|ended/] },
  },
  {
    name: 'stream ends without [DONE] or a finish reason',
    fault: { chunks: textChunks(['Hel', 'lo'], { finish: null }), noDone: true },
    stream: { event: 'api_error', says: ['fake', /ended before the answer was complete/] },
    json: {
      status: 500,
      type: 'api_error',
      says: ['fake', /ended before the answer was complete/],
    },
  },
  {
    name: 'stream cut off before any content',
    fault: { chunks: hello, cutAfter: 1 },
    ...after200({ status: 500, type: 'api_error', says: ['fake', /lost|terminated/] }),
  },
  {
    name: 'invalid JSON in a chunk after content',
    fault: { chunks: [...hello.slice(0, 2), 'data: {"choices": [oops\n\n'] },
    stream: { event: 'api_error', says: ['fake', 'invalid JSON', 'oops'] },
    json: { status: 500, type: 'api_error', says: ['fake', 'invalid JSON'] },
  },
  {
    name: 'invalid JSON in the first chunk',
    fault: { chunks: ['data: <<not json>>\n\n'] },
    ...after200({ status: 500, type: 'api_error', says: ['fake', 'invalid JSON'] }),
  },
  {
    name: 'llama.cpp in-band error chunk after 200 (context), before content',
    backend: { name: 'llamacpp', kind: 'llamacpp' },
    fault: {
      chunks: [
        chunk({ role: 'assistant', content: null }),
        { error: { code: 500, message: 'Context size has been exceeded.', type: 'server_error' } },
      ],
      noDone: true,
    },
    ...after200(tooLong('llamacpp', 'Context size has been exceeded')),
  },
  {
    name: 'llama.cpp in-band error chunk after content',
    backend: { name: 'llamacpp', kind: 'llamacpp' },
    fault: {
      chunks: [
        ...hello.slice(0, 2),
        {
          error: {
            code: 500,
            message: 'Failed to parse input at pos 12: <tool_call>',
            type: 'server_error',
          },
        },
      ],
      noDone: true,
    },
    stream: { event: 'api_error', says: ['llamacpp', 'Failed to parse input at pos 12'] },
    json: { status: 500, type: 'api_error', says: ['llamacpp', 'Failed to parse input'] },
  },
  {
    name: 'llama.cpp b5966: `error:` SSE field after 200 (recorded)',
    backend: { name: 'llamacpp', kind: 'llamacpp' },
    fault: { chunks: [fixture('llamacpp-b5966-error-field-context-overflow.sse')], noDone: true },
    ...after200(tooLong('llamacpp', 'exceeds the available context size')),
  },
  {
    name: 'vLLM in-band error chunk after 200 (busy)',
    backend: { name: 'vllm', kind: 'vllm' },
    fault: {
      chunks: [
        {
          error: {
            message: 'The engine is overloaded, try again later',
            type: 'ServiceUnavailableError',
          },
        },
      ],
      noDone: true,
    },
    ...after200({ status: 529, type: 'overloaded_error', says: ['vllm', 'overloaded'] }),
  },
  {
    name: 'stream stalls between chunks (idle timeout)',
    config: { idleTimeoutMs: 150 },
    fault: { chunks: hello, stallAfter: 2 },
    stream: { event: 'api_error', says: ['fake', 'stalled', '0.15 s'] },
    json: { status: 500, type: 'api_error', says: ['fake', 'stalled'] },
    aborts: true,
  },
  {
    name: 'backend accepts and never answers (first-token timeout)',
    config: { firstTokenTimeoutMs: 150 },
    fault: { hang: true },
    ...both({ status: 500, type: 'api_error', says: ['fake', 'no first token', '0.15 s'] }),
    aborts: true,
  },
  {
    name: 'backend never answers, after the status was sent (first-token timeout)',
    config: { ...EARLY, firstTokenTimeoutMs: 200 },
    fault: { hang: true },
    stream: { event: 'api_error', says: ['fake', 'no first token'] },
    aborts: true,
  },
  {
    name: 'headers, then no token (first-token timeout while prefilling)',
    config: { firstTokenTimeoutMs: 150 },
    fault: { chunks: hello, stallAfter: 1 },
    ...after200({ status: 500, type: 'api_error', says: ['fake', 'no first token'] }),
    aborts: true,
  },
  {
    name: 'LM Studio: empty 200 stream on context overflow',
    backend: { name: 'lmstudio', kind: 'lmstudio' },
    fault: { chunks: [chunk({ role: 'assistant', content: '' }), chunk({}, 'stop')] },
    ...after200(tooLong('lmstudio', 'empty')),
  },
  {
    name: '200 with an HTML body',
    fault: { body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' },
    ...after200({ status: 500, type: 'api_error', says: ['fake', 'text/html', '502 Bad Gateway'] }),
  },
  {
    name: '200 with a JSON error document',
    fault: {
      body: openaiError('model "qwen" not found, try pulling it first', 'not_found_error'),
      contentType: 'application/json',
    },
    ...after200({ status: 500, type: 'api_error', says: ['fake', 'not found'] }),
  },
]

async function runRow(row: Row, stream: boolean, expected: Expect) {
  const backend = row.backend ?? { name: 'fake', kind: 'openai' }
  let n = 0
  const { app, fetch } = testApp(
    (call) => {
      n++
      if (n === 1) return typeof row.fault === 'function' ? row.fault(call) : row.fault
      return { chunks: textChunks(['all ', 'good']) }
    },
    { ...BASE, ...row.config, backends: [{ ...backend, url: 'http://fake.local/v1', model: 'm' }] },
  )
  const got = await send(app, simpleRequest({ stream, ...row.request }))
  const describe = (o: Outcome) =>
    o.kind === 'ok' ? 'ok' : `${o.kind} ${'status' in o ? o.status : ''} ${o.type}: ${o.message}`

  if ('status' in expected) {
    expect(got.kind, describe(got)).toBe('status')
    if (got.kind !== 'status') return
    expect(got.status, got.message).toBe(expected.status)
    expect(got.type, got.message).toBe(expected.type)
    expect(got.headers.get('x-should-retry') ?? undefined).toBe(expected.retry)
  } else {
    expect(got.kind, describe(got)).toBe('event')
    if (got.kind !== 'event') return
    expect(got.type, got.message).toBe(expected.event)
    expect(got.frames[0]?.event).toBe('message_start')
  }
  for (const s of expected.says ?? [])
    expect(got.message).toMatch(typeof s === 'string' ? new RegExp(escapeRegExp(s)) : s)

  if (row.aborts) expect(fetch.calls[0]?.aborted).toBe(true)

  // The same app serves the next request normally, and nothing is left in flight.
  const next = await send(app, simpleRequest({ stream }))
  expect(textOf(next)).toBe('all good')
  if (next.kind === 'ok' && next.frames) expectCompleteStream(next.frames)
  const health = (await (await app.request('/health')).json()) as {
    backends: { inFlight: number }[]
  }
  expect(health.backends.map((b) => b.inFlight)).toEqual([0])
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const ROWS = [...FAULT_ROWS, ...OVERFLOW_ROWS, ...STATUS_ROWS]

describe('faults: the error table, before and after the commit point', () => {
  for (const row of ROWS) {
    describe(row.name, () => {
      if (row.stream) it('streaming', () => runRow(row, true, row.stream!))
      if (row.json) it('non-streaming', () => runRow(row, false, row.json!))
    })
  }
})

describe('faults over real sockets (undici errors, not simulated ones)', () => {
  const realApp = (url: string, over: Record<string, unknown> = {}) => {
    const config = testConfig({
      ...BASE,
      backends: [{ name: 'local', kind: 'openai', url, model: 'm' }],
      ...over,
    })
    return createApp(config, { fetch: createUpstreamFetch(config), log: collectingLog() })
  }

  it('connection refused: 503, x-should-retry false, names the backend and the cause', async () => {
    const b = await httpBackend(() => {})
    const url = b.url
    await b.close() // the port is now closed
    const got = await send(realApp(url), simpleRequest())
    expect(got).toMatchObject({ kind: 'status', status: 503, type: 'api_error' })
    if (got.kind !== 'status') return
    expect(got.headers.get('x-should-retry')).toBe('false')
    expect(got.message).toContain('local')
    expect(got.message).toContain('connection refused')
  })

  it('reset before the headers: 503 api_error naming the reset; the next request works', async () => {
    let n = 0
    const b = await httpBackend((req, res) => {
      if (++n === 1) return req.socket.destroy()
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(sseOf(textChunks(['fine'])))
    })
    try {
      const app = realApp(b.url)
      const got = await send(app, simpleRequest())
      expect(got).toMatchObject({ kind: 'status', status: 503, type: 'api_error' })
      if (got.kind === 'status') expect(got.message).toMatch(/local.*(connection reset|closed)/)
      expect(textOf(await send(app, simpleRequest()))).toBe('fine')
    } finally {
      await b.close()
    }
  })

  it('cut mid-event after content: an api_error event, nothing after it', async () => {
    const b = await httpBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(sseOf(textChunks(['Hel']).slice(0, 2), false))
      res.write('data: {"choices":[{"delta":{"content":"lo')
      setTimeout(() => res.destroy(), 20)
    })
    try {
      const got = await send(realApp(b.url), simpleRequest())
      expect(got).toMatchObject({ kind: 'event', type: 'api_error' })
      if (got.kind === 'event') expect(got.message).toContain('local')
    } finally {
      await b.close()
    }
  })
})

describe('failover: silent before the first content block, never after it', () => {
  const two = (
    handler: (backend: 'a' | 'b', call: FakeCall) => FakeReply | Promise<FakeReply>,
    over: Record<string, unknown> = {},
  ) =>
    testApp((call) => handler(call.url.includes('a.local') ? 'a' : 'b', call), {
      ...BASE,
      backends: [
        { name: 'a', kind: 'openai', url: 'http://a.local/v1', model: 'm' },
        { name: 'b', kind: 'openai', url: 'http://b.local/v1', model: 'm' },
      ],
      ...over,
    })

  for (const stream of [true, false]) {
    const mode = stream ? 'streaming' : 'non-streaming'
    it(`${mode}: a refused first candidate is replaced by the next`, async () => {
      const { app } = two((b) =>
        b === 'a' ? { refuse: true } : { chunks: textChunks(['from b']) },
      )
      const got = await send(app, simpleRequest({ stream }))
      expect(textOf(got)).toBe('from b')
      expect(got.headers.get('x-anyclaude-backend')).toBe('b')
    })

    it(`${mode}: every candidate failing names each backend and why`, async () => {
      const { app } = two((b) =>
        b === 'a' ? { refuse: true } : { status: 500, body: 'b is on fire' },
      )
      const got = await send(app, simpleRequest({ stream }))
      expect(got).toMatchObject({ kind: 'status', status: 500, type: 'api_error' })
      if (got.kind !== 'status') return
      expect(got.message).toMatch(/a \(http:\/\/a\.local\/v1\): connection refused/)
      expect(got.message).toMatch(/b \(http:\/\/b\.local\/v1\): HTTP 500/)
    })

    it(`${mode}: every candidate unreachable is a 503 with x-should-retry false`, async () => {
      const { app } = two(() => ({ refuse: true }))
      const got = await send(app, simpleRequest({ stream }))
      expect(got).toMatchObject({ kind: 'status', status: 503, type: 'api_error' })
      expect(got.headers.get('x-should-retry')).toBe('false')
    })
  }

  it('after the status, before content: an in-band error fails over silently (pings meanwhile)', async () => {
    const { app } = two(
      (b) =>
        b === 'a'
          ? {
              chunks: [{ error: { message: 'backend crashed', type: 'server_error' } }],
              noDone: true,
              headerDelayMs: 60,
            }
          : { chunks: textChunks(['from b']), headerDelayMs: 60 },
      EARLY,
    )
    const got = await send(app, simpleRequest())
    expect(textOf(got)).toBe('from b')
    if (got.kind === 'ok' && got.frames) {
      expectCompleteStream(got.frames)
      expect(got.frames.some((f) => f.event === 'ping')).toBe(true)
    }
  })

  it('after the first content block the backend is fixed: an error event, no second backend', async () => {
    const { app, fetch } = two((b) =>
      b === 'a'
        ? { chunks: textChunks(['Hel', 'lo']), cutAfter: 3 }
        : { chunks: textChunks(['from b']) },
    )
    const got = await send(app, simpleRequest())
    expect(got).toMatchObject({ kind: 'event', type: 'api_error' })
    expect(fetch.calls.map((c) => c.url)).toEqual(['http://a.local/v1/chat/completions'])
    if (got.kind === 'event')
      expect(
        textOf({ kind: 'ok', status: 200, frames: got.frames.slice(0, -1), headers: got.headers }),
      ).toBe('Hello')
  })
})
