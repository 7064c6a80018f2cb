#!/usr/bin/env node
/**
 * @module bench/micro: micro-benchmarks of anyclaude's per-request and per-chunk work, on dist/.
 *
 *   npm run bench:micro            (or npm run bench -- --micro)
 *   node bench/micro.mjs [--only request,stream,parser,http] [--ms 1000]
 *
 * Sections:
 * - request: each step the proxy takes on a recorded 76 KB Claude Code request (24 tools), from
 *   the body bytes to the upstream body bytes, and the whole path;
 * - stream: re-framing a 2000-chunk OpenAI stream: decodeSse → openAIStreamToParts → text-format
 *   rescue → AnthropicEventBuilder → encodeEvents → TextEncoder, stage by stage, plus the floors
 *   (JSON.parse alone, a hand-written encoder) and Web streams per chunk vs per batch;
 * - parser: the text-format tool-call parser (createTextToolCallParser) on long answers;
 * - http: the HTTP plumbing in-process on loopback: hono's bodyLimit, the response read-ahead of
 *   @hono/node-server, one enqueue per event vs per batch, undici fetch vs undici request.
 *
 * Each benchmark runs for `--ms` (default 1000) after a short warm-up, in 5 rounds, and reports the
 * best round: ops/s and µs per op in wall time, and µs per op in CPU time (process.cpuUsage;
 * steadier when the machine is shared), plus the median round's CPU µs.
 * Results also go to bench/results/micro-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { token } from './lib/answer.mjs'
import { loadAverage } from './lib/proc.mjs'
import { textTable } from './lib/report.mjs'
import { lengthen, recorded } from './lib/request.mjs'

const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href)
const { jsonDepth } = await dist('middleware/validate.js')
const { MessagesRequestSchema } = await dist('schemas/anthropic.js')
const { normalizeRequest } = await dist('translate/normalize.js')
const { planUpstream } = await dist('middleware/tool-mapping.js')
const { toOpenAIRequest } = await dist('translate/request.js')
const { toOpenAIMessages } = await dist('translate/messages.js')
const { toOpenAITools } = await dist('translate/tools.js')
const { resolveBackend } = await dist('backends/resolve.js')
const { decodeSse } = await dist('translate/sse-decode.js')
const { openAIStreamToParts } = await dist('translate/openai-stream.js')
const { AnthropicEventBuilder } = await dist('translate/events.js')
const { encodeEvents } = await dist('translate/sse-encode.js')
const { applyTransforms } = await dist('translate/part-transform.js')
const { createTextToolCallParser } = await dist('toolcalls/parser.js')

const argv = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const MS = Number(opt('ms', process.env.BENCH_MICRO_MS ?? 1000))
const ONLY = new Set(opt('only', 'request,stream,parser,http').split(','))

const results = []
const cpuNow = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000 // ms
}

/**
 * Runs `fn` (sync or async) for ~MS ms after a warm-up, in ROUNDS rounds; `perOp` scales to a
 * unit (e.g. chunks). The figures are the best round's (the least disturbed by other processes
 * on a shared machine) and the median round's.
 * @returns the row it records
 */
