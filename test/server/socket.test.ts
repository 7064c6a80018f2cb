/**
 * The thin real-socket layer (style rule 14): the real server on port 0 in front of a fake OpenAI
 * backend on another local port. Checks what only real sockets show: incremental flushing, the
 * listening line, and a client disconnect reaching the backend.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { AFTER_END } from '../../src/routes/upstream.js'
import { type RunningServer, startServer } from '../../src/server.js'

const CHUNK_GAP_MS = 150
const WORDS = ['one ', 'two ', 'three ', 'four ', 'five ', 'six']

type Backend = {
  url: string
  /** When each chat chunk was written (ms timestamps), and whether the answer was finished. */
  sent: number[]
  finished: boolean
  /** Resolves when the chat request's connection closes, with whether it had finished. */
  closed: Promise<boolean>
  /** The connections chat requests came on, and how many connections have closed. */
  chatSockets: Set<Socket>
  connectionsClosed: number
  server: Server
}

type BackendOptions = {
  words?: string[]
  gapMs?: number
  /** Ms between `[DONE]` and the end of the body (`Infinity`: the body never ends). */
  endAfterDoneMs?: number
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

/** A fake OpenAI server: `/v1/models` for the probes, a chat stream with a chunk every 150 ms. */
async function startBackend({
  words = WORDS,
  gapMs = CHUNK_GAP_MS,
  endAfterDoneMs = 0,
}: BackendOptions = {}): Promise<Backend> {
  let onClosed!: (finished: boolean) => void
  const backend = {
    sent: [] as number[],
    finished: false,
    chatSockets: new Set(),
    connectionsClosed: 0,
    closed: new Promise<boolean>((r) => {
      onClosed = r
    }),
  } as Backend
  const chat = (req: IncomingMessage, res: ServerResponse) => {
    backend.chatSockets.add(req.socket)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const frames = [
      chunk({ role: 'assistant', content: '' }),
      ...words.map((w) => chunk({ content: w })),
      chunk({}, 'stop'),
      'data: [DONE]\n\n',
    ]
    let i = 0
    let timer: NodeJS.Timeout | undefined
    const next = () => {
      res.write(frames[i++]!)
      backend.sent.push(Date.now())
      if (i < frames.length) timer = setTimeout(next, gapMs)
      else {
        backend.finished = true
        if (endAfterDoneMs === 0) res.end()
        else if (endAfterDoneMs < Infinity) timer = setTimeout(() => res.end(), endAfterDoneMs)
      }
    }
    res.on('close', () => {
      clearTimeout(timer)
      onClosed(backend.finished)
    })
    req.resume()
    next()
  }
  backend.server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/chat/completions') return chat(req, res)
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }))
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"not found"}')
  })
  backend.server.on('connection', (socket) => {
    socket.once('close', () => backend.connectionsClosed++)
  })
  await new Promise<void>((r) => backend.server.listen(0, '127.0.0.1', r))
  backend.url = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}/v1`
  return backend
}

/** A log sink, so pino writes nowhere visible. */
const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb()
    },
  })

let proxy: RunningServer | undefined
let backend: Backend | undefined

afterEach(async () => {
  await proxy?.close(100)
  backend?.server.closeAllConnections()
  await new Promise((r) => backend?.server.close(r))
  proxy = undefined
  backend = undefined
})

async function start(options?: BackendOptions) {
  backend = await startBackend(options)
  const config = loadConfig({ config: 'socket.json' }, {}, () =>
    JSON.stringify({ port: 0, backends: [{ kind: 'openai', url: backend!.url, model: 'm' }] }),
  )
  const stdout: string[] = []
  proxy = await startServer(config, { stdout: (l) => stdout.push(l), logDestination: sink() })
  return { stdout, proxy }
}

const ask = (url: string, signal?: AbortSignal) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'x',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'count' }],
    }),
    signal,
  })

describe('real sockets', () => {
  it('prints the listening line with the real port', async () => {
    const { stdout, proxy } = await start()
    expect(proxy.port).toBeGreaterThan(0)
    expect(stdout).toEqual([`anyclaude listening on http://127.0.0.1:${proxy.port}`])
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`)
  })

  it('streams events as the backend sends them, not at the end', async () => {
    const { proxy } = await start()
    const res = await ask(proxy.url)
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    let text = ''
    let firstDeltaAt: number | undefined
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += dec.decode(value, { stream: true })
      if (firstDeltaAt === undefined && text.includes('event: content_block_delta'))
        firstDeltaAt = Date.now()
    }
    const lastSent = backend!.sent.at(-1)!
    expect(backend!.sent).toHaveLength(WORDS.length + 3)
    // Six gaps of 150 ms separate the first word from the last chunk: the first delta must have
    // arrived long before the backend finished.
    expect(firstDeltaAt).toBeDefined()
    expect(lastSent - firstDeltaAt!).toBeGreaterThan(3 * CHUNK_GAP_MS)
    expect(text).toContain('event: message_stop')
    expect(text.match(/"text":"[a-z ]+"/g)).toEqual(WORDS.map((w) => `"text":"${w}"`))
  })

  it('aborts the upstream request when the client disconnects', async () => {
    const { proxy } = await start()
    const client = new AbortController()
    const res = await ask(proxy.url, client.signal)
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    let text = ''
    while (!text.includes('event: content_block_delta')) {
      const { value } = await reader.read()
      text += dec.decode(value, { stream: true })
    }
    client.abort()
    const finished = await Promise.race([
      backend!.closed,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2000)),
    ])
    // The backend saw its connection close before it had sent the whole answer.
    expect(finished).toBe(false)
    expect(backend!.sent.length).toBeLessThan(WORDS.length + 3)
  })

  it('reuses the backend connection when its body ends after the [DONE]', async () => {
    // The end of the chunked body comes in a later packet, as it often does from real servers.
    const { proxy } = await start({ gapMs: 1, endAfterDoneMs: 5 })
    const turn = async () => {
      const text = await (await ask(proxy.url)).text()
      expect(text).toContain('event: message_stop')
      // The next turn of a conversation comes after the body has ended.
      await new Promise((r) => setTimeout(r, 50))
    }
    // The first turns may find a connection busy with the start-up probes.
    await turn()
    await turn()
    const sockets = backend!.chatSockets.size
    for (let i = 0; i < 4; i++) await turn()
    expect(backend!.chatSockets.size).toBe(sockets)
  })

  it('answers at the [DONE] and drops a backend connection that never ends its body', async () => {
    const { proxy } = await start({ gapMs: 1, endAfterDoneMs: Infinity })
    const started = Date.now()
    const text = await (await ask(proxy.url)).text()
    expect(text).toContain('event: message_stop')
    expect(Date.now() - started).toBeLessThan(AFTER_END.ms)
    const closedBefore = backend!.connectionsClosed
    const finished = await Promise.race([
      backend!.closed,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), AFTER_END.ms + 2000)),
    ])
    expect(finished).toBe(true)
    expect(backend!.connectionsClosed).toBeGreaterThan(closedBefore)
  })
})
