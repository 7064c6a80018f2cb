/**
 * @module test/e2e/harness/proxy: runs the built anyclaude (`node dist/cli.js --proxy-only --port 0`)
 * with a temporary config file and collects its JSON log lines.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const CLI = join(REPO_ROOT, 'dist/cli.js')

/** One `request` log line (logger middleware, `--debug 1`). */
export type RequestLog = {
  msg: string
  method?: string
  path?: string
  status?: number
  backend?: string
  reason?: string
  tried?: string[]
  error?: string
  [key: string]: unknown
}

export type RunningProxy = {
  url: string
  port: number
  /** Everything anyclaude wrote to stderr so far, line by line. */
  stderr: string[]
  /** The parsed JSON log lines for POST /v1/messages. */
  messageLogs(): RequestLog[]
  /** Waits until there are at least `count` such lines (a stream's line is written when it ends). */
  waitForMessageLogs(count: number, timeoutMs?: number): Promise<RequestLog[]>
  stop(): Promise<void>
}

/**
 * @param config the JSON config file's content (backends, rules, ...)
 * @example const proxy = await startProxy({ backends: [{ name: 'mlx-lm', kind: 'mlx-lm', url: fake.url }] })
 */
export async function startProxy(config: Record<string, unknown>): Promise<RunningProxy> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`)
  const dir = mkdtempSync(join(tmpdir(), 'anyclaude-e2e-proxy-'))
  const file = join(dir, 'config.json')
  // Background probes would race the fault scenarios; shutdown should not wait for streams.
  writeFileSync(file, JSON.stringify({ probeIntervalMs: 600_000, shutdownGraceMs: 200, ...config }))
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, '--proxy-only', '--port', '0', '--config', file, '--debug', '1'],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Hermetic: the developer's ANYCLAUDE_* / *_URL variables must not reach the proxy.
      env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_ENV: 'test' },
    },
  )
  const stderr: string[] = []
  let partial = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    const lines = (partial + d).split('\n')
    partial = lines.pop() ?? ''
    stderr.push(...lines)
  })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))

  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`anyclaude did not start:\n${stderr.join('\n')}`)),
      20_000,
    )
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      out += d
      const m = /anyclaude listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1]!)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`anyclaude exited with ${code} before listening:\n${stderr.join('\n')}`))
    })
  })

  // The start-up probe prints one ✓/✗ line per backend URL: wait for them, so that routing in
  // the first scenario does not race the probe.
  const backends = Array.isArray(config.backends) ? config.backends.length : 0
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    if (stderr.filter((l) => /^[✓✗] /.test(l)).length >= backends) break
    await new Promise((r) => setTimeout(r, 50))
  }

  const messageLogs = (): RequestLog[] => {
    const out: RequestLog[] = []
    for (const line of stderr) {
      if (!line.startsWith('{')) continue
      try {
        const parsed = JSON.parse(line) as RequestLog
        if (parsed.msg === 'request' && parsed.path === '/v1/messages') out.push(parsed)
      } catch {
        // not a log line
      }
    }
    return out
  }

  return {
    url,
    port: Number(new URL(url).port),
    stderr,
    messageLogs,
    async waitForMessageLogs(count, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const logs = messageLogs()
        if (logs.length >= count || Date.now() > until) return logs
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
