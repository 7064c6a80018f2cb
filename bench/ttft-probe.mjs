#!/usr/bin/env node
/**
 * @module bench/ttft-probe: one connection, one request after another, for a few seconds: the time
 * to the first token, and how much of it this process spent on the CPU's run queue (Linux,
 * /proc/self/schedstat). Used to tell the proxy's share of a TTFT from the scheduler's when the
 * load generator shares a core with the backend (as in ../shared/bench on 2 cores).
 *
 *   node bench/ttft-probe.mjs --url http://127.0.0.1:18290 --body request.json
 *   node bench/ttft-probe.mjs --url http://127.0.0.1:18081 --openai --body upstream-body.json
 *
 * `--openai` posts to /v1/chat/completions and waits for the first non-empty `content`;
 * otherwise /v1/messages and the first content_block_delta. `--seconds` (6), `--skip` (50 warm-up
 * requests left out). Pin it like the harness does, e.g. `taskset -c 0 node bench/ttft-probe.mjs`.
 */
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'

const argv = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const openai = argv.includes('--openai')
const url = opt('url', 'http://127.0.0.1:18290')
const bodyPath = opt('body')
if (!bodyPath) {
  console.error('usage: node bench/ttft-probe.mjs --url <origin> --body <request.json> [--openai]')
  process.exit(2)
}
const body = readFileSync(bodyPath)
const seconds = Number(opt('seconds', 6))
const skip = Number(opt('skip', 50))

const runQueueMs = () => Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e6
const first = openai ? /"content":"[^"]/ : /content_block_delta/
const pool = new Pool(url, { connections: 1 })
const headers = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-probe',
}
const ttft = []
const wait = []
const until = Date.now() + seconds * 1000
for (let n = 0; Date.now() < until; n++) {
  const q0 = runQueueMs()
  const t0 = performance.now()
  const res = await pool.request({
    path: openai ? '/v1/chat/completions' : '/v1/messages',
    method: 'POST',
    headers,
    body,
  })
  let at
  let waited
  res.body.setEncoding('utf8')
  for await (const text of res.body) {
    if (at !== undefined || !first.test(text)) continue
    at = performance.now() - t0
    waited = runQueueMs() - q0
  }
  if (n >= skip && at !== undefined) {
    ttft.push(at)
    wait.push(waited)
  }
}
await pool.close()
const p50 = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1]?.toFixed(2)
console.log(
  `${url} ${openai ? 'openai' : 'anthropic'}: ${ttft.length} requests, TTFT p50 ${p50(ttft)} ms, ` +
    `of which on the run queue p50 ${p50(wait)} ms`,
)
