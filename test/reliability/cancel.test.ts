/**
 * Cancellation: when Claude Code goes away (Esc, Ctrl-C, a closed socket), the upstream request is
 * aborted at once so the backend stops generating, and nothing is left behind: no timers, no
 * listeners, no in-flight count, no open sockets.
 */
import { getEventListeners } from 'node:events'
import { request as httpRequest } from 'node:http'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/server.js'
import { anthropicHeaders, simpleRequest, testApp, testConfig } from '../helpers/app.js'
import { type FakeCall, textChunks } from '../helpers/fake-openai.js'
import { backToBaseline, eventually, httpBackend, resourceCounts, sleep } from './helpers.js'

const latencies: Record<string, number> = {}
afterAll(() => {
  // Printed for the report: how long from the client's cancel to the backend seeing the abort.
  console.info('cancellation latency (ms):', JSON.stringify(latencies))
})

/**
 * Milliseconds from `cancel()` until the upstream request's signal aborts (measured by a listener
 * on that signal, so polling does not blur it); fails after `timeoutMs`.
 */
async function cancelLatency(
  call: FakeCall,
  cancel: () => void,
  timeoutMs = 1000,
): Promise<number> {
  let at = 0
  call.signal?.addEventListener('abort', () => {
    at = performance.now()
  })
  const start = performance.now()
  cancel()
  await eventually(() => expect(call.aborted).toBe(true), timeoutMs, 1)
  return (at || performance.now()) - start
}

const longAnswer = () => textChunks(Array.from({ length: 400 }, (_, i) => `w${i} `))

async function inFlight(app: {
  request: (p: string) => Response | Promise<Response>
}): Promise<number[]> {
  const health = (await (await app.request('/health')).json()) as {
    backends: { inFlight: number }[]
  }
  return health.backends.map((b) => b.inFlight)
}

