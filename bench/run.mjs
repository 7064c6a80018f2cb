#!/usr/bin/env node
/**
 * @module bench/run: `npm run bench`: anyclaude against a fast fake OpenAI backend, side by side
 * with the same request sent straight to the backend, at several concurrencies.
 *
 *   npm run bench                      # c=1, 8, 64 and a long session at c=1; writes bench/LATEST.md
 *   npm run bench -- --micro           # micro-benchmarks of the translation code (bench/micro.mjs)
 *   npm run bench -- --profile         # CPU profile of anyclaude under load, top functions
 *   npm run bench -- --soak 10000      # memory over a 10,000-request run
 *   node bench/run.mjs --top <file.cpuprofile>   # summarise an existing profile
 *   node bench/run.mjs --top <file.cpuprofile> --callers <name>   # where calls to <name> come from
 *   node bench/run.mjs --render bench/results/<time>.json         # rewrite LATEST.md from a run
 *
 * Environment: BENCH_DURATION (s per step, default 8, at most 20), BENCH_CONCURRENCY ("1,8,64"),
 * BENCH_TOKENS (text tokens per answer, 256), BENCH_LONG (0 skips the long-session step),
 * BENCH_PIN (0/1; default on with 2+ cores: anyclaude on the last core, the rest on the others),
 * BENCH_DIST (another build of anyclaude to measure, e.g. a patched copy; default dist/),
 * BENCH_NODE_FLAGS (flags for anyclaude's node instead of the ones it ships with, src/node-flags.ts;
 * " " for V8's defaults).
 * bench/LATEST.md is rewritten only by a default run (BENCH_WRITE_LATEST=1 forces it,
 * BENCH_NO_LATEST=1 prevents it); every run's full JSON goes to bench/results/<time>.json.
 *
 * Everything is on 127.0.0.1; every process started is stopped by PID at the end.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { answerText, toolCallFor } from './lib/answer.mjs'
import { callersOf, formatProfile, summarizeProfile } from './lib/cpuprofile.mjs'
import { runStep } from './lib/load.mjs'
import { loadAverage, memoryMb, ProcSampler } from './lib/proc.mjs'
import {
  markdownTable,
  ratioRows,
  stepRows,
  targetLines,
  targetValues,
  textTable,
} from './lib/report.mjs'
import { buildRequests } from './lib/request.mjs'
import { pinning, pinSelf, startNode, stop, stopAll } from './lib/spawn.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('..', import.meta.url))
const argv = process.argv.slice(2)
const flag = (name) => argv.includes(`--${name}`)
const option = (name) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

const DURATION_S = Math.min(20, Number(process.env.BENCH_DURATION ?? 8))
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,64')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const TOKENS = Number(process.env.BENCH_TOKENS ?? 256)
const LONG = process.env.BENCH_LONG !== '0'
const PIN = process.env.BENCH_PIN === undefined ? undefined : process.env.BENCH_PIN === '1'

const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(root, 'dist')
/** The V8 flags anyclaude runs with (an older build in BENCH_DIST may have none). */
const NODE_FLAGS = await import(pathToFileURL(join(DIST, 'node-flags.js')).href).then(
  (m) => m.NODE_FLAGS,
  () => [],
)

const log = (line) => process.stderr.write(`${line}\n`)

process.on('exit', stopAll)
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    stopAll()
    process.exit(130)
  })

/** Starts the fake backend and anyclaude; returns what the steps need. */
async function startAll({ nodeFlags = [] } = {}) {
  // The flags anyclaude's own command line and `npm start` use, unless BENCH_NODE_FLAGS says
  // otherwise (BENCH_NODE_FLAGS=' ' for V8's defaults).
  const flags = process.env.BENCH_NODE_FLAGS ?? NODE_FLAGS.join(' ')
  nodeFlags = [...flags.split(' ').filter(Boolean), ...nodeFlags]
  const pin = pinning(PIN)
  if (pin.on) pinSelf(pin.harness)
  const fake = await startNode(
    [join(here, 'fake-backend.mjs'), '--port', '0', '--tokens', String(TOKENS)],
    {
      ready: /listening on (\d+)/,
      cpuList: pin.on ? pin.harness : undefined,
      name: 'fake backend',
    },
  )
  const fakePort = Number(fake.match[1])
  const backendUrl = `http://127.0.0.1:${fakePort}/v1`
  const dir = mkdtempSync(join(tmpdir(), 'anyclaude-bench-'))
  const config = join(dir, 'config.json')
  writeFileSync(
    config,
    JSON.stringify({
      backends: [{ name: 'bench', kind: 'openai', url: backendUrl, model: 'bench' }],
    }),
  )
  const proxy = await startNode(
    [...nodeFlags, join(DIST, 'cli.js'), '--proxy-only', '--port', '0', '--config', config],
    {
      ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
      cpuList: pin.on ? pin.proxy : undefined,
      // The user's own settings must not leak into the measurement.
      env: {
        ANYCLAUDE_CONFIG: '',
        ANYCLAUDE_DEBUG: '',
        ANYCLAUDE_API_KEY: '',
        ANYCLAUDE_LOG_FILE: '',
      },
      name: 'anyclaude',
    },
  )
  const proxyPort = Number(proxy.match[1])
  // Let the startup probe of the backend finish before measuring.
  await new Promise((r) => setTimeout(r, 500))
  const requests = await buildRequests(backendUrl)
  return { pin, fake, proxy, fakePort, proxyPort, dir, requests }
}

