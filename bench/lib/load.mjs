/**
 * @module bench/lib/load: a closed-loop load generator (undici Pool, keep-alive).
 *
 * `concurrency` workers each send the next request as soon as the previous one ends. One warm-up
 * request per worker (not counted) opens the connections; then the measured window runs for
 * `durationMs` (or until `requests` have completed). Requests still running when the window
 * closes may finish for `graceMs`, then are aborted and counted as failures.
 */
import { setMaxListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { AnthropicCheck, OpenAICheck } from './check.mjs'

/** Nearest-rank percentile of a sorted array. */
export const percentile = (sorted, p) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

const summary = (values) => {
  const s = [...values].sort((a, b) => a - b)
  const r = (x) => Math.round(x * 100) / 100
  return {
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s.at(-1) ?? Number.NaN),
  }
}

/**
 * Time this process's main thread has spent runnable but not running, in ms (Linux: the second
 * field of /proc/self/schedstat, in ns), or undefined where there is no such file.
 */
function runQueueMs() {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e6
  } catch {
    return undefined
  }
}

/**
 * One request: returns { failure?, warnings, ttftMs, totalMs, events, waitMs }. With `target.wait`
 * (concurrency 1), `waitMs` is how long the load generator sat on the CPU's run queue between
 * sending the request and reading the first token: time in the TTFT that is the scheduler's,
 * not the proxy's (see bench/LATEST.md).
 * @param target {{ pool: Pool, path: string, headers: object, body: Buffer, nextBody?: () => string,
 *   mode: 'anthropic'|'openai', expect: object }}
 */
async function once(target, signal) {
  const check =
    target.mode === 'anthropic' ? new AnthropicCheck(target.expect) : new OpenAICheck(target.expect)
  const q0 = target.wait ? runQueueMs() : undefined
  let waitMs
  const t0 = performance.now()
  let failure
  try {
    const res = await target.pool.request({
      path: target.path,
      method: 'POST',
      headers: target.headers,
      body: target.nextBody ? target.nextBody() : target.body,
      signal,
    })
    if (res.statusCode !== 200) {
      await res.body.text().catch(() => '')
      failure = `status-${res.statusCode}`
    } else {
      res.body.setEncoding('utf8')
      for await (const text of res.body) {
        const seen = check.firstAt !== undefined
        check.feed(text, performance.now())
        if (q0 !== undefined && !seen && check.firstAt !== undefined) waitMs = runQueueMs() - q0
      }
      failure = check.finish()
    }
  } catch (err) {
    failure = signal.aborted ? 'aborted-at-deadline' : `network:${err.code ?? err.name}`
  }
  const t1 = performance.now()
  return {
    failure,
    warnings: check.warnings,
    ttftMs: check.firstAt === undefined ? undefined : check.firstAt - t0,
    totalMs: t1 - t0,
    end: t1,
    events: check.events,
    waitMs,
  }
}

/**
 * Runs one step.
 * @param opts {{ origin: string, path: string, headers: object, body: Buffer|string,
 *   nextBody?: () => string (each request's body instead of `body`), mode: 'anthropic'|'openai',
 *   expect: object, concurrency: number, durationMs: number, requests?: number, graceMs?: number,
 *   onWindowStart?: () => void, onProgress?: (completed: number) => void }}
 */
export async function runStep(opts) {
  const pool = new Pool(opts.origin, {
    connections: opts.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  })
  const target = {
    ...opts,
    pool,
    body: Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body),
    wait: opts.concurrency === 1,
  }
  const abort = new AbortController()
  // One signal for every request of the step (each adds a listener while it runs).
  setMaxListeners(0, abort.signal)
  try {
    // Warm-up: one request per worker, all at once, not counted (connections, JIT).
    const warm = await Promise.all(
      Array.from({ length: opts.concurrency }, () => once(target, abort.signal)),
    )
    const warmFailures = warm.filter((r) => r.failure).map((r) => r.failure)

    opts.onWindowStart?.()
    const start = performance.now()
    const deadline = start + opts.durationMs
    const limit = opts.requests ?? Number.POSITIVE_INFINITY
    let started = 0
    const results = []
    const hardStop = setTimeout(() => abort.abort(), opts.durationMs + (opts.graceMs ?? 10_000))
    const worker = async () => {
      while (performance.now() < deadline && started < limit) {
        started++
        const r = await once(target, abort.signal)
        results.push(r)
        opts.onProgress?.(results.length)
      }
    }
    await Promise.all(Array.from({ length: opts.concurrency }, worker))
    clearTimeout(hardStop)
    const end = performance.now()
    // Throughput counts what completed inside the window (or the whole run with `requests`).
    const windowEnd = opts.requests ? end : Math.min(end, deadline)
    const inWindow = results.filter((r) => r.end <= windowEnd && !r.failure)
    const elapsedS = (windowEnd - start) / 1000
    const ok = results.filter((r) => !r.failure)
    const failures = {}
    for (const r of results) if (r.failure) failures[r.failure] = (failures[r.failure] ?? 0) + 1
    const warnings = {}
    for (const r of results) for (const w of r.warnings) warnings[w] = (warnings[w] ?? 0) + 1
    const events = inWindow.reduce((n, r) => n + r.events, 0)
    return {
      concurrency: opts.concurrency,
      durationS: Math.round(((end - start) / 1000) * 100) / 100,
      requests: results.length,
      ok: ok.length,
      failed: results.length - ok.length,
      failures,
      warnings,
      warmupFailures: warmFailures.length,
      reqPerS: Math.round((inWindow.length / elapsedS) * 10) / 10,
      eventsPerS: Math.round(events / elapsedS),
      eventsPerRequest: ok.length
        ? Math.round(ok.reduce((n, r) => n + r.events, 0) / ok.length)
        : 0,
      ttftMs: summary(ok.map((r) => r.ttftMs).filter((x) => x !== undefined)),
      latencyMs: summary(ok.map((r) => r.totalMs)),
      ...(target.wait && ok.some((r) => r.waitMs !== undefined)
        ? { clientWaitMs: summary(ok.map((r) => r.waitMs).filter((x) => x !== undefined)) }
        : {}),
    }
  } finally {
    abort.abort()
    await pool.destroy().catch(() => {})
  }
}