/** Reads the body until `text` appears. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  text: string,
): Promise<string> {
  const dec = new TextDecoder()
  let seen = ''
  while (!seen.includes(text)) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`stream ended before ${text}: ${seen}`)
    seen += dec.decode(value, { stream: true })
  }
  return seen
}

describe('cancellation in-process (app.request with a signal)', () => {
  const config = { pingAfterMs: 2000, pingIntervalMs: 20 }

  it('a client abort mid-stream aborts the upstream request at once', async () => {
    const before = resourceCounts()
    const shutdown = new AbortController()
    const { app, fetch, log } = testApp(
      () => ({ chunks: longAnswer(), chunkDelayMs: 10 }),
      config,
      {
        shutdownSignal: shutdown.signal,
      },
    )
    const client = new AbortController()
    const res = await app.request('/v1/messages', {
      method: 'POST',
      headers: anthropicHeaders,
      body: JSON.stringify(simpleRequest()),
      signal: client.signal,
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    await readUntil(reader, 'content_block_delta')
    const call = fetch.calls[0]!
    expect(call.aborted).toBe(false)
    latencies.inProcessAbortAndCancel = await cancelLatency(call, () => {
      client.abort()
      void reader.cancel().catch(() => {})
    })
    await eventually(async () => expect(await inFlight(app)).toEqual([0]))
    // The request's log line is still written (the stream's end is observed).
    await eventually(() =>
      expect(log.lines.some((l) => l.msg === 'request' && l.obj.path === '/v1/messages')).toBe(
        true,
      ),
    )
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([])
    // No listener left on the long-lived shutdown signal, no timer left running.
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
    await eventually(() =>
      expect(resourceCounts().Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0),
    )
  })

  it('cancelling the body reader alone aborts the upstream too', async () => {
    const { app, fetch } = testApp(() => ({ chunks: longAnswer(), chunkDelayMs: 10 }), config)
    const res = await app.request('/v1/messages', {
      method: 'POST',
      headers: anthropicHeaders,
      body: JSON.stringify(simpleRequest()),
    })
    const reader = res.body!.getReader()
    await readUntil(reader, 'content_block_delta')
    latencies.inProcessReaderCancel = await cancelLatency(fetch.calls[0]!, () => {
      void reader.cancel()
    })
    await eventually(async () => expect(await inFlight(app)).toEqual([0]))
  })

  it('an abort before the status is sent aborts the upstream, and logs no error', async () => {
    const { app, fetch, log } = testApp(() => ({ hang: true }), config)
    const client = new AbortController()
    const pending = Promise.resolve(
      app.request('/v1/messages', {
        method: 'POST',
        headers: anthropicHeaders,
        body: JSON.stringify(simpleRequest()),
        signal: client.signal,
      }),
    )
    await eventually(() => expect(fetch.calls.length).toBe(1))
    latencies.inProcessBeforeStatus = await cancelLatency(fetch.calls[0]!, () => client.abort())
    const res = await pending
    await res.body?.cancel()
    // Nobody reads it; it must simply not be a 500 or an "unhandled error" in the log.
    expect(res.status).not.toBe(500)
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([])
    expect(await inFlight(app)).toEqual([0])
  })

  it('a non-streaming request aborted during generation aborts the upstream', async () => {
    const { app, fetch, log } = testApp(() => ({ chunks: longAnswer(), chunkDelayMs: 10 }), config)
    const client = new AbortController()
    const pending = Promise.resolve(
      app.request('/v1/messages', {
        method: 'POST',
        headers: anthropicHeaders,
        body: JSON.stringify(simpleRequest({ stream: false })),
        signal: client.signal,
      }),
    )
    await sleep(60)
    latencies.inProcessNonStreaming = await cancelLatency(fetch.calls[0]!, () => client.abort())
    const res = await pending
    expect(res.status).not.toBe(500)
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([])
    expect(await inFlight(app)).toEqual([0])
  })

  it('an abort while pings keep a committed stream alive (prefill) aborts the upstream', async () => {
    const { app, fetch } = testApp(() => ({ hang: true }), { ...config, pingAfterMs: 20 })
    const client = new AbortController()
    const res = await app.request('/v1/messages', {
      method: 'POST',
      headers: anthropicHeaders,
      body: JSON.stringify(simpleRequest()),
      signal: client.signal,
    })
    const reader = res.body!.getReader()
    await readUntil(reader, 'event: ping')
    latencies.inProcessDuringPings = await cancelLatency(fetch.calls[0]!, () => {
      client.abort()
      void reader.cancel().catch(() => {})
    })
    await eventually(async () => expect(await inFlight(app)).toEqual([0]))
  })
})

describe('cancellation over real sockets (startServer + a node:http backend)', () => {
  it('destroying the client socket mid-stream closes the backend request; handles return to baseline', async () => {
    const before = resourceCounts()
    let backendClosedAt = 0
    let backendRequests = 0
    let written = 0
    const backend = await httpBackend((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(404).end()
        return
      }
      backendRequests++
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const chunks = longAnswer()
      const timer = setInterval(() => {
        const c = chunks[written++]
        if (!c) {
          clearInterval(timer)
          res.end('data: [DONE]\n\n')
          return
        }
        res.write(`data: ${JSON.stringify(c)}\n\n`)
      }, 10)
      res.on('close', () => {
        clearInterval(timer)
        backendClosedAt = performance.now()
      })
    })
    const logs = new PassThrough()
    logs.resume()
    const config = testConfig({
      port: 0,
      pingAfterMs: 2000,
      backends: [{ name: 'local', kind: 'openai', url: backend.url, model: 'm' }],
    })
    const server = await startServer(config, { stdout: () => {}, logDestination: logs })
    try {
      const destroyedAt = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(simpleRequest())
        const req = httpRequest(`${server.url}/v1/messages`, {
          method: 'POST',
          headers: {
            ...anthropicHeaders,
            host: `127.0.0.1:${server.port}`,
            'content-length': Buffer.byteLength(body),
          },
        })
        req.on('response', (res) => {
          res.on('data', (d: Buffer) => {
            if (d.toString().includes('content_block_delta')) {
              const t = performance.now()
              req.destroy()
              resolve(t)
            }
          })
        })
        req.on('error', (e) => {
          if (!req.destroyed) reject(e)
        })
        req.end(body)
      })
      await eventually(() => expect(backendClosedAt).toBeGreaterThan(0), 2000, 1)
      latencies.realSocket = backendClosedAt - destroyedAt
      const writtenAtClose = written
      await sleep(50)
      expect(written).toBe(writtenAtClose) // the backend stopped generating
      expect(written).toBeLessThan(longAnswer().length)
      expect(backendRequests).toBe(1)
      await eventually(() => expect(server.registry.state('local', backend.url)?.inFlight).toBe(0))
    } finally {
      await server.close(100)
      await backend.close()
    }
    // Back to baseline: no server, socket or timer left behind.
    await backToBaseline(before)
  })
})