async function stopAllChildren(env) {
  await stop(env.proxy.child, 15_000)
  await stop(env.fake.child)
  rmSync(env.dir, { recursive: true, force: true })
}

const expectFor = (req) => {
  const call = toolCallFor(req.tools)
  return { text: answerText(TOKENS), ...(call ? { tool: call } : {}) }
}

/** One (direct, anyclaude) pair at one concurrency. */
async function pair(env, concurrency, req, { long = false, direct = true } = {}) {
  const expect = expectFor(req)
  const step = { concurrency, long, loadavg: loadAverage() }
  const durationMs = DURATION_S * 1000
  if (direct) {
    log(`  direct     c=${concurrency}${long ? ' (long)' : ''} ...`)
    step.direct = await runStep({
      origin: `http://127.0.0.1:${env.fakePort}`,
      path: '/v1/chat/completions',
      headers: env.requests.openaiHeaders,
      body: req.openai,
      mode: 'openai',
      expect,
      concurrency,
      durationMs,
    })
  }
  log(`  anyclaude  c=${concurrency}${long ? ' (long)' : ''} ...`)
  const sampler = new ProcSampler(env.proxy.pid)
  step.proxy = await runStep({
    origin: `http://127.0.0.1:${env.proxyPort}`,
    path: '/v1/messages?beta=true',
    headers: env.requests.headers,
    body: req.anthropic,
    mode: 'anthropic',
    expect,
    concurrency,
    durationMs,
    onWindowStart: () => {
      step.windowUs = [Number(process.hrtime.bigint() / 1000n)]
      sampler.start()
    },
  })
  step.windowUs.push(Number(process.hrtime.bigint() / 1000n))
  const proc = sampler.stop()
  const counted = step.proxy.requests || 1
  step.proxy.proc = {
    ...round(proc),
    cpuSPer1000: Math.round((proc.cpuS / counted) * 1000 * 100) / 100,
  }
  if (step.direct) {
    const d = step.direct
    const p = step.proxy
    step.ratios = {
      ttftOverheadP50Ms: r2(p.ttftMs.p50 - d.ttftMs.p50),
      ttftOverheadP95Ms: r2(p.ttftMs.p95 - d.ttftMs.p95),
      throughputPct: r2((p.reqPerS / d.reqPerS) * 100),
      latencyP50Ratio: r2(p.latencyMs.p50 / d.latencyMs.p50),
    }
  }
  return step
}

const r2 = (x) => Math.round(x * 100) / 100
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r2(v)]))

function machine() {
  const c = cpus()
  return {
    cpus: c.length,
    model: c[0]?.model ?? 'unknown',
    node: process.version,
    platform: process.platform,
  }
}

async function standard() {
  const loadStart = loadAverage()
  log(
    `anyclaude bench: ${DURATION_S} s per step, concurrency ${CONCURRENCY.join(', ')}, ${TOKENS} tokens + 1 tool call; load average ${loadStart}`,
  )
  const env = await startAll()
  const steps = []
  let lifetime
  try {
    log(
      `  pinning: ${env.pin.on ? `anyclaude on cpu ${env.pin.proxy}, harness on cpu ${env.pin.harness}` : 'off'}`,
    )
    for (const c of CONCURRENCY) steps.push(await pair(env, c, env.requests.normal))
    if (LONG) steps.push(await pair(env, 1, env.requests.long, { long: true }))
  } finally {
    lifetime = memoryMb(env.proxy.pid)
    await stopAllChildren(env)
  }
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    loadavg: { start: loadStart, end: loadAverage() },
    pinning: env.pin,
    settings: {
      durationS: DURATION_S,
      concurrency: CONCURRENCY,
      tokens: TOKENS,
      dist: DIST,
      nodeFlags: process.env.BENCH_NODE_FLAGS ?? NODE_FLAGS.join(' '),
    },
    request: {
      source: env.requests.source,
      anthropicBytes: env.requests.normal.anthropic.length,
      openaiBytes: env.requests.normal.openai.length,
      tools: env.requests.normal.tools?.length ?? 0,
      messages: env.requests.normal.messages,
      longAnthropicBytes: env.requests.long.anthropic.length,
      longMessages: env.requests.long.messages,
    },
    proxyLifetimeHwmMb: r2(lifetime.hwm),
    steps,
    targets: targetValues(steps),
  }
  report(result)
  return result
}

