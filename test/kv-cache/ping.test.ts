/** Keep-alive during a long prefill: pings until the first token, and the SDK still accumulates. */
import { describe, expect, it } from 'vitest'
import { post, sdkClient, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { parseSse, types } from '../helpers/sse.js'

const slowPrefill = () => ({
  headerDelayMs: 1500,
  chunks: textChunks(['Hello', ' after a long prefill']),
})
const fast = { pingAfterMs: 50, pingIntervalMs: 60 }

describe('ping events during a slow first token', () => {
  it('commits the status after pingAfterMs, then pings until the first content block', async () => {
    const { app } = testApp(slowPrefill, fast)
    const started = Date.now()
    const res = await post(app, simpleRequest())
    // The status went out long before the backend answered (1.5 s).
    expect(Date.now() - started).toBeLessThan(1200)
    expect(res.status).toBe(200)
    const frames = parseSse(await res.text())
    const t = types(frames)
    expect(t[0]).toBe('message_start')
    const firstBlock = t.indexOf('content_block_start')
    const pings = t.slice(1, firstBlock).filter((x) => x === 'ping').length
    expect(pings).toBeGreaterThanOrEqual(5)
    expect(t.slice(firstBlock)).toEqual([
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
  })

  it('the official SDK accumulator accepts the pinged stream', async () => {
    const { app } = testApp(slowPrefill, fast)
    const client = sdkClient(app)
    const msg = await client.messages
      .stream({ model: 'local', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
    expect(msg.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Hello after a long prefill' }),
    ])
    expect(msg.stop_reason).toBe('end_turn')
  })
})

describe('long prefill is visible in the log', () => {
  it('logs the elapsed time at warn level (shown at the default --debug 0) until the first token', async () => {
    const { app, log } = testApp(() => ({ headerDelayMs: 400, chunks: textChunks(['ok']) }), {
      ...fast,
      progressLogMs: 100,
    })
    await (await post(app, simpleRequest())).text()
    const progress = log.lines.filter((l) => l.msg === 'still processing the prompt')
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(
      progress.every(
        (l) => l.level === 'warn' && l.obj.backend === 'fake' && typeof l.obj.elapsedS === 'number',
      ),
    ).toBe(true)
  })
})