const ROUNDS = 5
async function bench(section, name, fn, { ms = MS, note = '', perOp } = {}) {
  const warmEnd = performance.now() + Math.min(200, ms / 3)
  let r = fn()
  const isAsync = r && typeof r.then === 'function'
  if (isAsync) await r
  while (performance.now() < warmEnd) {
    r = fn()
    if (isAsync) await r
  }
  const rounds = []
  for (let k = 0; k < ROUNDS; k++) {
    let n = 0
    const c0 = cpuNow()
    const t0 = performance.now()
    const end = t0 + ms / ROUNDS
    do {
      if (isAsync) await fn()
      else fn()
      n++
    } while (performance.now() < end)
    rounds.push({ n, wall: performance.now() - t0, cpu: cpuNow() - c0 })
  }
  const by = (key) => [...rounds].sort((a, b) => a[key] / a.n - b[key] / b.n)
  const best = by('cpu')[0]
  const median = by('cpu')[Math.floor(ROUNDS / 2)]
  const bestWall = by('wall')[0]
  const us = (x) => Math.round(x * 1000 * 10) / 10
  const n = rounds.reduce((a, x) => a + x.n, 0)
  const row = {
    section,
    name,
    ops: n,
    opsPerS: Math.round((bestWall.n / bestWall.wall) * 1000),
    usPerOpWall: us(bestWall.wall / bestWall.n),
    usPerOpCpu: us(best.cpu / best.n),
    usPerOpCpuMedian: us(median.cpu / median.n),
    ...(perOp
      ? {
          per: perOp.unit,
          usPerUnitCpu: Math.round(((best.cpu / best.n) * 1000 * 1000) / perOp.count) / 1000,
        }
      : {}),
    note,
  }
  results.push(row)
  process.stderr.write(
    `  ${section}: ${name}: ${row.usPerOpCpu} µs CPU/op (median ${row.usPerOpCpuMedian})\n`,
  )
  return row
}

// ---------------------------------------------------------------------------------------------
// The request and the backend, as the proxy sees them.
const rec = recorded()
const bodyText = JSON.stringify(rec.body)
const bodyBuf = Buffer.from(bodyText)
const longText = JSON.stringify(lengthen(rec.body, 30))
const backend = resolveBackend({
  name: 'bench',
  kind: 'openai',
  url: 'http://127.0.0.1:9/v1',
  model: 'bench',
})
const BUILD = { model: 'bench', stream: true }

/** A fresh parsed request (new objects: no memo hit), as each HTTP request has. */
const fresh = (text = bodyText) => MessagesRequestSchema.parse(JSON.parse(text))
/** New tool schema objects, so cleanSchema's identity memo misses as it does per request. */
const withFreshSchemas = (req) => ({
  ...req,
  tools: req.tools?.map((t) => ({ ...t, input_schema: structuredClone(t.input_schema) })),
})

