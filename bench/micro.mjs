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
 * - stream: re-framing a 2000-chunk OpenAI stream: SseDecoder → OpenAIStreamDecoder (partsOf) → text-format
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
const { parseBody } = await dist('middleware/validate.js')
const { asciiJson } = await dist('middleware/ascii-json.js')
const { scanJson } = await dist('middleware/json-scan.js')
const { Reuse } = await dist('middleware/reuse.js')
const { Interner } = await dist('intern.js')
const { encodeJson } = await dist('translate/encode-json.js')
const { partsOf } = await dist('routes/upstream.js')
const { createUpstreamFetch } = await dist('upstream-fetch.js')
const { loadConfig } = await dist('config.js')
const { SseDecoder } = await dist('translate/sse-decode.js')
const { OpenAIStreamDecoder } = await dist('translate/openai-stream.js')
const { MessagesRequestSchema } = await dist('schemas/anthropic.js')
const { normalizeRequest } = await dist('translate/normalize.js')
const { planUpstream } = await dist('middleware/tool-mapping.js')
const { toOpenAIRequest } = await dist('translate/request.js')
const { toOpenAIMessages } = await dist('translate/messages.js')
const { toOpenAITools } = await dist('translate/tools.js')
const { resolveBackend } = await dist('backends/resolve.js')
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

/** The app's reuse settings (app.ts): tools and system prompt whole, history message by message. */
const REUSE = { values: ['tools', 'system'], items: ['messages'] }
const LIMITS = { maxDepth: 256 }
/** The byte helpers the Node server gives validate (server.ts). */
const nodeBytes = {
  view: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  equal: (a, b) => Buffer.compare(a, b) === 0,
}

/**
 * The request path as the app runs it, from the body bytes to the upstream body bytes: validate
 * (parseBody), normalize (+ Interner), tool-mapping (planUpstream), exchange (build, encodeJson).
 * `state` carries what lives across requests in the app (the reuse cache, the interner).
 */
function requestPath(bytes, state) {
  const body = parseBody(nodeBytes.view(bytes), MessagesRequestSchema, LIMITS, state.reuse)
  const request = state.interner.request(normalizeRequest(body, { stripBillingHeader: true }).value)
  const built = planUpstream(request).build(backend, BUILD)
  return encodeJson(built.value)
}
const appState = () => ({
  reuse: new Reuse({ ...REUSE, equal: nodeBytes.equal }),
  interner: new Interner(),
})

