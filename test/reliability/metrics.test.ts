/**
 * `GET /metrics`: Prometheus text exposition of requests (route, backend, status, stop reason),
 * time-to-first-token and duration histograms, tokens (input, output, cached), failovers and
 * backend up/down.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createRegistry } from '../../src/app.js'
import { PromMetrics } from '../../src/metrics-prom.js'
import { startServer } from '../../src/server.js'
import {
  anthropicHeaders,
  collectingLog,
  post,
  simpleRequest,
  testApp,
  testConfig,
} from '../helpers/app.js'
import {
  type FakeCall,
  type FakeReply,
  fakeFetch,
  textChunks,
  toolCallChunks,
} from '../helpers/fake-openai.js'
import { httpBackend, sseOf } from './helpers.js'

type Sample = { name: string; labels: Record<string, string>; value: number }

/** Parses the text exposition format strictly enough to catch a malformed line. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      types.set(name!, type!)
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)$/.exec(
      line,
    )
    if (!m) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k!] = v!
    // Prometheus parses NaN case-insensitively; prom-client writes `Nan`.
    samples.push({ name: m[1]!, labels, value: /^nan$/i.test(m[4]!) ? Number.NaN : Number(m[4]) })
  }
  return { samples, types }
}

const value = (
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce<number | undefined>((sum, s) => (sum ?? 0) + s.value, undefined)

async function scrape(app: {
  request: (p: string, i?: RequestInit) => Response | Promise<Response>
}) {
  const res = await app.request('/metrics', { headers: { host: '127.0.0.1:8082' } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseProm(await res.text())
}

const USAGE = {
  prompt_tokens: 100,
  completion_tokens: 7,
  prompt_tokens_details: { cached_tokens: 60 },
}

describe('GET /metrics (in-process, deps.metrics = new PromMetrics())', () => {
  it('counts requests by route, backend, status and stop reason; tokens; histograms', async () => {
    const { app } = testApp(
      (call) => {
        const text = JSON.stringify(call.body.messages)
        if (text.includes('tool please'))
          return { chunks: toolCallChunks([{ name: 'Bash', args: { command: 'ls' } }]) }
        if (text.includes('break')) return { status: 500, body: 'boom' }
        return { chunks: textChunks(['hi'], { usage: USAGE }) }
      },
      {},
      { metrics: new PromMetrics() },
    )
    await (await post(app, simpleRequest())).text()
    await (await post(app, simpleRequest({ stream: false }))).text()
    const tools = [
      {
        name: 'Bash',
        input_schema: { type: 'object', properties: { command: { type: 'string' } } },
      },
    ]
    await (
      await post(
        app,
        simpleRequest({ tools, messages: [{ role: 'user', content: 'tool please' }] }),
      )
    ).text()
    await (
      await post(app, simpleRequest({ messages: [{ role: 'user', content: 'break' }] }))
    ).text()
    await (await post(app, { not: 'valid' })).text()
    await (
      await post(
        app,
        { model: 'x', messages: [{ role: 'user', content: 'hi' }] },
        '/v1/messages/count_tokens',
      )
    ).text()

    const { samples, types } = await scrape(app)
    const total = 'anyclaude_requests_total'
    expect(types.get(total)).toBe('counter')
    expect(
      value(samples, total, {
        route: '/v1/messages',
        backend: 'fake',
        status: '200',
        stop_reason: 'end_turn',
      }),
    ).toBe(2)
    expect(
      value(samples, total, {
        route: '/v1/messages',
        backend: 'fake',
        status: '200',
        stop_reason: 'tool_use',
      }),
    ).toBe(1)
    expect(value(samples, total, { route: '/v1/messages', status: '500' })).toBe(1)
    expect(value(samples, total, { route: '/v1/messages', backend: 'none', status: '400' })).toBe(1)
    expect(value(samples, total, { route: '/v1/messages/count_tokens', status: '200' })).toBe(1)

    // Tokens: input excludes the cached part (Anthropic's meaning), both from the backend's usage.
    expect(types.get('anyclaude_tokens_total')).toBe('counter')
    expect(
      value(samples, 'anyclaude_tokens_total', { backend: 'fake', kind: 'input' }),
    ).toBeGreaterThanOrEqual(80)
    expect(value(samples, 'anyclaude_tokens_total', { backend: 'fake', kind: 'cached' })).toBe(120)
    expect(
      value(samples, 'anyclaude_tokens_total', { backend: 'fake', kind: 'output' }),
    ).toBeGreaterThanOrEqual(14)

    for (const h of [
      'anyclaude_time_to_first_token_seconds',
      'anyclaude_time_to_first_byte_seconds',
      'anyclaude_request_duration_seconds',
    ]) {
      expect(types.get(h), h).toBe('histogram')
      expect(value(samples, `${h}_count`), h).toBeGreaterThanOrEqual(3)
      expect(value(samples, `${h}_bucket`, { le: '+Inf' }), h).toBe(value(samples, `${h}_count`))
    }
    expect(value(samples, 'anyclaude_time_to_first_token_seconds_count', { backend: 'fake' })).toBe(
      3,
    )
  })

  it('a streamed request is counted when its stream ends, with its stop reason and tokens', async () => {
    const { app } = testApp(
      () => ({ chunks: textChunks(['a', 'b', 'c'], { usage: USAGE }), chunkDelayMs: 20 }),
      {},
      { metrics: new PromMetrics() },
    )
    const res = await post(app, simpleRequest())
    const before = await scrape(app)
    expect(value(before.samples, 'anyclaude_requests_total', { status: '200' })).toBeUndefined()
    await res.text()
    await new Promise((r) => setTimeout(r, 10))
    const after = await scrape(app)
    expect(
      value(after.samples, 'anyclaude_requests_total', { status: '200', stop_reason: 'end_turn' }),
    ).toBe(1)
    expect(
      value(after.samples, 'anyclaude_request_duration_seconds_sum', { route: '/v1/messages' }),
    ).toBeGreaterThan(0.03)
  })

  it('counts failovers and tracks backends up and down', async () => {
    let aDown = true
    const handler = (call: FakeCall): FakeReply =>
      call.url.includes('a.local') && aDown ? { refuse: true } : { chunks: textChunks(['ok']) }
    const config = testConfig({
      backends: [
        { name: 'a', kind: 'openai', url: 'http://a.local/v1', model: 'm' },
        { name: 'b', kind: 'openai', url: 'http://b.local/v1', model: 'm' },
      ],
      retryDownAfterMs: 1,
    })
    const fetch = fakeFetch(handler)
    const metrics = new PromMetrics()
    const log = collectingLog()
    const registry = createRegistry(config, { fetch, log, logLine: () => {} })
    metrics.trackBackends(() => registry.states())
    const { createApp } = await import('../../src/app.js')
    const app = createApp(config, { fetch, log, metrics, registry })

    await (await post(app, simpleRequest())).text()
    let { samples, types } = await scrape(app)
    expect(types.get('anyclaude_failovers_total')).toBe('counter')
    expect(value(samples, 'anyclaude_failovers_total', { backend: 'a' })).toBe(1)
    expect(types.get('anyclaude_backend_up')).toBe('gauge')
    expect(value(samples, 'anyclaude_backend_up', { backend: 'a', url: 'http://a.local/v1' })).toBe(
      0,
    )
    expect(value(samples, 'anyclaude_backend_up', { backend: 'b', url: 'http://b.local/v1' })).toBe(
      1,
    )

    aDown = false
    await new Promise((r) => setTimeout(r, 5)) // past retryDownAfterMs: a is tried again (half-open)
    await (await post(app, simpleRequest())).text()
    ;({ samples } = await scrape(app))
    expect(value(samples, 'anyclaude_backend_up', { backend: 'a' })).toBe(1)
    expect(value(samples, 'anyclaude_failovers_total', { backend: 'a' })).toBe(1)
  })

  it('unknown paths do not create a label per path (bounded cardinality)', async () => {
    const { app } = testApp(
      () => ({ chunks: textChunks(['ok']) }),
      {},
      { metrics: new PromMetrics() },
    )
    for (let i = 0; i < 20; i++)
      await (
        await app.request(`/scan/${i}/wp-login.php`, { headers: { host: '127.0.0.1' } })
      ).text()
    const { samples } = await scrape(app)
    const routes = new Set(
      samples.filter((s) => s.name === 'anyclaude_requests_total').map((s) => s.labels.route),
    )
    expect(routes.size).toBeLessThanOrEqual(2)
  })

  it('without metrics, /metrics says so (still 200, still text)', async () => {
    const { app } = testApp(() => ({ chunks: textChunks(['ok']) }))
    const res = await app.request('/metrics', { headers: { host: '127.0.0.1' } })
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/^# /)
  })
})

describe('GET /metrics from startServer (backend_up from the probes)', () => {
  it('reports the probed backends up and down', async () => {
    const backend = await httpBackend((req, res) => {
      if (req.method === 'GET') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"object":"list","data":[{"id":"m"}]}')
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sseOf(textChunks(['ok'])))
    })
    const logs = new PassThrough()
    logs.resume()
    const config = testConfig({
      port: 0,
      backends: [
        { name: 'live', kind: 'openai', url: backend.url, model: 'm' },
        { name: 'dead', kind: 'openai', url: 'http://127.0.0.1:9/v1', model: 'm' },
      ],
    })
    const server = await startServer(config, { stdout: () => {}, logDestination: logs })
    try {
      await server.registry.probeAll()
      const res = await fetch(`${server.url}/metrics`)
      const { samples } = parseProm(await res.text())
      expect(value(samples, 'anyclaude_backend_up', { backend: 'live' })).toBe(1)
      expect(value(samples, 'anyclaude_backend_up', { backend: 'dead' })).toBe(0)
      // And a request through the real server is counted.
      const r = await fetch(`${server.url}/v1/messages`, {
        method: 'POST',
        headers: { ...anthropicHeaders, host: new URL(server.url).host },
        body: JSON.stringify(simpleRequest({ stream: false })),
      })
      expect(r.status).toBe(200)
      await r.text()
      const again = parseProm(await (await fetch(`${server.url}/metrics`)).text())
      expect(
        value(again.samples, 'anyclaude_requests_total', { backend: 'live', status: '200' }),
      ).toBe(1)
    } finally {
      await server.close(0)
      await backend.close()
    }
  })
})

describe('process metrics', () => {
  it('GET /metrics also exposes the process: RSS, heap, event-loop lag', async () => {
    const { PromMetrics } = await import('../../src/metrics-prom.js')
    const text = (await new PromMetrics().render()).body
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(name)
  })
})
