/** Context fit, usage scaling, calibrated estimates and count_tokens (issue 5). */
import { describe, expect, it } from 'vitest'
import { UsageCalibrator } from '../../src/usage-calibration.js'
import { post, simpleRequest, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { parseSse } from '../helpers/sse.js'

const longRequest = (chars: number) =>
  simpleRequest({ max_tokens: 32000, messages: [{ role: 'user', content: 'x'.repeat(chars) }] })
const usageOf = (text: string) =>
  parseSse(text).find((f) => f.event === 'message_delta')!.data as { usage: Record<string, number> }

describe('context window fit', () => {
  it('clamps max_tokens to what fits a known window instead of rejecting', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['ok']) }), {
      backends: [{ name: 'small', kind: 'openai', url: 'http://s.local/v1', contextWindow: 16000 }],
      scaleUsage: false,
    })
    const res = await post(app, longRequest(20_000))
    expect(res.status).toBe(200)
    const sent = fetch.calls[0]!.body.max_tokens as number
    expect(sent).toBeLessThan(16000)
    expect(sent).toBeGreaterThan(5000)
  })

  it('only a prompt that alone does not fit gets "prompt is too long"', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['ok']) }), {
      backends: [{ name: 'small', kind: 'openai', url: 'http://s.local/v1', contextWindow: 4096 }],
    })
    const res = await post(app, longRequest(40_000))
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('invalid_request_error')
    expect(body.error.message).toMatch(/^prompt is too long: \d+ tokens > 4096 maximum/)
    expect(fetch.calls).toHaveLength(0)
  })

  it('scales reported usage to a 200k window when the real window is small (scaleUsage auto)', async () => {
    const usage = {
      prompt_tokens: 10_000,
      completion_tokens: 10,
      prompt_tokens_details: { cached_tokens: 8_000 },
    }
    const small = testApp(() => ({ chunks: textChunks(['ok'], { usage }) }), {
      backends: [
        { name: 'small', kind: 'openai', url: 'http://s.local/v1', contextWindow: 50_000 },
      ],
    })
    const u = usageOf(await (await post(small.app, simpleRequest())).text()).usage
    // 50k of 200k: every prompt token counts four times, so Claude Code compacts in time.
    expect(u).toMatchObject({
      input_tokens: 8_000,
      cache_read_input_tokens: 32_000,
      output_tokens: 10,
    })
    const off = testApp(() => ({ chunks: textChunks(['ok'], { usage }) }), {
      backends: [
        { name: 'small', kind: 'openai', url: 'http://s.local/v1', contextWindow: 50_000 },
      ],
      scaleUsage: false,
    })
    expect(usageOf(await (await post(off.app, simpleRequest())).text()).usage).toMatchObject({
      input_tokens: 2_000,
      cache_read_input_tokens: 8_000,
    })
  })
})

describe('usage estimates when the backend reports none', () => {
  it('learns chars per token from reported counts, per backend', () => {
    const lines: string[] = []
    const c = new UsageCalibrator((b, r) => lines.push(`${b}:${r.toFixed(2)}`))
    const before = c.estimate('a', 30_000)
    expect(before).toBeGreaterThan(0)
    c.observe('a', 30_000, 15_000) // 2 chars per token on this backend
    expect(c.estimate('a', 30_000)).toBe(15_000)
    expect(c.estimate('b', 30_000)).toBe(before)
    expect(lines).toEqual(['a:2.00'])
  })

  it('a backend that streams no usage (MLX-Textgen) gets a calibrated, non-zero estimate', async () => {
    let withUsage = true
    const { app } = testApp(
      () => {
        const usage = withUsage ? { prompt_tokens: 5000, completion_tokens: 3 } : undefined
        return { chunks: textChunks(['ok'], usage ? { usage } : {}) }
      },
      { backends: [{ name: 'tg', kind: 'mlx-textgen', url: 'http://tg.local/v1' }] },
    )
    const req = longRequest(10_000)
    await (await post(app, req)).text()
    withUsage = false
    const u = usageOf(await (await post(app, req)).text()).usage
    // The same prompt, no usage reported: the estimate is the learned count, not chars/4.
    expect(u.input_tokens).toBe(5000)
    expect(u.output_tokens).toBeGreaterThan(0)
  })
})

describe('POST /v1/messages/count_tokens', () => {
  it("uses the backend's tokenizer where the server has one (llama.cpp /tokenize)", async () => {
    const { app, fetch } = testApp(
      (call) => {
        if (call.url.endsWith('/tokenize'))
          return { body: JSON.stringify({ tokens: new Array(1234).fill(1) }) }
        return { chunks: textChunks(['ok']) }
      },
      { backends: [{ name: 'llama', kind: 'llamacpp', url: 'http://llama.local/v1' }] },
    )
    const res = await post(
      app,
      { model: 'x', messages: [{ role: 'user', content: 'hello' }] },
      '/v1/messages/count_tokens',
    )
    expect(await res.json()).toEqual({ input_tokens: 1234 })
    expect(fetch.calls[0]!.url).toBe('http://llama.local/tokenize')
  })

  it('falls back to the calibrated estimate elsewhere', async () => {
    const { app, fetch } = testApp(() => ({ chunks: textChunks(['ok']) }))
    const res = await post(
      app,
      { model: 'x', messages: [{ role: 'user', content: 'hello '.repeat(1000) }] },
      '/v1/messages/count_tokens',
    )
    const { input_tokens } = (await res.json()) as { input_tokens: number }
    expect(input_tokens).toBeGreaterThan(1000)
    expect(input_tokens).toBeLessThan(3000)
    expect(fetch.calls).toHaveLength(0)
  })
})