async function requestSection() {
  const S = 'request'
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const parsedPool = Array.from({ length: 16 }, () => JSON.parse(bodyText))
  const zodPool = parsedPool.map((p) => MessagesRequestSchema.parse(p))
  const normalizedPool = zodPool.map((z) => normalizeRequest(z, { stripBillingHeader: true }).value)
  let i = 0
  const next = (pool) => pool[i++ % pool.length]
  const kb = (bodyBuf.length / 1024).toFixed(0)

  await bench(S, `TextDecoder(fatal).decode of the ${kb} KB body (validate)`, () =>
    decoder.decode(bodyBuf),
  )
  await bench(S, 'jsonDepth scan (validate)', () => jsonDepth(bodyText, 256))
  await bench(S, 'JSON.parse of the body (validate)', () => JSON.parse(bodyText))
  await bench(S, 'zod MessagesRequestSchema.safeParse (validate)', () =>
    MessagesRequestSchema.safeParse(next(parsedPool)),
  )
  await bench(S, 'normalizeRequest (normalize)', () =>
    normalizeRequest(next(zodPool), { stripBillingHeader: true }),
  )
  await bench(S, 'JSON.stringify(request.messages) for the router estimate (messages)', () =>
    JSON.stringify(next(normalizedPool).messages),
  )
  // Per-request schema objects: clone cost measured alone, to subtract.
  const clone = await bench(S, '(clone of the 24 tool schemas, subtracted below)', () =>
    withFreshSchemas(next(normalizedPool)),
  )
  const cold = await bench(
    S,
    'planUpstream + build = toOpenAIRequest, fresh schemas (tool-mapping, exchange)',
    () => planUpstream(withFreshSchemas(next(normalizedPool))).build(backend, BUILD),
  )
  cold.note = `≈ ${Math.round((cold.usPerOpCpu - clone.usPerOpCpu) * 10) / 10} µs CPU without the clone`
  await bench(S, '  of which toOpenAITools (cleanSchema × 24), fresh schemas', () =>
    toOpenAITools(withFreshSchemas(next(normalizedPool)), backend),
  )
  await bench(S, '  of which toOpenAIMessages', () =>
    toOpenAIMessages(next(normalizedPool), backend),
  )
  await bench(S, 'toOpenAIRequest, schemas memoized (failover, same objects)', () =>
    toOpenAIRequest(next(normalizedPool), backend, BUILD),
  )
  const upstream = toOpenAIRequest(normalizedPool[0], backend, BUILD).value
  const upstreamText = JSON.stringify(upstream)
  await bench(
    S,
    `JSON.stringify of the upstream body, ${(upstreamText.length / 1024).toFixed(0)} KB (exchange)`,
    () => JSON.stringify(upstream),
  )
  const enc = new TextEncoder()
  await bench(S, 'string body in undici fetch: toWellFormed() (webidl USVString)', () =>
    upstreamText.toWellFormed(),
  )
  await bench(S, 'string body in undici fetch: TextEncoder.encode (extractBody)', () =>
    enc.encode(upstreamText),
  )
  await bench(S, 'Buffer.byteLength (what undici.request does with a string body)', () =>
    Buffer.byteLength(upstreamText),
  )

  const whole = (text, buf) => {
    const t = decoder.decode(buf)
    jsonDepth(t, 256)
    const parsed = MessagesRequestSchema.safeParse(JSON.parse(t)).data
    const normalized = normalizeRequest(parsed, { stripBillingHeader: true }).value
    JSON.stringify(normalized.messages)
    const built = planUpstream(normalized).build(backend, BUILD)
    const out = JSON.stringify(built.value)
    enc.encode(out.toWellFormed())
    return text
  }
  await bench(S, `whole request path, ${kb} KB (all of the above, fresh objects)`, () =>
    whole(bodyText, bodyBuf),
  )
  const longBuf = Buffer.from(longText)
  await bench(S, `whole request path, long session ${(longBuf.length / 1024).toFixed(0)} KB`, () =>
    whole(longText, longBuf),
  )
  const noZod = (buf) => {
    const t = decoder.decode(buf)
    const normalized = normalizeRequest(JSON.parse(t), { stripBillingHeader: true }).value
    const built = planUpstream(normalized).build(backend, BUILD)
    return enc.encode(JSON.stringify(built.value))
  }
  await bench(
    S,
    'lower bound: decode + JSON.parse + normalize + build + stringify + encode (no zod, no jsonDepth, no toWellFormed, no router stringify)',
    () => noZod(bodyBuf),
  )
}

// ---------------------------------------------------------------------------------------------
// A 2000-chunk OpenAI stream, in network reads of 16 events.
const CHUNKS = 2000
function openAIStreamBytes() {
  const frame = (o) => `data: ${JSON.stringify(o)}\n\n`
  const c = (delta, finish = null) =>
    frame({
      id: 'chatcmpl-x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'bench',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })
  const frames = [c({ role: 'assistant', content: '' })]
  for (let i = 0; i < CHUNKS; i++) frames.push(c({ content: token(i) }))
  const args = JSON.stringify({ command: 'echo "héllo" && ls', description: 'Print — «test»' })
  frames.push(
    c({
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '' } },
      ],
    }),
  )
  for (let i = 0; i < args.length; i += 12)
    frames.push(c({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 12) } }] }))
  frames.push(c({}, 'tool_calls'))
  frames.push(
    frame({
      id: 'chatcmpl-x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'bench',
      choices: [],
      usage: { prompt_tokens: 19000, completion_tokens: CHUNKS },
    }),
  )
  frames.push('data: [DONE]\n\n')
  const reads = []
  for (let i = 0; i < frames.length; i += 16)
    reads.push(new TextEncoder().encode(frames.slice(i, i + 16).join('')))
  return { reads, frames }
}

