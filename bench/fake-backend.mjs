#!/usr/bin/env node
/**
 * @module bench/fake-backend: a fast, deterministic OpenAI-compatible chat server (node:http only).
 *
 * `POST /v1/chat/completions` streams N text tokens as fast as the socket takes them (one write per
 * chunk, yielding to other connections every `--burst` chunks), then, when the request has tools,
 * one tool call (id and name chunk, then the arguments in 5 fragments), the finish chunk, a usage
 * chunk when `stream_options.include_usage`, and `data: [DONE]`. Non-streaming requests get the
 * same answer as one JSON document. `GET /v1/models` and `GET /health` answer anyclaude's probes;
 * `GET /stats` counts requests.
 *
 * Usage: node bench/fake-backend.mjs [--port 0] [--tokens 256] [--burst 16]
 * Prints `fake-backend listening on <port>` once ready. Loopback only.
 */
import { createServer } from 'node:http'
import { answerText, token, toolCallFor } from './lib/answer.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback
}
const PORT = Number(arg('port', '0'))
const TOKENS = Number(arg('tokens', '256'))
const BURST = Math.max(1, Number(arg('burst', '16')))

const ID = 'chatcmpl-bench'
const CREATED = 1_700_000_000
const frame = (obj) => `data: ${JSON.stringify(obj)}\n\n`
const chunk = (delta, finish = null) =>
  frame({
    id: ID,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'bench',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })

// Every request gets the same text: its frames are built once.
const textFrames = [chunk({ role: 'assistant', content: '' })]
for (let i = 0; i < TOKENS; i++) textFrames.push(chunk({ content: token(i) }))

const toolFramesCache = new Map()
function toolFrames(call) {
  const key = `${call.name}\u0000${JSON.stringify(call.args)}`
  let frames = toolFramesCache.get(key)
  if (frames) return frames
  const json = JSON.stringify(call.args)
  const id = 'call_bench_0001'
  frames = [
    chunk({
      tool_calls: [
        { index: 0, id, type: 'function', function: { name: call.name, arguments: '' } },
      ],
    }),
  ]
  const step = Math.ceil(json.length / 5)
  for (let i = 0; i < json.length; i += step)
    frames.push(
      chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(i, i + step) } }] }),
    )
  toolFramesCache.set(key, frames)
  return frames
}

const stats = { requests: 0, streams: 0, completed: 0, cancelled: 0, lastBodyBytes: 0 }

async function stream(res, body, bodyBytes) {
  stats.streams++
  const call = body.tool_choice === 'none' ? undefined : toolCallFor(body.tools)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  let gone = false
  res.on('close', () => {
    if (!res.writableFinished) gone = true
  })
  const frames = call ? [...textFrames, ...toolFrames(call)] : textFrames
  for (let i = 0; i < frames.length; i++) {
    if (gone) break
    if (!res.write(frames[i])) await new Promise((r) => res.once('drain', r))
    if (i % BURST === BURST - 1) await new Promise((r) => setImmediate(r))
  }
  if (gone) {
    stats.cancelled++
    return
  }
  const completionTokens = TOKENS + (call ? 20 : 0)
  res.write(chunk({}, call ? 'tool_calls' : 'stop'))
  if (body.stream_options?.include_usage)
    res.write(
      frame({
        id: ID,
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'bench',
        choices: [],
        usage: {
          prompt_tokens: Math.round(bodyBytes / 4),
          completion_tokens: completionTokens,
          total_tokens: Math.round(bodyBytes / 4) + completionTokens,
        },
      }),
    )
  res.end('data: [DONE]\n\n')
  stats.completed++
}

function whole(res, body, bodyBytes) {
  const call = body.tool_choice === 'none' ? undefined : toolCallFor(body.tools)
  const message = { role: 'assistant', content: answerText(TOKENS) }
  if (call)
    message.tool_calls = [
      {
        id: 'call_bench_0001',
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.args) },
      },
    ]
  const json = JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: 'bench',
    choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: Math.round(bodyBytes / 4), completion_tokens: TOKENS },
  })
  res.writeHead(200, { 'content-type': 'application/json' }).end(json)
  stats.completed++
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  stats.requests++
  const path = (req.url ?? '').split('?')[0]
  if (req.method === 'GET' && path === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        object: 'list',
        data: [{ id: 'bench', object: 'model', owned_by: 'bench' }],
      }),
    )
    return
  }
  if (req.method === 'GET' && path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    return
  }
  if (req.method === 'GET' && path === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats))
    return
  }
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"error":{"message":"not found"}}')
    return
  }
  const parts = []
  req.on('data', (d) => parts.push(d))
  req.on('end', () => {
    const raw = Buffer.concat(parts)
    stats.lastBodyBytes = raw.length
    let body
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"invalid JSON"}}')
      return
    }
    if (body.stream) void stream(res, body, raw.length)
    else whole(res, body, raw.length)
  })
})

server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`fake-backend listening on ${server.address().port}\n`)
})
const stop = () => {
  server.close()
  server.closeAllConnections()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
