/**
 * Faults with the real Claude Code CLI: the only backend dies mid-session (Claude Code reports an
 * error, and the session works again once the backend is back on the same port), and a cancelled
 * request (Claude Code killed mid-answer) reaches the backend as an aborted connection.
 */
import { randomInt } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeRun, makeWorkspace, runClaude } from './harness/claude.js'
import { FakeBackend, historyResults, turnOf } from './harness/fake-backend.js'
import { type RunningProxy, startProxy } from './harness/proxy.js'

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = get()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const mlxLm = new FakeBackend('mlx-lm')
let proxy: RunningProxy
let ws: ReturnType<typeof makeWorkspace>

beforeAll(async () => {
  await mlxLm.start()
  proxy = await startProxy({ backends: [{ name: 'mlx-lm', kind: 'mlx-lm', url: mlxLm.url }] })
})

afterAll(async () => {
  await proxy?.stop()
  await mlxLm.stop()
})

afterEach(() => {
  ws?.cleanup()
  mlxLm.requests.length = 0
})

const run = (
  prompt: string,
  args: string[] = [],
  onSpawn?: (kill: (s?: NodeJS.Signals) => void) => void,
) =>
  runClaude({
    baseUrl: proxy.url,
    prompt,
    cwd: ws.cwd,
    home: ws.home,
    args,
    ...(onSpawn && { onSpawn }),
  })

describe('faults', () => {
  it('the backend goes down mid-session: Claude Code reports an error, then works again when it returns', async () => {
    ws = makeWorkspace('down')
    const port = mlxLm.port
    const marker = `e2e-${randomInt(1e6)}`
    // Round 1 answers a Bash call, and the server dies as soon as that answer is out: the tool
    // result Claude Code sends next finds nobody listening.
    mlxLm.script = (body) => {
      if (turnOf(body).rounds === 0) {
        setImmediate(() => void mlxLm.requests.at(-1)?.settled.then(() => mlxLm.stop()))
        return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}` } }] }
      }
      return { text: 'unreachable' }
    }
    const broken = await run('run the marker command')
    expect(mlxLm.chats).toHaveLength(1)
    expect(broken.code !== 0 || broken.json?.is_error === true, describeRun(broken)).toBe(true)
    // anyclaude answered 503 api_error naming the backend it could not reach.
    const failed = proxy.messageLogs().at(-1)
    expect(failed?.status).toBe(503)
    expect(JSON.stringify(failed)).toMatch(/mlx-lm/)

    await mlxLm.start(port)
    expect(mlxLm.port).toBe(port)
    mlxLm.script = () => ({ text: 'Back again.' })
    const again = await run('are you back?', ['--continue'])
    expect(again.code, describeRun(again)).toBe(0)
    expect(again.json?.is_error).toBe(false)
    expect(again.json?.result).toBe('Back again.')
    // The continued conversation carries run 1's prompt and the Bash result Claude Code got.
    const body = mlxLm.chats.at(-1)!.body
    expect(JSON.stringify(body.messages)).toContain('run the marker command')
    expect(historyResults(body).map((r) => r.trim())).toContain(marker)
    expect(proxy.messageLogs().at(-1)?.status).toBe(200)
  })

  it('a cancelled request: killing Claude Code mid-answer aborts the backend request', async () => {
    ws = makeWorkspace('cancel')
    const logsBefore = proxy.messageLogs().length
    // 150 chunks, 100 ms apart: 15 s of slow generation.
    mlxLm.script = () => ({ text: 'word '.repeat(150), textChunks: 150, chunkDelayMs: 100 })
    let kill: ((s?: NodeJS.Signals) => void) | undefined
    const running = run('write a long essay', [], (k) => {
      kill = k
    })
    const request = await waitFor('the backend request', () => mlxLm.chats[0])
    // Let a second of tokens stream through anyclaude to Claude Code first.
    await sleep(1_000)
    expect(request.aborted).toBe(false)
    const killedAt = Date.now()
    kill?.('SIGTERM')
    const result = await running
    await Promise.race([request.settled, sleep(10_000)])
    expect(request.aborted, `backend request still open; claude: ${describeRun(result)}`).toBe(true)
    expect(request.finished).toBe(false)
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    expect(mlxLm.chats).toHaveLength(1)
    // anyclaude still writes the request's log line, naming the backend.
    const line = await waitFor('the log line', () => proxy.messageLogs()[logsBefore])
    expect(line).toMatchObject({ status: 200, backend: 'mlx-lm' })
  })

  it('the backend drops the connection mid-answer: Claude Code retries without streaming and gets the answer', async () => {
    ws = makeWorkspace('cut')
    const logsBefore = proxy.messageLogs().length
    // anyclaude always streams from the backend, so the retry looks the same from here: cut the first.
    mlxLm.script = () =>
      mlxLm.chats.length === 1
        ? { text: 'this answer never ends', textChunks: 6, cutAfterChunks: 5, chunkDelayMs: 100 }
        : { text: 'The answer, second time round.' }
    const r = await run('say something')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(r.json?.result).toBe('The answer, second time round.')
    expect(mlxLm.chats).toHaveLength(2)
    // The first stream had started (status 200 sent): the failure went out as an SSE error event,
    // and Claude Code's non-streaming fallback was the second request.
    const logs = (await proxy.waitForMessageLogs(logsBefore + 2)).slice(logsBefore)
    expect(logs.map((l) => [l.status, l.backend])).toEqual([
      [200, 'mlx-lm'],
      [200, 'mlx-lm'],
    ])
    expect(logs[1]?.stopReason).toBe('end_turn')
  })
})
