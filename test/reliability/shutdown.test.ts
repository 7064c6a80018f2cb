/**
 * Graceful shutdown (the SIGTERM path is `server.close(graceMs)`): stop accepting at once, let
 * running streams finish within the grace period, then end the rest with an `error` event, and
 * leave nothing running.
 */
import { request as httpRequest } from 'node:http'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { startServer } from '../../src/server.js'
import { anthropicHeaders, simpleRequest, testConfig } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { parseSse } from '../helpers/sse.js'
import { backToBaseline, eventually, httpBackend, resourceCounts } from './helpers.js'

/** A slow backend: one chunk every `everyMs`; `hang` answers nothing at all. */
async function slowBackend(pieces: number, everyMs: number) {
  const state = { closed: 0, requests: 0 }
  const backend = await httpBackend((req, res, body) => {
    if (req.method !== 'POST') return res.writeHead(404).end()
    state.requests++
    res.on('close', () => state.closed++)
    if (body.includes('hang')) return // never answers
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const chunks = textChunks(Array.from({ length: pieces }, (_, i) => `p${i} `))
    let i = 0
    const timer = setInterval(() => {
      const c = chunks[i++]
      if (!c) {
        clearInterval(timer)
        res.end('data: [DONE]\n\n')
        return
      }
      res.write(`data: ${JSON.stringify(c)}\n\n`)
    }, everyMs)
    res.on('close', () => clearInterval(timer))
  })
  return { ...backend, state }
}

type Streamed = { status: number; text: string; firstContent: Promise<void>; done: Promise<void> }

/** A POST over a real socket; `firstContent` resolves at the first content block. */
function stream(url: string, content = 'go'): Streamed {
  const out = { status: 0, text: '' } as Streamed
  let onFirst!: () => void
  out.firstContent = new Promise((r) => {
    onFirst = r
  })
  out.done = new Promise((resolve, reject) => {
    const body = JSON.stringify(simpleRequest({ messages: [{ role: 'user', content }] }))
    const u = new URL(url)
    const req = httpRequest(`${url}/v1/messages`, {
      method: 'POST',
      headers: { ...anthropicHeaders, host: u.host, 'content-length': Buffer.byteLength(body) },
    })
    req.on('response', (res) => {
      out.status = res.statusCode ?? 0
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        out.text += d
        if (out.text.includes('content_block_start')) onFirst()
      })
      res.on('end', () => resolve())
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
  return out
}

async function serverFor(backendUrl: string, over: Record<string, unknown> = {}) {
  const logs = new PassThrough()
  logs.resume()
  const config = testConfig({
    port: 0,
    pingAfterMs: 5000,
    backends: [{ name: 'slow', kind: 'openai', url: backendUrl, model: 'm' }],
    ...over,
  })
  return startServer(config, { stdout: () => {}, logDestination: logs })
}

const connect = (url: string) =>
  new Promise<string>((resolve) => {
    const u = new URL(url)
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: '/health', headers: { host: u.host } },
      (res) => {
        res.resume()
        resolve(`answered ${res.statusCode}`)
      },
    )
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    req.end()
  })

describe('graceful shutdown: server.close(graceMs)', () => {
  it('stops accepting at once and lets a running stream finish within the grace period', async () => {
    const backend = await slowBackend(15, 20) // ~300 ms of answer
    const server = await serverFor(backend.url)
    try {
      const s = stream(server.url)
      await s.firstContent
      const closing = server.close(5000)
      expect(await connect(server.url)).toBe('ECONNREFUSED')
      await s.done
      const frames = parseSse(s.text)
      expect(frames.at(-1)?.event).toBe('message_stop')
      expect(frames.some((f) => f.event === 'error')).toBe(false)
      const started = performance.now()
      await closing
      expect(performance.now() - started).toBeLessThan(1000) // not the whole grace period
    } finally {
      await server.close(0)
      await backend.close()
    }
  })

  it('ends streams still running after the grace period with an error event, and aborts the backend', async () => {
    const before = resourceCounts()
    const backend = await slowBackend(500, 20) // ~10 s of answer
    const server = await serverFor(backend.url)
    const s = stream(server.url)
    await s.firstContent
    const started = performance.now()
    await server.close(150)
    const took = performance.now() - started
    await s.done
    expect(took).toBeGreaterThanOrEqual(140)
    expect(took).toBeLessThan(2000)
    const frames = parseSse(s.text)
    const last = frames.at(-1)
    expect(last?.event).toBe('error')
    expect(last?.data).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: expect.stringMatching(/shutting down/) },
    })
    expect(frames.filter((f) => f.event === 'error')).toHaveLength(1)
    await eventually(() => expect(backend.state.closed).toBe(1)) // the backend stopped generating
    await backend.close()
    await backToBaseline(before)
  })

  it('a request still waiting for its first answer gets a 529 overloaded_error at the end of the grace', async () => {
    const backend = await slowBackend(1, 20)
    const server = await serverFor(backend.url)
    const s = stream(server.url, 'hang')
    await eventually(() => expect(backend.state.requests).toBe(1))
    await server.close(100)
    await s.done
    expect(s.status).toBe(529)
    expect(JSON.parse(s.text)).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
    await eventually(() => expect(backend.state.closed).toBe(1))
    await backend.close()
  })

  it('with nothing running, close resolves at once', async () => {
    const backend = await slowBackend(1, 20)
    const server = await serverFor(backend.url)
    const started = performance.now()
    await server.close(10_000)
    expect(performance.now() - started).toBeLessThan(500)
    await backend.close()
  })
})