async function requestSection() {
  const S = 'request'
  const decoder = new TextDecoder()
  const strict = new TextDecoder('utf-8', { fatal: true })
  const parsedPool = Array.from({ length: 16 }, () => JSON.parse(bodyText))
  const normalizedPool = parsedPool.map(
    (p) => normalizeRequest(p, { stripBillingHeader: true }).value,
  )
  let i = 0
  const next = (pool) => pool[i++ % pool.length]
  const kb = (bodyBuf.length / 1024).toFixed(0)
  const view = new Uint8Array(bodyBuf)
  const text = asciiJson(view, decoder)
  const noReuse = new Reuse({})

  // validate, step by step
  await bench(S, `asciiJson of the ${kb} KB body (validate)`, () => asciiJson(view, decoder))
  await bench(S, '  (for comparison: TextDecoder(fatal).decode, the non-ASCII-JSON fallback)', () =>
    strict.decode(view),
  )
  const buffer = nodeBytes.view(view)
  await bench(S, 'scanJson of the bytes: depth + top-level and message ranges (validate)', () =>
    scanJson(buffer, 256, REUSE.values.concat(REUSE.items), REUSE.items),
  )
  await bench(S, 'JSON.parse of the whole body (validate, nothing known)', () => JSON.parse(text))
  await bench(S, 'zod MessagesRequestSchema.safeParse, whole body', () =>
    MessagesRequestSchema.safeParse(next(parsedPool)),
  )
  await bench(S, 'parseBody, nothing reused (a new conversation)', () =>
    parseBody(buffer, MessagesRequestSchema, LIMITS, noReuse),
  )
  const reuse = new Reuse({ ...REUSE, equal: nodeBytes.equal })
  await bench(S, 'parseBody, tools/system/history known from the last request', () =>
    parseBody(buffer, MessagesRequestSchema, LIMITS, reuse),
  )
  // normalize, tool-mapping, exchange
  await bench(S, 'normalizeRequest (normalize)', () =>
    normalizeRequest(next(parsedPool), { stripBillingHeader: true }),
  )
  const clone = await bench(S, '(clone of the tool schemas, subtracted below)', () =>
    withFreshSchemas(next(normalizedPool)),
  )
  const cold = await bench(
    S,
    'planUpstream + build = toOpenAIRequest, fresh schemas (tool-mapping, exchange)',
    () => planUpstream(withFreshSchemas(next(normalizedPool))).build(backend, BUILD),
  )
  cold.note = `≈ ${Math.round((cold.usPerOpCpu - clone.usPerOpCpu) * 10) / 10} µs CPU without the clone`
  await bench(S, '  of which toOpenAITools (cleanSchema per tool), fresh schemas', () =>
    toOpenAITools(withFreshSchemas(next(normalizedPool)), backend),
  )
  await bench(S, '  of which toOpenAIMessages', () =>
    toOpenAIMessages(next(normalizedPool), backend),
  )
  const interner = new Interner()
  const interned = normalizedPool.map((r) => interner.request(r))
  await bench(S, 'toOpenAIRequest, tools interned (their translation cached)', () =>
    toOpenAIRequest(next(interned), backend, BUILD),
  )
  const upstream = toOpenAIRequest(interned[0], backend, BUILD).value
  const upstreamKb = (JSON.stringify(upstream).length / 1024).toFixed(0)
  await bench(
    S,
    `encodeJson of the ${upstreamKb} KB upstream body, tools bytes cached (exchange)`,
    () => encodeJson(upstream),
  )
  await bench(S, '  (for comparison: TextEncoder.encode(JSON.stringify(body)))', () =>
    new TextEncoder().encode(JSON.stringify(upstream)),
  )

  // The whole path: a new conversation each time, and the same conversation again (each turn
  // of a real session repeats all of the previous request, see reuse.ts).
  await bench(S, `whole request path, ${kb} KB, nothing known (new app state each time)`, () =>
    requestPath(view, appState()),
  )
  const warm = appState()
  await bench(S, `whole request path, ${kb} KB, as the previous request`, () =>
    requestPath(view, warm),
  )
  const longView = new Uint8Array(Buffer.from(longText))
  const longKb = (longView.length / 1024).toFixed(0)
  await bench(S, `whole request path, long session ${longKb} KB, nothing known`, () =>
    requestPath(longView, appState()),
  )
  const warmLong = appState()
  await bench(S, `whole request path, long session ${longKb} KB, as the previous request`, () =>
    requestPath(longView, warmLong),
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
    'SseDecoder.feed per read (TextDecoder + eventsource-parser)',
    () => {
      const sse = new SseDecoder()
      let n = 0
      for (const r of reads) n += sse.feed(r).length
      return n + sse.end().length
    },
    { perOp: per },
  )
  await bench(
    S,
    '+ OpenAIStreamDecoder.push (chunks → parts)',
    () => {
      const sse = new SseDecoder()
      const decoder = new OpenAIStreamDecoder()
      const out = []
      for (const r of reads) for (const item of sse.feed(r)) decoder.push(item, out)
      decoder.end(out)
      return out.length
    },
    { perOp: per },
  )
  /** The route's own decoding (routes/upstream.ts partsOf): one async step per read. */
  const response = () =>
    new Response(
      new ReadableStream({
        start(c) {
          for (const r of reads) c.enqueue(r)
          c.close()
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    )
  await bench(
    S,
    'partsOf(response) as the route reads it (ReadableStream body, one batch per read)',
    async () => {
      let n = 0
      for await (const batch of partsOf(response(), backend)) n += batch.length
      return n
    },
    { perOp: per },
  )
  /** What exchange.ts does with each batch: rescue, Anthropic events, SSE text, bytes. */
  const pipeline = async ({ rescue, build, encode, bytes }) => {
    const transforms = rescue ? plan.transforms(backend) : []
    const builder = new AnthropicEventBuilder({
      generateToolId: () => 'toolu_x',
      toolInput: plan.toolInput,
      estimateInputTokens: 19000,
    })
    let n = 0
    for await (const batch of partsOf(response(), backend))
      for (const part of batch) {
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

  // 3. The upstream call, each reading a 270-chunk OpenAI stream: anyclaude's own
  //    (upstream-fetch.ts: undici.request, encoded bytes given once) vs undici fetch (what it
  //    used first) vs undici.request with a string body.
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
  const upstreamBody = planUpstream(normalized).build(backend, BUILD).value
  const upstreamText = JSON.stringify(upstreamBody)
  const upstreamBytes = enc.encode(upstreamText)
  const fetchAgent = new undici.Agent({ keepAliveTimeout: 10_000 })
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' }
  const ours = createUpstreamFetch(loadConfig({ proxyOnly: true }))
  await bench(
    S,
    'upstream: createUpstreamFetch (upstream-fetch.ts), encodeJson bytes',
    async () => {
      const res = await ours(url, {
        method: 'POST',
        headers,
        body: encodeJson(upstreamBody),
        signal: new AbortController().signal,
      })
      let n = 0
      for await (const c of res.body) n += c.length
      return n
    },
  )
  await ours.close()
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
  await bench(
    S,
    'upstream: undici.fetch, string body (what upstream.ts used first)',
    viaFetch(upstreamText),
  )
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
