/**
 * Security: loopback by default and a loud warning otherwise; JSON-only requests with a Host that
 * names the proxy (no browser cross-site posts, no DNS rebinding); keys never in logs, traces or
 * error messages; backend URLs only from the configuration; no CORS.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createUpstreamFetch, startServer } from '../../src/server.js'
import { traceDeps } from '../../src/trace.js'
import { anthropicHeaders, simpleRequest, testApp, testConfig } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { expectEnvelope, httpBackend, send, sseOf, textOf } from './helpers.js'

/** Everything written to a stream, as text. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d: Buffer) => {
    text += d.toString()
  })
  return { stream, text: () => text }
}

describe('binding', () => {
  it('listens on 127.0.0.1 by default', async () => {
    const config = loadConfig({ port: '0' }, {}, () => '{}')
    expect(config.host).toBe('127.0.0.1')
    const logs = capture()
    const server = await startServer(
      { ...config, backends: [{ name: 'x', kind: 'openai', url: 'http://127.0.0.1:9/v1' }] },
      {
        stdout: () => {},
        logDestination: logs.stream,
      },
    )
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(logs.text()).not.toMatch(/WARNING/)
    } finally {
      await server.close(0)
    }
  })

  it('binding elsewhere without a proxy key prints a loud warning; with a key it does not', async () => {
    for (const apiKey of [undefined, 'proxy-key-1234']) {
      const logs = capture()
      const config = testConfig({ port: 0, host: '0.0.0.0', ...(apiKey && { apiKey }) })
      const server = await startServer(config, { stdout: () => {}, logDestination: logs.stream })
      await server.close(0)
      if (apiKey) expect(logs.text()).not.toMatch(/WARNING/)
      else
        expect(logs.text()).toMatch(
          /WARNING: anyclaude is listening on 0\.0\.0\.0 without a proxy key.*ANYCLAUDE_API_KEY/,
        )
    }
  })
})

describe('request gate: JSON only, a Host naming the proxy', () => {
  const { app } = testApp(() => ({ chunks: textChunks(['ok']) }))
  const body = JSON.stringify(simpleRequest({ stream: false }))

  it('a DNS-rebinding Host (evil.example) gets 403 permission_error, on every route', async () => {
    for (const [method, path] of [
      ['POST', '/v1/messages'],
      ['POST', '/v1/messages/count_tokens'],
      ['GET', '/v1/models'],
      ['GET', '/health'],
      ['GET', '/metrics'],
    ] as const) {
      const res = await app.request(path, {
        method,
        headers: { ...anthropicHeaders, host: 'evil.example' },
        ...(method === 'POST' && { body }),
      })
      expect(res.status, path).toBe(403)
      expect(expectEnvelope(await res.json()).type).toBe('permission_error')
    }
    const rebound = await app.request('/v1/messages', {
      method: 'POST',
      headers: { ...anthropicHeaders, host: 'evil.example:8082' },
      body,
    })
    expect(rebound.status).toBe(403)
  })

  it('loopback Hosts are accepted', async () => {
    for (const host of ['127.0.0.1:8082', 'localhost:8082', 'LOCALHOST', '[::1]:8082']) {
      const res = await app.request('/v1/messages', {
        method: 'POST',
        headers: { ...anthropicHeaders, host },
        body,
      })
      expect(res.status, host).toBe(200)
    }
  })

  it('a browser cross-site post is refused: text/plain (a "simple" request) and Sec-Fetch-Site cross-site', async () => {
    const plain = await app.request('/v1/messages', {
      method: 'POST',
      headers: { ...anthropicHeaders, 'content-type': 'text/plain' },
      body,
    })
    expect(plain.status).toBe(400)
    const form = await app.request('/v1/messages', {
      method: 'POST',
      headers: { ...anthropicHeaders, 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x--',
    })
    expect(form.status).toBe(400)
    const cross = await app.request('/v1/messages', {
      method: 'POST',
      headers: {
        ...anthropicHeaders,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body,
    })
    expect(cross.status).toBe(403)
    expect(expectEnvelope(await cross.json()).type).toBe('permission_error')
  })

  it('no CORS: an OPTIONS preflight and every answer carry no Access-Control-* header', async () => {
    const preflight = await app.request('/v1/messages', {
      method: 'OPTIONS',
      headers: {
        host: '127.0.0.1:8082',
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-api-key',
      },
    })
    const answers = [
      preflight,
      await app.request('/v1/messages', {
        method: 'POST',
        headers: { ...anthropicHeaders, origin: 'https://evil.example' },
        body,
      }),
      await app.request('/v1/messages', {
        method: 'POST',
        headers: { ...anthropicHeaders, origin: 'https://evil.example' },
        body: '{',
      }),
      await app.request('/v1/models', {
        headers: { host: '127.0.0.1', origin: 'https://evil.example' },
      }),
    ]
    for (const res of answers)
      for (const [name] of res.headers) expect(name).not.toMatch(/^access-control-/)
    expect(preflight.status).not.toBe(204)
    expect(preflight.status).toBeGreaterThanOrEqual(400)
  })
})

describe('the upstream URL comes only from the configuration', () => {
  it('no body field, header or query parameter changes where the request goes', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['ok']) }))
    const evil = 'http://evil.example/v1'
    const res = await app.request(
      `/v1/messages?base_url=${encodeURIComponent(evil)}&backend=${encodeURIComponent(evil)}`,
      {
        method: 'POST',
        headers: {
          ...anthropicHeaders,
          'x-anyclaude-backend': evil,
          'x-anyclaude-backend-url': evil,
          'x-forwarded-host': 'evil.example',
          'anthropic-base-url': evil,
        },
        body: JSON.stringify(
          simpleRequest({
            model: evil,
            base_url: evil,
            api_base: evil,
            url: evil,
            backend: evil,
            mode: evil,
            metadata: { user_id: evil, url: evil },
            container: evil,
            mcp_servers: [{ type: 'url', url: evil, name: 'x' }],
          }),
        ),
      },
    )
    expect(res.status).toBe(200)
    await res.text()
    expect(fetch.calls.map((c) => c.url)).toEqual(['http://fake.local/v1/chat/completions'])
    // The configured model, not the requested one.
    expect(fetch.calls[0]!.body.model).toBe('fake-model')
  })
})

describe('keys never appear in logs, traces or error messages', () => {
  const CLIENT_KEY = 'sk-ant-SECRET-client-1111'
  const BEARER = 'SECRET-bearer-2222'
  const BACKEND_KEY = 'sk-SECRET-backend-3333'
  const PROXY_KEY = 'SECRET-proxy-4444'
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('at --debug 3 (every log line and trace file), with good requests, faults and a wrong key', async () => {
    const seenAuth: string[] = []
    let n = 0
    const backend = await httpBackend((req, res, body) => {
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"m"}]}')
        return
      }
      seenAuth.push(String(req.headers.authorization))
      n++
      if (body.includes('echo-my-key')) {
        // OpenAI-compatible servers echo the key they reject.
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${BACKEND_KEY}`,
              type: 'invalid_request_error',
            },
          }),
        )
        return
      }
      if (body.includes('in-band')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(`data: ${JSON.stringify({ error: { message: `bad key ${BACKEND_KEY}` } })}\n\n`)
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(sseOf(textChunks(['hello'])))
    })
    const traceDir = mkdtempSync(join(tmpdir(), 'anyclaude-sec-'))
    dirs.push(traceDir)
    const logs = capture()
    const config = testConfig({
      port: 0,
      debug: 3,
      apiKey: PROXY_KEY,
      traceDir,
      backends: [
        { name: 'local', kind: 'openai', url: backend.url, model: 'm', apiKey: BACKEND_KEY },
      ],
    })
    const upstream = createUpstreamFetch(config)
    const traced = traceDeps(config, upstream)
    const server = await startServer(config, {
      fetch: upstream,
      deps: traced.deps,
      stdout: () => {},
      logDestination: logs.stream,
    })
    const post = (content: string, headers: Record<string, string>, stream = true) =>
      fetch(`${server.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          ...headers,
        },
        body: JSON.stringify(simpleRequest({ stream, messages: [{ role: 'user', content }] })),
      })
    const texts: string[] = []
    try {
      // A good request with the key in x-api-key, and one with it as a Bearer token.
      const goodHeaders: Record<string, string>[] = [
        { 'x-api-key': PROXY_KEY, authorization: `Bearer ${BEARER}` },
        { authorization: `Bearer ${PROXY_KEY}` },
      ]
      for (const headers of goodHeaders) {
        const res = await post('hi', headers)
        expect(res.status).toBe(200)
        texts.push(await res.text())
      }
      // A wrong client key: 401, and the wrong key is not echoed or logged.
      const wrong = await post('hi', { 'x-api-key': CLIENT_KEY })
      expect(wrong.status).toBe(401)
      const wrongBody = await wrong.text()
      expect(JSON.parse(wrongBody).error.message).toBe('invalid x-api-key')
      texts.push(wrongBody)
      // A backend that echoes its key in an error, before and after the status.
      for (const stream of [true, false]) {
        const echo = await post('echo-my-key', { 'x-api-key': PROXY_KEY }, stream)
        expect(echo.status).toBe(400)
        texts.push(await echo.text())
        const inBand = await post('in-band', { 'x-api-key': PROXY_KEY }, stream)
        texts.push(await inBand.text())
      }
    } finally {
      await server.close(100)
      await backend.close()
    }
    // The backend did get its key; nobody else saw any key.
    expect(seenAuth.length).toBe(n)
    expect(seenAuth.every((a) => a === `Bearer ${BACKEND_KEY}`)).toBe(true)
    const traceLines = readdirSync(traceDir).flatMap((f) =>
      readFileSync(join(traceDir, f), 'utf8').split('\n'),
    )
    const traceText = traceLines.join('\n')
    expect(traceText).toContain('upstream-request') // traces were written
    expect(logs.text()).toContain('"msg":"request"') // and log lines
    for (const secret of [CLIENT_KEY, BEARER, BACKEND_KEY, PROXY_KEY]) {
      expect(logs.text(), `log contains ${secret}`).not.toContain(secret)
      for (const t of texts) expect(t, `a response contains ${secret}`).not.toContain(secret)
    }
    for (const secret of [CLIENT_KEY, BEARER, PROXY_KEY])
      expect(traceText, `trace contains ${secret}`).not.toContain(secret)
    // Even the backend's raw bytes, which echo its key, are scrubbed of the configured values.
    expect(traceText, 'trace contains the backend key').not.toContain(BACKEND_KEY)
  })

  it('in-process: the collecting log never sees a key, whatever the outcome', async () => {
    const { app, log } = testApp(
      (call) =>
        JSON.stringify(call.body).includes('fail')
          ? { status: 401, body: JSON.stringify({ error: `wrong key ${BACKEND_KEY}` }) }
          : { chunks: textChunks(['ok']) },
      {
        debug: 3,
        backends: [
          {
            name: 'fake',
            kind: 'openai',
            url: 'http://fake.local/v1',
            model: 'm',
            apiKey: BACKEND_KEY,
          },
        ],
      },
    )
    const ok = await send(app, simpleRequest(), {
      headers: { ...anthropicHeaders, 'x-api-key': CLIENT_KEY, authorization: `Bearer ${BEARER}` },
    })
    expect(textOf(ok)).toBe('ok')
    const failed = await send(app, simpleRequest({ messages: [{ role: 'user', content: 'fail' }] }))
    expect(failed.kind).toBe('status')
    if (failed.kind === 'status') expect(failed.message).toContain('[redacted]')
    const all = JSON.stringify(log.lines)
    for (const secret of [CLIENT_KEY, BEARER, BACKEND_KEY]) expect(all).not.toContain(secret)
  })
})