function report(result) {
  const out = [
    '',
    textTable(stepRows(result.steps)),
    '',
    textTable(ratioRows(result.steps)),
    '',
    'targets:',
    ...targetLines(result.targets),
    '',
    `load average: start ${result.loadavg.start}, end ${result.loadavg.end}; proxy lifetime peak RSS (VmHWM) ${result.proxyLifetimeHwmMb} MB`,
  ]
  process.stdout.write(`${out.join('\n')}\n`)
  const dir = join(here, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${result.date.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  log(`\nwrote ${file}`)
  // Only a default run (all steps, this build, no extra flags) is the project's latest figure.
  const special =
    process.env.BENCH_DIST ||
    process.env.BENCH_NODE_FLAGS ||
    process.env.BENCH_CONCURRENCY ||
    process.env.BENCH_TOKENS ||
    !LONG
  if (
    (result.steps.length > 0 && !special && !process.env.BENCH_NO_LATEST) ||
    process.env.BENCH_WRITE_LATEST === '1'
  ) {
    writeFileSync(join(here, 'LATEST.md'), latestMarkdown(result))
    log(`wrote ${join(here, 'LATEST.md')}`)
  }
}

function latestMarkdown(r) {
  const q = r.request
  return `# Latest benchmark figures

Written by \`npm run bench\` (bench/run.mjs) on ${r.date}. Machine: ${r.machine.cpus} × ${r.machine.model}, Node.js ${r.machine.node}.
Load average at start / end: ${r.loadavg.start} / ${r.loadavg.end}. CPU pinning: ${r.pinning.on ? `anyclaude on cpu ${r.pinning.proxy}, load generator and fake backend on cpu ${r.pinning.harness}` : 'off'}.

Each step: ${r.settings.durationS} s, closed loop, after one warm-up request per connection. Every answer is
${r.settings.tokens} text tokens and one tool call, streamed as fast as the fake backend can write them.
Request: a recorded Claude Code request (${q.source}): ${(q.anthropicBytes / 1024).toFixed(0)} KB, ${q.tools} tools, ${q.messages} messages
(${(q.openaiBytes / 1024).toFixed(0)} KB once translated). Long session: the same with 30 more tool round trips, ${(q.longAnthropicBytes / 1024).toFixed(0)} KB, ${q.longMessages} messages.
"direct" sends the translated request straight to the fake backend (the limit); "anyclaude" goes through the proxy.
Every proxied stream is validated (event grammar, exact text, tool input equal to what the backend sent).

${markdownTable(stepRows(r.steps))}

${markdownTable(ratioRows(r.steps))}

Targets (issue #8; they are defined on the shared harness, ../shared/bench/run.sh, whose load
generator drives about half the direct req/s of this one, so the throughput ratio here is stricter):

${targetLines(r.targets, true).join('\n')}

Absolute numbers move by ±15 % from run to run on a shared 2-core machine; compare the ratios and the
CPU per request. Proxy lifetime peak RSS (VmHWM): ${r.proxyLifetimeHwmMb} MB.
`
}

/** `--profile`: anyclaude under --cpu-prof, one step at c=8 (BENCH_CONCURRENCY's largest ≤ 8). */
async function profile() {
  const dir = join(here, 'results', `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  mkdirSync(dir, { recursive: true })
  const c = Number(option('profile-concurrency') ?? 8)
  log(`profiling anyclaude at c=${c} for ${DURATION_S} s; load average ${loadAverage()}`)
  const env = await startAll({ nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] })
  let step
  try {
    step = await pair(env, c, env.requests.normal, { direct: false })
  } finally {
    await stopAllChildren(env)
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no .cpuprofile written in ${dir} (anyclaude did not exit cleanly)`)
  const requests = step.proxy.requests
  // The measured window only: no startup, no module loading, no warm-up.
  const [fromUs, toUs] = step.windowUs
  const summary = summarizeProfile(join(dir, file), Number(option('n') ?? 30), { fromUs, toUs })
  process.stdout.write(
    `\n${textTable(stepRows([step]))}\n\nprofile ${join(dir, file)}\n${formatProfile(summary, { requests })}\n`,
  )
  writeFileSync(
    join(dir, 'summary.json'),
    `${JSON.stringify({ step, summary, loadavg: loadAverage() }, null, 2)}\n`,
  )
}

/**
 * `--soak N`: N requests through anyclaude at c=8; RSS every 10 % of the way. The requests are
 * turns of `--soak-sessions` (default 40) growing sessions, up to `--soak-turns` (20) round trips
 * each (75-320 KB), so that whatever anyclaude keeps between requests is filled, evicted and
 * replaced as in real use; `--soak-same` sends the recorded request every time instead.
 */
async function soak(n) {
  const c = Number(option('soak-concurrency') ?? 8)
  const sessions = Number(option('soak-sessions') ?? 40)
  const turns = Number(option('soak-turns') ?? 20)
  const same = flag('soak-same')
  log(
    `soak: ${n} requests at c=${c}, ${same ? 'the same request' : `${sessions} sessions of up to ${turns} turns`}; load average ${loadAverage()}`,
  )
  const env = await startAll()
  const expect = expectFor(env.requests.normal)
  const series = []
  const every = Math.max(1, Math.floor(n / 10))
  let result
  try {
    series.push({ completed: 0, ...round(memoryMb(env.proxy.pid)) })
    const sampler = new ProcSampler(env.proxy.pid, 250)
    result = await runStep({
      origin: `http://127.0.0.1:${env.proxyPort}`,
      path: '/v1/messages?beta=true',
      headers: env.requests.headers,
      body: env.requests.normal.anthropic,
      // Request i: session i mod S, at turn (i div S) mod T.
      nextBody: same
        ? undefined
        : (() => {
            let i = 0
            return () => {
              const k = i++
              return env.requests.session(k % sessions, Math.floor(k / sessions) % (turns + 1))
            }
          })(),
      mode: 'anthropic',
      expect,
      concurrency: c,
      durationMs: 600_000,
      requests: n,
      graceMs: 30_000,
      onWindowStart: () => sampler.start(),
      onProgress: (done) => {
        if (done % every === 0) series.push({ completed: done, ...round(memoryMb(env.proxy.pid)) })
      },
    })
    result.proc = round(sampler.stop())
    // Idle for a moment: what is still held once the load stops.
    await new Promise((r) => setTimeout(r, 2000))
    series.push({ completed: result.requests, idleAfterS: 2, ...round(memoryMb(env.proxy.pid)) })
  } finally {
    await stopAllChildren(env)
  }
  const at20 = series.find((s) => s.completed >= n * 0.2) ?? series[0]
  const last = series.at(-2) ?? series.at(-1)
  const out = {
    date: new Date().toISOString(),
    loadavg: loadAverage(),
    requests: result.requests,
    ok: result.ok,
    failed: result.failed,
    failures: result.failures,
    reqPerS: result.reqPerS,
    cpuSPer1000: r2((result.proc.cpuS / result.requests) * 1000),
    rssGrowthFrom20PctMb: r2(last.rss - at20.rss),
    series,
  }
  process.stdout.write(
    `\nsoak: ${out.ok}/${out.requests} ok, ${out.reqPerS} req/s, ${out.cpuSPer1000} CPU s per 1000 requests\n` +
      series
        .map(
          (s) =>
            `  after ${String(s.completed).padStart(6)}${s.idleAfterS ? ' (+2 s idle)' : ''}: RSS ${s.rss} MB, HWM ${s.hwm} MB`,
        )
        .join('\n') +
      `\n  RSS growth from 20 % to the end: ${out.rssGrowthFrom20PctMb} MB\n`,
  )
  mkdirSync(join(here, 'results'), { recursive: true })
  writeFileSync(
    join(here, 'results', `soak-${out.date.replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(out, null, 2)}\n`,
  )
}

async function main() {
  if (flag('micro')) {
    await import('./micro.mjs')
    return
  }
  if (option('top') && option('callers')) {
    process.stdout.write(
      `${callersOf(option('top'), option('callers'), { depth: Number(option('depth') ?? 6) })}\n`,
    )
    return
  }
  if (option('top')) {
    process.stdout.write(
      `${formatProfile(summarizeProfile(option('top'), Number(option('n') ?? 30)))}\n`,
    )
    return
  }
  if (option('render')) {
    // Rewrites bench/LATEST.md from a saved run (bench/results/<time>.json).
    const saved = JSON.parse(readFileSync(option('render'), 'utf8'))
    writeFileSync(join(here, 'LATEST.md'), latestMarkdown(saved))
    log(`wrote ${join(here, 'LATEST.md')} from ${option('render')}`)
    return
  }
  if (flag('profile')) return profile()
  if (option('soak')) return soak(Number(option('soak')))
  const result = await standard()
  const failed = result.steps.reduce((n, s) => n + s.proxy.failed + (s.direct?.failed ?? 0), 0)
  if (failed > 0) process.exitCode = 1
}

main().catch((err) => {
  log(`bench failed: ${err?.stack ?? err}`)
  stopAll()
  process.exitCode = 2
})