async function streamSection() {
  const S = 'stream'
  const { reads, frames } = openAIStreamBytes()
  const per = { unit: 'chunk', count: frames.length }
  async function* source() {
    for (const r of reads) yield r
  }
  const normalized = normalizeRequest(fresh(), { stripBillingHeader: true }).value
  const plan = planUpstream(normalized)
  const enc = new TextEncoder()

  await bench(
    S,
    `floor: JSON.parse of the ${frames.length} chunk payloads`,
    () => {
      for (const f of frames) if (f.startsWith('data: {')) JSON.parse(f.slice(6))
    },
    { perOp: per },
  )
  await bench(
    S,
    'decodeSse (TextDecoder + eventsource-parser + async generator)',
    async () => {
      for await (const _ of decodeSse(source()));
    },
    { perOp: per },
  )
  await bench(
    S,
    '+ openAIStreamToParts',
    async () => {
      for await (const _ of openAIStreamToParts(decodeSse(source())));
    },
    { perOp: per },
  )
  const pipeline = async ({ rescue, build, encode, bytes }) => {
    const transforms = rescue ? plan.transforms(backend) : []
    const builder = new AnthropicEventBuilder({
      generateToolId: () => 'toolu_x',
      toolInput: plan.toolInput,
      estimateInputTokens: 19000,
    })
    let n = 0
    for await (const part of openAIStreamToParts(decodeSse(source()))) {
      for (const p of transforms.length ? applyTransforms(transforms, part) : [part]) {
        if (!build) continue
        const events = builder.push(p)
        if (events.length && encode) {
          const s = encodeEvents(events)
          n += bytes ? enc.encode(s).length : s.length
        }
      }
    }
    if (build) {
      const tail = builder.end()
      if (encode) n += encodeEvents(tail).length
    }
    return n
  }
  await bench(
    S,
    '+ text-format rescue (openai kind: 5 formats + <think>)',
    () => pipeline({ rescue: true }),
    { perOp: per },
  )
  await bench(S, '+ AnthropicEventBuilder', () => pipeline({ rescue: true, build: true }), {
    perOp: per,
  })
  await bench(
    S,
    '+ encodeEvents (JSON.stringify per event)',
    () => pipeline({ rescue: true, build: true, encode: true }),
    { perOp: per },
  )
  await bench(
    S,
    '+ TextEncoder.encode per write = the whole re-framing',
    () => pipeline({ rescue: true, build: true, encode: true, bytes: true }),
    { perOp: per },
  )
  await bench(
    S,
    'the whole re-framing without the rescue (a backend with native tool calls)',
    () => pipeline({ rescue: false, build: true, encode: true, bytes: true }),
    { perOp: per },
  )

  // Encoding alternatives for the commonest event.
  const deltas = Array.from({ length: CHUNKS }, (_, i) => ({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: token(i) },
  }))
  await bench(
    S,
    'encodeEvents of 2000 text deltas, one call each',
    () => {
      let n = 0
      for (const d of deltas) n += encodeEvents([d]).length
      return n
    },
    { perOp: { unit: 'event', count: CHUNKS } },
  )
  await bench(
    S,
    'hand-written text-delta frame (JSON.stringify of the text only)',
    () => {
      let n = 0
      for (const d of deltas)
        n +=
          `event: content_block_delta\ndata: {"type":"content_block_delta","index":${d.index},"delta":{"type":"text_delta","text":${JSON.stringify(d.delta.text)}}}\n\n`
            .length
      return n
    },
    { perOp: { unit: 'event', count: CHUNKS } },
  )

  // Web streams: what each enqueue costs between the route and @hono/node-server's reader.
  const payloads = deltas.map((d) => enc.encode(encodeEvents([d])))
  const batched = []
  for (let i = 0; i < payloads.length; i += 16)
    batched.push(Buffer.concat(payloads.slice(i, i + 16)))
  const throughWebStream = async (items) => {
    let ctrl
    const rs = new ReadableStream({
      start(c) {
        ctrl = c
      },
    })
    const reader = rs.getReader()
    let n = 0
    for (const p of items) {
      ctrl.enqueue(p)
      const { value } = await reader.read()
      n += value.length
    }
    return n
  }
  await bench(
    S,
    'ReadableStream enqueue + read, one per event (2000)',
    () => throughWebStream(payloads),
    { perOp: { unit: 'event', count: CHUNKS } },
  )
  await bench(
    S,
    'ReadableStream enqueue + read, one per 16 events (125)',
    () => throughWebStream(batched),
    { perOp: { unit: 'event', count: CHUNKS } },
  )
}

// ---------------------------------------------------------------------------------------------
async function parserSection() {
  const S = 'parser'
  const formats = backend.textToolFormats
  const toolNames = rec.body.tools.map((t) => t.name)
  const prose = Array.from({ length: 2000 }, (_, i) => token(i))
  const codeLine =
    'const xs: Array<Map<string, number[]>> = items.filter((x) => x[0] < limit && x.tags?.[1] !== "<b>");\n'
  const code = []
  while (code.join('').length < 16_000) code.push(...codeLine.match(/.{1,5}/gs))
  const call =
    '<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la", "description": "List"}}\n</tool_call>'
  const run = (pieces, opts) => {
    const p = createTextToolCallParser(opts)
    let n = 0
    for (const t of pieces) n += p.push(t).length
    return n + p.end().length
  }
  const proseKb = (prose.join('').length / 1024).toFixed(1)
  const codeKb = (code.join('').length / 1024).toFixed(1)
  await bench(
    S,
    `prose answer, ${proseKb} KB in ${prose.length} pushes (openai kind: 5 formats + think)`,
    () => run(prose, { formats, toolNames, think: true }),
    { perOp: { unit: 'push', count: prose.length } },
  )
  await bench(
    S,
    `code answer with < and [ , ${codeKb} KB in ${code.length} pushes`,
    () => run(code, { formats, toolNames, think: true }),
    { perOp: { unit: 'push', count: code.length } },
  )
  const withCall = [...prose, ...call.match(/.{1,4}/gs)]
  await bench(
    S,
    'prose answer then a Hermes <tool_call> (4-char pushes)',
    () => run(withCall, { formats, toolNames, think: true }),
    { perOp: { unit: 'push', count: withCall.length } },
  )
  await bench(
    S,
    'prose answer, hermes only',
    () => run(prose, { formats: ['hermes'], toolNames }),
    { perOp: { unit: 'push', count: prose.length } },
  )
  await bench(
    S,
    'baseline: string concatenation of the same pushes',
    () => {
      let s = ''
      for (const t of prose) s += t
      return s.length
    },
    { perOp: { unit: 'push', count: prose.length } },
  )
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing, in-process on loopback (server and client share this process: the CPU per
// request includes both; the variants differ only on the side named).
async function httpSection() {
  const S = 'http'
  const { Hono } = await import('hono')
  const { bodyLimit } = await import('hono/body-limit')
  const { serve } = await import('@hono/node-server')
  const undici = await import('undici')
  const listen = (fetch) =>
    new Promise((resolve) => {
      const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ server: s, port: info.port }),
      )
    })
  const close = (s) =>
    new Promise((r) => {
      s.closeAllConnections?.()
      s.close(() => r())
    })
  const agent = new undici.Agent({ keepAliveTimeout: 10_000 })
  const post = async (port, path, body) => {
    const res = await undici.request(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
    })
    let n = 0
    for await (const c of res.body) n += c.length
    return n
  }

  // 1. hono's bodyLimit touches c.req.raw.body, which makes @hono/node-server build a full
  //    undici Request and read the body through Web streams instead of its direct path.
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const read = async (c) => c.json({ n: decoder.decode(await c.req.arrayBuffer()).length })
  const withLimit = new Hono().post('/x', bodyLimit({ maxSize: 64 * 1024 * 1024 }), read)
  const withoutLimit = new Hono().post(
    '/x',
    async (c, next) => {
      const len = Number(c.req.header('content-length') ?? 0)
      if (len > 64 * 1024 * 1024) return c.json({ error: 'too large' }, 413)
      await next()
    },
    read,
  )
  for (const [name, app] of [
    ['POST 76 KB, hono bodyLimit + c.req.arrayBuffer()', withLimit],
    ['POST 76 KB, content-length check + c.req.arrayBuffer()', withoutLimit],
  ]) {
    const { server, port } = await listen(app.fetch)
    await bench(S, name, () => post(port, '/x', bodyBuf))
    await close(server)
  }

  // 2. The SSE response: one enqueue per event (what messages.ts does) vs one per batch; and
  //    the read-ahead @hono/node-server does before the headers when the response is not
  //    declared chunked.
  const enc = new TextEncoder()
  const events = Array.from({ length: 270 }, (_, i) =>
    encodeEvents([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token(i) } },
    ]),
  )
  const sse = (mode, chunked) => async () => {
    const body = new ReadableStream({
      async start(ctrl) {
        ctrl.enqueue(enc.encode('event: message_start\ndata: {}\n\n'))
        await new Promise((r) => setImmediate(r))
        if (mode === 'event') for (const e of events) ctrl.enqueue(enc.encode(e))
        else
          for (let i = 0; i < events.length; i += 16)
            ctrl.enqueue(enc.encode(events.slice(i, i + 16).join('')))
        ctrl.close()
      },
    })
    const headers = { 'content-type': 'text/event-stream' }
    if (chunked) headers['transfer-encoding'] = 'chunked'
    return new Response(body, { headers })
  }
  for (const [name, handler] of [
    ['SSE response, 270 events, one enqueue per event', sse('event', false)],
    ['SSE response, 270 events, one enqueue per 16 events', sse('batch', false)],
  ]) {
    const { server, port } = await listen(handler)
    await bench(S, name, () => post(port, '/', '{}'))
    await close(server)
  }
  // Time to the first byte when the next chunk comes 5 ms after message_start (a backend's first
  // token). Shaped like anyclaude: a middleware around the route and c.header()/c.res touched in
  // the handler, so Hono re-wraps the returned Response, @hono/node-server loses its fast path
  // and reads ahead (waiting on a timer for a second chunk) before sending the headers, unless
  // the response says transfer-encoding: chunked.
  const shaped = (chunked) =>
    new Hono()
      .use(async function mw(c, next) {
        await next()
        c.res.headers.has('request-id')
      })
      .post('/', async (c) => {
        let ctrl
        const body = new ReadableStream({
          start(k) {
            ctrl = k
          },
        })
        ctrl.enqueue(enc.encode('event: message_start\ndata: {}\n\n'))
        setTimeout(() => {
          ctrl.enqueue(enc.encode(events[0]))
          ctrl.close()
        }, 5)
        c.header('x-anyclaude-backend', 'bench')
        const headers = {
          'content-type': 'text/event-stream',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : {}),
        }
        return new Response(body, {
          status: 200,
          headers: { ...headers, ...Object.fromEntries(c.res.headers) },
        })
      })
  for (const chunked of [false, true]) {
    const { server, port } = await listen(shaped(chunked).fetch)
    const firsts = []
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now()
      const res = await undici.request(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: '{}',
        dispatcher: agent,
      })
      let first
      for await (const _ of res.body) first ??= performance.now() - t0
      firsts.push(first)
    }
    firsts.sort((x, y) => x - y)
    const p = (q) => Math.round(firsts[Math.floor(firsts.length * q)] * 100) / 100
    results.push({
      section: S,
      name: `time to first byte (message_start), next chunk 5 ms later, ${chunked ? 'with transfer-encoding: chunked' : 'SSE_HEADERS as in messages.ts'}`,
      ttfbP50Ms: p(0.5),
      note: `p10 ${p(0.1)} / p90 ${p(0.9)} ms over 100 requests`,
    })
    process.stderr.write(`  ${S}: ttfb ${chunked ? 'chunked' : 'as anyclaude'}: p50 ${p(0.5)} ms\n`)
    await close(server)
  }

  // 3. The upstream call: undici fetch (string body, as upstream.ts) vs fetch with bytes vs
  //    undici.request, each reading a 270-chunk OpenAI stream.
  const { frames } = openAIStreamBytes()
  const upstreamFrames = frames.slice(0, 260).concat(frames.slice(-4))
  const fake = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 0; i < upstreamFrames.length; i += 16)
        res.write(upstreamFrames.slice(i, i + 16).join(''))
      res.end()
    })
  })
  await new Promise((r) => fake.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${fake.address().port}/v1/chat/completions`
  const normalized = normalizeRequest(fresh(), { stripBillingHeader: true }).value
  const upstreamText = JSON.stringify(planUpstream(normalized).build(backend, BUILD).value)
  const upstreamBytes = enc.encode(upstreamText)
  const fetchAgent = new undici.Agent({ keepAliveTimeout: 10_000 })
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' }
  const viaFetch = (body) => async () => {
    const ac = new AbortController()
    const res = await undici.fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: ac.signal,
      dispatcher: fetchAgent,
    })
    let n = 0
    for await (const c of res.body) n += c.length
    return n
  }
  await bench(S, 'upstream: undici.fetch, string body (as upstream.ts)', viaFetch(upstreamText))
  await bench(S, 'upstream: undici.fetch, Uint8Array body', viaFetch(upstreamBytes))
  await bench(S, 'upstream: undici.request, string body', async () => {
    const ac = new AbortController()
    const res = await undici.request(url, {
      method: 'POST',
      headers,
      body: upstreamText,
      signal: ac.signal,
      dispatcher: fetchAgent,
    })
    let n = 0
    for await (const c of res.body) n += c.length
    return n
  })
  await new Promise((r) => {
    fake.closeAllConnections()
    fake.close(r)
  })
  await agent.close()
  await fetchAgent.close()
}

// ---------------------------------------------------------------------------------------------
const started = new Date()
const load0 = loadAverage()
process.stderr.write(`micro-benchmarks (${MS} ms each) on dist/; load average ${load0}\n`)
if (ONLY.has('request')) await requestSection()
if (ONLY.has('stream')) await streamSection()
if (ONLY.has('parser')) await parserSection()
if (ONLY.has('http')) await httpSection()

const rows = results.map((r) => [
  r.section,
  r.name,
  r.opsPerS !== undefined ? String(r.opsPerS) : '',
  r.usPerOpWall !== undefined
    ? String(r.usPerOpWall)
    : r.ttfbP50Ms !== undefined
      ? `TTFB p50 ${r.ttfbP50Ms} ms`
      : '',
  r.usPerOpCpu !== undefined ? `${r.usPerOpCpu} (${r.usPerOpCpuMedian})` : '',
  r.usPerUnitCpu !== undefined ? `${r.usPerUnitCpu} µs/${r.per}` : '',
  r.note ?? '',
])
process.stdout.write(
  `\n${textTable({ header: ['section', 'benchmark', 'ops/s', 'µs/op (wall)', 'µs/op CPU best (median)', 'per unit (CPU)', 'note'], rows })}\n` +
    `\nload average: start ${load0}, end ${loadAverage()}\n`,
)
const dir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(dir, { recursive: true })
const file = `${dir}micro-${started.toISOString().replace(/[:.]/g, '-')}.json`
writeFileSync(
  file,
  `${JSON.stringify({ date: started.toISOString(), node: process.version, loadavg: { start: load0, end: loadAverage() }, results }, null, 2)}\n`,
)
process.stderr.write(`wrote ${file}\n`)
